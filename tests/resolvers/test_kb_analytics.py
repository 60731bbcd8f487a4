"""Knowledge-base analytics: votes, views, retrieval/citation counters, content gaps,
stale articles and broken links; staff-only reports refused to customers."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import update

from db.base import utcnow
from db.engine import Database
from db.kb_counters import record_citations, record_retrievals
from db.models import Article, ArticleVersion, KbSearchMiss
from schema.ids import decode_id, encode_id
from tests.conftest import ApiClient
from tests.resolvers.kb_helpers import ARCHIVE, create, publish
from tests.resolvers.ticket_helpers import audit_entries

ERRORS = "errors { field code message }"
VOTE = f"""
mutation ($id: ID!, $helpful: Boolean!) {{
  voteArticle(articleId: $id, helpful: $helpful) {{ helpful article {{ id myVote }} {ERRORS} }}
}}"""
VIEW = f"""
mutation ($id: ID!) {{ recordArticleView(articleId: $id) {{ counted {ERRORS} }} }}
"""
COUNTS = """
query ($id: ID!) {
  node(id: $id) {
    ... on Article {
      helpfulCount notHelpfulCount viewCount retrievalCount citationCount myVote
    }
  }
}"""
LIST_COUNTS = """
query { articles(first: 20) { edges { node {
  id title helpfulCount notHelpfulCount viewCount retrievalCount citationCount myVote
} } } }"""
GAPS = """
query ($range: ReportRange, $first: Int) {
  kbContentGaps(range: $range, first: $first) { query example count firstSeen lastSeen }
}"""
STALE = """
query ($days: Int, $category: String) {
  staleArticles(days: $days, category: $category) {
    category daysSinceReview reviewedAt article { id title }
  }
}"""
BROKEN = """
query { brokenArticleLinks { href targetId reason article { id title } } }
"""


def _uuid(global_id: str) -> uuid.UUID:
    return decode_id(global_id, "Article", "id")


async def _published(
    agent: ApiClient, reviewer: ApiClient, title: str, body: str = "<p>Text.</p>", **kw: Any
) -> str:
    article_id: str = (await create(agent, title, body, **kw))["article"]["id"]
    await publish(agent, reviewer, article_id)
    return article_id


async def test_votes_one_per_person_replaced_and_counted_for_staff(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, admin: ApiClient, db: Database
) -> None:
    article = await _published(agent, reviewer, "Reset your password")

    first = await customer.data(VOTE, {"id": article, "helpful": False})
    assert first["voteArticle"]["errors"] == []
    changed = await customer.data(VOTE, {"id": article, "helpful": True})
    assert changed["voteArticle"]["article"]["myVote"] is True
    await agent.data(VOTE, {"id": article, "helpful": False})
    await admin.data(VOTE, {"id": article, "helpful": True})

    counts = (await agent.data(COUNTS, {"id": article}))["node"]
    assert counts["helpfulCount"] == 2  # customer (changed mind) and admin
    assert counts["notHelpfulCount"] == 1
    assert counts["myVote"] is False
    mine = (await customer.data(COUNTS, {"id": article}))["node"]
    assert mine["myVote"] is True
    assert mine["helpfulCount"] is None
    assert mine["notHelpfulCount"] is None
    entries = await audit_entries(db, "voteArticle")
    assert entries[1].changes["helpful"] == {"before": False, "after": True}


async def test_customers_cannot_vote_on_or_view_drafts_or_internal_articles(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, anonymous: ApiClient
) -> None:
    draft = (await create(agent, "Unreleased feature"))["article"]["id"]
    internal = await _published(agent, reviewer, "Fraud playbook", audience="INTERNAL")
    public = await _published(agent, reviewer, "Refunds")

    for article in (draft, internal):
        vote = await customer.data(VOTE, {"id": article, "helpful": True})
        assert vote["voteArticle"]["errors"][0]["code"] == "NOT_FOUND"
        assert vote["voteArticle"]["errors"][0]["field"] == "articleId"
        recorded = await customer.data(VIEW, {"id": article})
        assert recorded["recordArticleView"]["errors"][0]["code"] == "NOT_FOUND"
    refused = await anonymous.post(VOTE, {"id": public, "helpful": True})
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    counts = (await agent.data(COUNTS, {"id": internal}))["node"]
    assert (counts["helpfulCount"], counts["notHelpfulCount"], counts["viewCount"]) == (0, 0, 0)


async def test_a_view_counts_once_per_reader_per_day(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, db: Database
) -> None:
    article = await _published(agent, reviewer, "Shipping times")

    assert (await customer.data(VIEW, {"id": article}))["recordArticleView"]["counted"] is True
    assert (await customer.data(VIEW, {"id": article}))["recordArticleView"]["counted"] is False
    assert (await agent.data(VIEW, {"id": article}))["recordArticleView"]["counted"] is True

    assert (await agent.data(COUNTS, {"id": article}))["node"]["viewCount"] == 2
    assert (await customer.data(COUNTS, {"id": article}))["node"]["viewCount"] is None
    entries = await audit_entries(db, "recordArticleView")
    assert [e.changes["view_counted"]["after"] for e in entries] == [True, False, True]


async def test_retrievals_and_citations_count_each_article_once_per_call(
    agent: ApiClient, reviewer: ApiClient, db: Database
) -> None:
    a = await _published(agent, reviewer, "Invoices")
    b = await _published(agent, reviewer, "Payments")

    await record_retrievals(db, [_uuid(a), _uuid(a), _uuid(b)])
    await record_retrievals(db, [_uuid(a)])
    await record_citations(db, [_uuid(b)])
    await record_citations(db, [uuid.uuid4()])  # an article deleted meanwhile: skipped

    counts_a = (await agent.data(COUNTS, {"id": a}))["node"]
    counts_b = (await agent.data(COUNTS, {"id": b}))["node"]
    assert (counts_a["retrievalCount"], counts_a["citationCount"]) == (2, 0)
    assert (counts_b["retrievalCount"], counts_b["citationCount"]) == (1, 1)


async def test_counts_of_a_page_of_articles_take_a_bounded_number_of_statements(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, db: Database, count_statements: Any
) -> None:
    ids = [await _published(agent, reviewer, f"Article {n}") for n in range(6)]
    for article in ids:
        await customer.data(VOTE, {"id": article, "helpful": True})
        await customer.data(VIEW, {"id": article})
    await record_retrievals(db, [_uuid(i) for i in ids])

    with count_statements() as counter:
        data = await agent.data(LIST_COUNTS)

    nodes = [edge["node"] for edge in data["articles"]["edges"]]
    assert len(nodes) == 6
    assert {(n["helpfulCount"], n["viewCount"], n["retrievalCount"]) for n in nodes} == {(1, 1, 1)}
    # auth, page, count, titles, votes, counters, own votes
    assert counter.count <= 8, counter.statements


async def _miss(db: Database, query: str, normalized: str, days_ago: float = 0) -> None:
    async with db.transaction() as session:
        session.add(
            KbSearchMiss(
                query=query,
                normalized_query=normalized,
                source="customer",
                created_at=utcnow() - timedelta(days=days_ago),
            )
        )


async def test_content_gaps_group_searches_by_wording_most_frequent_first(
    agent: ApiClient, customer: ApiClient, db: Database
) -> None:
    await _miss(db, "Do you ship to  MARS?", "do you ship to mars", 2)
    await _miss(db, "do you ship to mars", "do you ship to mars", 1)
    await _miss(db, "do you ship to mars!!", "do you ship to mars", 0)
    await _miss(db, "crypto payments", "crypto payments", 0)
    await _miss(db, "fax support", "fax support", 40)  # outside the default 30 days

    gaps = (await agent.data(GAPS))["kbContentGaps"]

    assert [(g["query"], g["count"]) for g in gaps] == [
        ("do you ship to mars", 3),
        ("crypto payments", 1),
    ]
    assert gaps[0]["firstSeen"] < gaps[0]["lastSeen"]
    top = (await agent.data(GAPS, {"first": 1}))["kbContentGaps"]
    assert len(top) == 1
    old = utcnow() - timedelta(days=60)
    ranged = await agent.data(
        GAPS,
        {"range": {"from": old.isoformat(), "to": (utcnow() - timedelta(days=20)).isoformat()}},
    )
    assert [g["query"] for g in ranged["kbContentGaps"]] == ["fax support"]
    refused = await customer.post(GAPS)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    too_many = await agent.post(GAPS, {"first": 101})
    assert too_many["errors"][0]["message"] == "`first` must be between 1 and 100."


async def _reviewed_days_ago(db: Database, global_id: str, days: int) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(Article)
            .where(Article.id == _uuid(global_id))
            .values(last_reviewed_at=utcnow() - timedelta(days=days))
        )


async def test_stale_articles_by_category_oldest_review_first(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, db: Database
) -> None:
    fresh = await _published(agent, reviewer, "Fresh", category="Billing")
    old = await _published(agent, reviewer, "Old billing", category="Billing")
    older = await _published(agent, reviewer, "Older billing", category="Billing")
    shipping = await _published(agent, reviewer, "Old shipping", category="Shipping")
    archived = await _published(agent, reviewer, "Archived", category="Billing")
    draft = (await create(agent, "Draft", category="Billing"))["article"]["id"]
    await _reviewed_days_ago(db, fresh, 10)
    await _reviewed_days_ago(db, old, 200)
    await _reviewed_days_ago(db, older, 400)
    await _reviewed_days_ago(db, shipping, 300)
    await _reviewed_days_ago(db, archived, 500)
    await reviewer.data(ARCHIVE, {"id": archived})

    stale = (await agent.data(STALE))["staleArticles"]

    assert [(s["category"], s["article"]["title"], s["daysSinceReview"]) for s in stale] == [
        ("Billing", "Older billing", 400),
        ("Billing", "Old billing", 200),
        ("Shipping", "Old shipping", 300),
    ]
    assert draft not in {s["article"]["id"] for s in stale}
    billing = (await agent.data(STALE, {"days": 300, "category": "Billing"}))["staleArticles"]
    assert [s["article"]["title"] for s in billing] == ["Older billing"]
    refused = await customer.post(STALE)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bad = await agent.post(STALE, {"days": 0})
    assert bad["errors"][0]["message"] == "`days` must be between 1 and 3650."


async def test_broken_links_between_articles(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, db: Database
) -> None:
    live = await _published(agent, reviewer, "Live target")
    internal = await _published(agent, reviewer, "Internal target", audience="INTERNAL")
    archived = await _published(agent, reviewer, "Archived target")
    await reviewer.data(ARCHIVE, {"id": archived})
    draft = (await create(agent, "Draft target"))["article"]["id"]
    missing = uuid.uuid4()
    base = "https://help.example.com"
    body = (
        f'<p><a href="{base}/articles/{_uuid(live)}-live-target">ok</a> '
        f'<a href="{base}/kb/{quote(live, safe="")}">ok by global id</a> '
        f'<a href="{base}/articles/{_uuid(internal)}">internal</a> '
        f'<a href="{base}/articles/{_uuid(archived)}">archived</a> '
        f'<a href="{base}/kb/{quote(draft, safe="")}">draft</a> '
        f'<a href="{base}/articles/{missing}">missing</a> '
        f'<a href="{base}/articles/not-an-id">garbage</a> '
        f'<a href="https://example.org/pricing">elsewhere</a></p>'
    )
    source = await _published(agent, reviewer, "Links", body)
    # A draft's links are not checked: only what readers can see.
    await create(agent, "Draft with links", body)

    links = (await agent.data(BROKEN))["brokenArticleLinks"]

    assert {(link["targetId"], link["reason"]) for link in links} == {
        (internal, "INTERNAL"),
        (archived, "ARCHIVED"),
        (draft, "UNPUBLISHED"),
        (encode_id("Article", missing), "MISSING"),
        (None, "MISSING"),
    }
    assert {link["article"]["id"] for link in links} == {source}
    assert any(link["href"].endswith("/articles/not-an-id") for link in links)
    refused = await customer.post(BROKEN)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_stale_articles_fall_back_to_publication_when_never_reviewed(
    agent: ApiClient, reviewer: ApiClient, db: Database
) -> None:
    article = await _published(agent, reviewer, "Never reviewed", category="Setup")
    async with db.transaction() as session:
        await session.execute(
            update(Article).where(Article.id == _uuid(article)).values(last_reviewed_at=None)
        )
        await session.execute(
            update(ArticleVersion)
            .where(ArticleVersion.article_id == _uuid(article))
            .values(published_at=utcnow() - timedelta(days=190))
        )

    stale = (await agent.data(STALE))["staleArticles"]

    assert [(s["article"]["id"], s["daysSinceReview"]) for s in stale] == [(article, 190)]
