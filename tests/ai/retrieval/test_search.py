"""Hybrid search: only current published versions, only the audiences asked for, filters,
vectors of the active model only, cached results that a publish invalidates, and searches
with no answer recorded for the content-gaps report."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from ai.retrieval import SearchFilter, SearchOptions, index_article_version, search_kb
from ai.retrieval.result_cache import ResultCache
from db.engine import Database
from db.models import KbChunk, KbSearchMiss
from tests.ai.retrieval.helpers import MemoEmbedder, add_version, publish_article

STAFF = ("public", "internal")
CUSTOMER = ("public",)

RESET = """# Resetting your password

Click "Forgot password?" on the sign-in page and enter your email address. We send a
link that works once and for one hour; choose a new password of at least ten characters.
"""
ESCALATION = """# Escalating a fraud report

Internal: when a customer reports card fraud, freeze the account, note the transaction ids
and hand the ticket to the risk team within one hour. Never promise a refund yourself.
"""
SHIPPING = """# Versand und Lieferzeiten

Wir versenden innerhalb von 24 Stunden nach Zahlungseingang. Die Lieferung innerhalb
Deutschlands dauert zwei bis drei Werktage, ins Ausland bis zu zehn Werktage.
"""


async def _publish(
    db: Database, embedder: MemoEmbedder, title: str, markdown: str, **kw: object
) -> uuid.UUID:
    article_id, version_id = await publish_article(db, title=title, markdown=markdown, **kw)  # type: ignore[arg-type]
    await index_article_version(db, version_id, embedder)
    return article_id


async def _titles(
    db: Database,
    embedder: MemoEmbedder,
    query: str,
    audiences: tuple[str, ...] = STAFF,
    **kw: object,
) -> list[str]:
    result = await search_kb(db, query, embedder=embedder, audiences=audiences, cache=None, **kw)  # type: ignore[arg-type]
    return [hit.title for hit in result.hits]


async def test_customers_never_find_internal_articles(db: Database, embedder: MemoEmbedder) -> None:
    await _publish(db, embedder, "Escalating a fraud report", ESCALATION, audience="internal")
    await _publish(db, embedder, "Resetting your password", RESET)

    staff = await _titles(db, embedder, "customer says someone used their card", STAFF)
    customer = await _titles(db, embedder, "customer says someone used their card", CUSTOMER)

    assert staff[0] == "Escalating a fraud report"
    assert "Escalating a fraud report" not in customer


async def test_drafts_and_superseded_versions_are_not_found(
    db: Database, embedder: MemoEmbedder
) -> None:
    article_id = await _publish(db, embedder, "Resetting your password", RESET)
    draft = await add_version(
        db,
        article_id,
        title="Resetting your passphrase",
        markdown=RESET.replace("password", "passphrase"),
        publish=False,
    )
    await index_article_version(db, draft, embedder)
    _, unpublished = await publish_article(
        db, title="Secret plans", markdown=ESCALATION, published=False
    )
    await index_article_version(db, unpublished, embedder)

    result = await search_kb(
        db, "forgot my passphrase", embedder=embedder, audiences=STAFF, cache=None
    )

    assert [h.title for h in result.hits] == ["Resetting your password"]
    assert all(h.version_id != draft for h in result.hits)


async def test_hits_have_scores_heading_path_and_text(db: Database, embedder: MemoEmbedder) -> None:
    await _publish(db, embedder, "Resetting your password", RESET)

    result = await search_kb(
        db, "forgot my password", embedder=embedder, audiences=STAFF, cache=None
    )

    hit = result.hits[0]
    assert result.answered
    assert hit.vector_score is not None
    assert hit.vector_score > 0.5
    assert hit.text_score > 0  # "password" occurs in the chunk
    assert hit.score > 0
    assert "Forgot password" in hit.text


async def test_filters_narrow_by_locale_category_and_tags(
    db: Database, embedder: MemoEmbedder
) -> None:
    await _publish(
        db, embedder, "Resetting your password", RESET, category="account", tags=["login"]
    )
    await _publish(
        db,
        embedder,
        "Versand und Lieferzeiten",
        SHIPPING,
        locale="de",
        category="shipping",
        tags=["versand"],
    )

    assert await _titles(db, embedder, "Lieferung", search_filter=SearchFilter(locale="de")) == [
        "Versand und Lieferzeiten"
    ]
    assert (
        await _titles(
            db, embedder, "password", search_filter=SearchFilter(locale="de", category="account")
        )
        == []
    )
    assert await _titles(
        db, embedder, "password", search_filter=SearchFilter(tags=("login", "x"))
    ) == ["Resetting your password"]
    assert (
        await _titles(db, embedder, "password", search_filter=SearchFilter(audience="internal"))
        == []
    )


async def test_full_text_uses_the_articles_language(db: Database, embedder: MemoEmbedder) -> None:
    await _publish(db, embedder, "Resetting your password", RESET)
    await _publish(db, embedder, "Versand und Lieferzeiten", SHIPPING, locale="de")
    text_only = SearchOptions(method="text")

    # English stemming finds "choose" from "choosing"; German words match as written.
    assert await _titles(db, embedder, "choosing", options=text_only) == ["Resetting your password"]
    assert await _titles(db, embedder, "Werktage", options=text_only) == [
        "Versand und Lieferzeiten"
    ]


async def test_vectors_of_another_model_are_not_compared(
    db: Database, embedder: MemoEmbedder
) -> None:
    await _publish(db, embedder, "Resetting your password", RESET)
    async with db.transaction() as session:
        await session.execute(update(KbChunk).values(embedding_model="some-old-model"))

    vector_only = await _titles(
        db, embedder, "forgot my password", options=SearchOptions(method="vector")
    )
    hybrid = await search_kb(
        db, "forgot my password", embedder=embedder, audiences=STAFF, cache=None
    )

    assert vector_only == []
    # Full text still finds it, without a vector score to compare.
    assert [(h.title, h.vector_score) for h in hybrid.hits] == [("Resetting your password", None)]


async def test_reciprocal_rank_fusion_is_available(db: Database, embedder: MemoEmbedder) -> None:
    await _publish(db, embedder, "Resetting your password", RESET)
    await _publish(db, embedder, "Versand und Lieferzeiten", SHIPPING, locale="de")

    titles = await _titles(
        db, embedder, "I forgot my password", options=SearchOptions(method="rrf")
    )

    assert titles[0] == "Resetting your password"


async def test_cached_results_are_dropped_when_a_new_version_is_published(
    db: Database, embedder: MemoEmbedder
) -> None:
    article_id = await _publish(db, embedder, "Resetting your password", RESET)
    cache = ResultCache()
    first = await search_kb(
        db, "forgot my password", embedder=embedder, audiences=STAFF, cache=cache
    )
    again = await search_kb(
        db, "forgot my password", embedder=embedder, audiences=STAFF, cache=cache
    )
    assert (first.cached, again.cached) == (False, True)
    assert again.hits == first.hits

    version = await add_version(db, article_id, title="Password help", markdown=RESET, publish=True)
    after_publish = await search_kb(
        db, "forgot my password", embedder=embedder, audiences=STAFF, cache=cache
    )
    await index_article_version(db, version, embedder)
    after_index = await search_kb(
        db, "forgot my password", embedder=embedder, audiences=STAFF, cache=cache
    )

    assert not after_publish.cached
    assert after_publish.hits == ()  # published, not indexed yet: the old chunks are gone from view
    assert not after_index.cached
    assert [h.title for h in after_index.hits] == ["Password help"]


async def test_searches_without_an_answer_are_recorded(
    db: Database, embedder: MemoEmbedder
) -> None:
    await _publish(db, embedder, "Resetting your password", RESET)

    missed = await search_kb(
        db,
        "How do I bake SOURDOUGH bread?",
        embedder=embedder,
        audiences=CUSTOMER,
        record_miss_as="customer",
        cache=None,
    )
    found = await search_kb(
        db,
        "forgot my password",
        embedder=embedder,
        audiences=CUSTOMER,
        record_miss_as="customer",
        cache=None,
    )

    async with db.transaction() as session:
        misses = (await session.execute(select(KbSearchMiss))).scalars().all()
    assert (missed.answered, found.answered) == (False, True)
    assert [(m.normalized_query, m.source) for m in misses] == [
        ("how do i bake sourdough bread", "customer")
    ]
    assert misses[0].best_similarity is not None
    assert misses[0].best_similarity < 0.4
