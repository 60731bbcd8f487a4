"""kbSearch over GraphQL: customers and visitors find public articles only, staff internal
ones too; hits name their Article by global ID; bad input is BAD_USER_INPUT."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ai.embeddings import active_embedder
from ai.retrieval import index_article_version
from db.engine import Database
from db.models import KbSearchMiss
from schema.ids import encode_id
from settings import Settings
from tests.ai.retrieval.helpers import publish_article
from tests.conftest import ApiClient

KB_SEARCH = """
query ($query: String!, $first: Int, $filter: KbSearchFilter) {
  kbSearch(query: $query, first: $first, filter: $filter) {
    articleId title text headingPath score vectorScore textScore
  }
}"""

INVOICES = """# Sending an invoice

## Emailing it

Click Send: the client receives an email with a link to view the invoice online and a PDF
copy attached. You can change the subject and add recipients before sending.
"""
FRAUD = """# Card fraud reports

## What agents do

Freeze the account, note the transaction ids and hand the ticket to the risk team within
one hour. Never promise the customer a refund yourself.
"""


@pytest.fixture
async def articles(db: Database, settings: Settings) -> dict[str, str]:
    embedder = active_embedder(settings)
    ids = {}
    for title, body, audience in [
        ("Sending an invoice", INVOICES, "public"),
        ("Card fraud reports", FRAUD, "internal"),
    ]:
        article_id, version_id = await publish_article(
            db, title=title, markdown=body, audience=audience, category="billing"
        )
        await index_article_version(db, version_id, embedder)
        ids[title] = encode_id("Article", article_id)
    return ids


async def _titles(client: ApiClient, query: str, **variables: Any) -> list[str]:
    data = await client.data(KB_SEARCH, {"query": query, **variables})
    return [hit["title"] for hit in data["kbSearch"]]


async def test_agent_search_returns_the_passage_with_its_article_and_scores(
    agent: ApiClient, articles: dict[str, str]
) -> None:
    data = await agent.data(KB_SEARCH, {"query": "how does my client get the bill by mail"})

    hit = data["kbSearch"][0]
    assert hit["articleId"] == articles["Sending an invoice"]
    assert hit["headingPath"] == ["Emailing it"]
    assert "PDF" in hit["text"]
    assert hit["vectorScore"] > 0.3
    assert hit["score"] > 0
    assert hit["textScore"] >= 0


async def test_staff_find_internal_articles_customers_and_visitors_do_not(
    agent: ApiClient, customer: ApiClient, anonymous: ApiClient, articles: dict[str, str]
) -> None:
    question = "someone stole my card and paid with it"

    assert "Card fraud reports" in await _titles(agent, question)
    assert "Card fraud reports" not in await _titles(customer, question)
    assert "Card fraud reports" not in await _titles(anonymous, question)
    assert await _titles(customer, question, filter={"audience": "INTERNAL"}) == []


async def test_filter_by_category_and_first(agent: ApiClient, articles: dict[str, str]) -> None:
    assert await _titles(agent, "invoice", filter={"category": "shipping"}) == []
    assert len(await _titles(agent, "invoice", first=1)) == 1


@pytest.mark.parametrize(
    ("query", "first", "message"),
    [
        ("", 5, "Type what to search for."),
        ("   ", 5, "Type what to search for."),
        ("?!…", 5, "Search has no letters or digits."),
        ("x" * 201, 5, "Search with at most 200 characters."),
        ("invoice", 0, "`first` must be between 1 and 50."),
        ("invoice", 101, "`first` must be between 1 and 50."),
    ],
)
async def test_empty_or_garbage_searches_are_bad_user_input(
    customer: ApiClient, db: Database, query: str, first: int, message: str
) -> None:
    body = await customer.post(KB_SEARCH, {"query": query, "first": first})

    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == message
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(KbSearchMiss)) == 0


async def test_a_search_with_no_answer_is_recorded_as_a_content_gap(
    customer: ApiClient, db: Database, articles: dict[str, str]
) -> None:
    await customer.data(KB_SEARCH, {"query": "how do I bake sourdough bread"})

    async with db.transaction() as session:
        misses = (await session.execute(select(KbSearchMiss))).scalars().all()
    assert [(m.normalized_query, m.source) for m in misses] == [
        ("how do i bake sourdough bread", "customer")
    ]


async def test_each_hit_links_to_its_article_as_the_reader_may_see_it(
    agent: ApiClient, customer: ApiClient, anonymous: ApiClient, articles: dict[str, str]
) -> None:
    query = """query ($query: String!) {
      kbSearch(query: $query) { articleId article { id title audience } }
    }"""
    question = {"query": "how does my client get the bill by mail"}
    for reader in (agent, customer):
        hits = (await reader.data(query, question))["kbSearch"]
        assert hits
        assert all(hit["article"]["id"] == hit["articleId"] for hit in hits)
        assert hits[0]["article"]["title"] == "Sending an invoice"
    # A visitor of a public help centre gets the passages, not the article records.
    visitor_hits = (await anonymous.data(query, question))["kbSearch"]
    assert visitor_hits
    assert all(hit["article"] is None for hit in visitor_hits)


ARTICLE_COUNTS = """
query ($id: ID!) { node(id: $id) { ... on Article { retrievalCount citationCount } } }
"""


async def test_each_search_counts_one_retrieval_per_returned_article(
    agent: ApiClient, customer: ApiClient, articles: dict[str, str]
) -> None:
    # The invoice article has several chunks; two searches that return it count two.
    for _ in range(2):
        titles = await _titles(customer, "how does my client get the invoice by email")
        assert "Sending an invoice" in titles

    data = await agent.data(ARTICLE_COUNTS, {"id": articles["Sending an invoice"]})
    assert data["node"] == {"retrievalCount": 2, "citationCount": 0}
    # The internal article was never among a customer's hits.
    data = await agent.data(ARTICLE_COUNTS, {"id": articles["Card fraud reports"]})
    assert data["node"]["retrievalCount"] == 0
    hidden = await customer.data(ARTICLE_COUNTS, {"id": articles["Sending an invoice"]})
    assert hidden["node"] == {"retrievalCount": None, "citationCount": None}
