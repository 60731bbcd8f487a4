"""Knowledge-base articles: drafts, review, publishing, archive, and who may do what."""

from __future__ import annotations

from sqlalchemy import select

from db.engine import Database
from db.models import Article, ArticleVersion, Job
from tests.conftest import ApiClient
from tests.resolvers.kb_helpers import (
    APPROVE,
    ARCHIVE,
    ARTICLES,
    NODE,
    REQUEST_CHANGES,
    SUBMIT,
    create,
    publish,
    save,
)
from tests.resolvers.ticket_helpers import audit_entries, count


async def _jobs(db: Database, kind: str) -> list[Job]:
    async with db.sessions() as session:
        return list((await session.execute(select(Job).where(Job.kind == kind))).scalars())


async def test_agent_creates_a_draft_with_sanitised_body(agent: ApiClient, db: Database) -> None:
    payload = await create(
        agent,
        "  Reset   your password ",
        '<p onclick="x()">Open <b>Settings</b></p><script>alert(1)</script>',
        tags=["Account", "account", "security"],
        category="Account",
    )

    article = payload["article"]
    assert article["title"] == "Reset your password"
    assert article["bodyHtml"] == "<p>Open <b>Settings</b></p>"
    assert article["bodyText"] == "Open Settings"
    assert article["state"] == "DRAFT"
    assert article["tags"] == ["account", "security"]
    assert payload["version"]["number"] == 1
    assert article["publishedVersion"] is None
    (entry,) = await audit_entries(db, "createArticle")
    assert entry.changes["title"] == {"before": None, "after": "Reset your password"}


async def test_agent_cannot_publish(agent: ApiClient, db: Database) -> None:
    article_id = (await create(agent))["article"]["id"]
    await agent.data(SUBMIT, {"id": article_id})

    body = await agent.post(APPROVE, {"id": article_id})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.sessions() as session:
        (row,) = (await session.execute(select(Article))).scalars()
        assert row.published_version_id is None
    assert await _jobs(db, "kb.index_version") == []


async def test_reviewer_approves_and_publishing_queues_indexing(
    agent: ApiClient, reviewer: ApiClient, db: Database
) -> None:
    article_id = (await create(agent))["article"]["id"]

    payload = await publish(agent, reviewer, article_id)

    article = payload["article"]
    assert article["state"] == "PUBLISHED"
    assert article["publishedVersion"]["number"] == 1
    assert article["publishedVersion"]["state"] == "PUBLISHED"
    (job,) = await _jobs(db, "kb.index_version")
    async with db.sessions() as session:
        (row,) = (await session.execute(select(Article))).scalars()
    assert job.args == {"version_id": str(row.published_version_id)}


async def test_editing_a_published_article_keeps_the_published_version_live(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient
) -> None:
    created = await create(agent, "Refunds", "<p>Refunds take 5 days.</p>")
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    await publish(agent, reviewer, article_id)

    saved = await save(agent, article_id, v1, "Refunds", "<p>Refunds take 3 days.</p>")

    assert saved["errors"] == []
    assert saved["article"]["state"] == "DRAFT"
    assert saved["article"]["publishedVersion"]["number"] == 1
    assert saved["article"]["latestVersion"]["number"] == 2
    seen = await customer.data(NODE, {"id": article_id})
    assert seen["node"]["bodyText"] == "Refunds take 5 days."

    approved = await publish(agent, reviewer, article_id)

    assert approved["article"]["publishedVersion"]["number"] == 2
    seen = await customer.data(NODE, {"id": article_id})
    assert seen["node"]["bodyText"] == "Refunds take 3 days."
    staff = await agent.data(
        "query ($id: ID!) { node(id: $id) { ... on Article { versions { number state } } } }",
        {"id": article_id},
    )
    assert staff["node"]["versions"] == [
        {"number": 2, "state": "PUBLISHED"},
        {"number": 1, "state": "SUPERSEDED"},
    ]


async def test_stale_save_is_refused_and_nothing_is_lost(agent: ApiClient, db: Database) -> None:
    created = await create(agent, "Shipping", "<p>Ships in 2 days.</p>")
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    first = await save(agent, article_id, v1, "Shipping", "<p>Ships in 1 day.</p>")
    assert first["errors"] == []

    stale = await save(agent, article_id, v1, "Shipping", "<p>Ships tomorrow.</p>")

    assert stale["article"] is None
    (error,) = stale["errors"]
    assert (error["field"], error["code"]) == ("baseVersionId", "STALE_VERSION")
    assert "version 2 has been saved since" in error["message"]
    assert await count(db, ArticleVersion) == 2
    latest = await agent.data(NODE, {"id": article_id})
    assert latest["node"]["bodyText"] == "Ships in 1 day."


async def test_reviewer_requests_changes_with_a_comment(
    agent: ApiClient, reviewer: ApiClient
) -> None:
    created = await create(agent)
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    await agent.data(SUBMIT, {"id": article_id})

    data = await reviewer.data(REQUEST_CHANGES, {"id": article_id, "comment": "Add screenshots"})

    article = data["requestArticleChanges"]["article"]
    assert article["state"] == "CHANGES_REQUESTED"
    assert article["latestVersion"]["reviewComment"] == "Add screenshots"
    again = await save(agent, article_id, v1, "Reset your password", "<p>With pictures.</p>")
    assert again["errors"] == []
    assert again["article"]["state"] == "DRAFT"


async def test_request_changes_needs_a_comment(agent: ApiClient, reviewer: ApiClient) -> None:
    article_id = (await create(agent))["article"]["id"]
    await agent.data(SUBMIT, {"id": article_id})

    data = await reviewer.data(REQUEST_CHANGES, {"id": article_id, "comment": "  "})

    assert [(e["field"], e["code"]) for e in data["requestArticleChanges"]["errors"]] == [
        ("comment", "REQUIRED")
    ]


async def test_article_in_review_cannot_be_edited(agent: ApiClient) -> None:
    created = await create(agent)
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    await agent.data(SUBMIT, {"id": article_id})

    saved = await save(agent, article_id, v1, "New title", "<p>x</p>")

    assert [(e["field"], e["code"]) for e in saved["errors"]] == [("articleId", "INVALID_STATE")]


async def test_customer_never_sees_drafts_or_internal_articles(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient
) -> None:
    draft = (await create(agent, "Draft only"))["article"]["id"]
    internal = (await create(agent, "Internal runbook", audience="INTERNAL"))["article"]["id"]
    await publish(agent, reviewer, internal)
    public = (await create(agent, "Public answer"))["article"]["id"]
    await publish(agent, reviewer, public)

    listed = await customer.data(ARTICLES, {"first": 10})

    assert [e["node"]["title"] for e in listed["articles"]["edges"]] == ["Public answer"]
    assert listed["articles"]["edges"][0]["node"]["versions"] is None
    for hidden in (draft, internal):
        assert (await customer.data(NODE, {"id": hidden}))["node"] is None
    staff = await agent.data(ARTICLES, {"first": 10})
    assert staff["articles"]["totalCount"] == 3


async def test_customer_reads_published_text_not_the_newer_draft(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient
) -> None:
    created = await create(agent, "Plans", "<p>Two plans.</p>")
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    await publish(agent, reviewer, article_id)
    draft = await save(agent, article_id, v1, "Plans (secret rename)", "<p>Three plans.</p>")
    draft_version = draft["version"]["id"]

    listed = await customer.data(ARTICLES, {"filter": {"search": "secret"}})
    node = await customer.data(NODE, {"id": draft_version})

    assert listed["articles"]["totalCount"] == 0
    assert node["node"] is None
    found = await customer.data(ARTICLES, {"filter": {"search": "pla"}})
    assert [e["node"]["bodyText"] for e in found["articles"]["edges"]] == ["Two plans."]


async def test_archive_hides_the_article_and_restore_brings_a_draft_back(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, db: Database
) -> None:
    created = await create(agent, "Old pricing", "<p>10 dollars.</p>")
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    await publish(agent, reviewer, article_id)

    denied = await agent.post(ARCHIVE, {"id": article_id})
    archived = await reviewer.data(ARCHIVE, {"id": article_id})

    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert archived["archiveArticle"]["article"]["state"] == "ARCHIVED"
    assert (await customer.data(NODE, {"id": article_id}))["node"] is None

    from tests.resolvers.kb_helpers import RESTORE

    restored = await agent.data(RESTORE, {"id": v1})

    payload = restored["restoreArticleVersion"]
    assert payload["errors"] == []
    assert payload["version"]["number"] == 2
    assert payload["article"]["state"] == "DRAFT"
    assert payload["article"]["bodyText"] == "10 dollars."
    assert (await audit_entries(db, "restoreArticleVersion"))[0].changes["restored_from"] == 1


async def test_list_filters_by_state_tag_and_category(
    agent: ApiClient, reviewer: ApiClient
) -> None:
    a = (await create(agent, "Billing FAQ", category="Billing", tags=["invoice"]))["article"]
    await create(agent, "Login help", category="Account", tags=["login"])
    await publish(agent, reviewer, a["id"])

    published = await agent.data(ARTICLES, {"filter": {"states": ["PUBLISHED"]}})
    tagged = await agent.data(ARTICLES, {"filter": {"tags": ["LOGIN"]}})
    billing = await agent.data(ARTICLES, {"filter": {"category": "Billing"}})

    assert [e["node"]["title"] for e in published["articles"]["edges"]] == ["Billing FAQ"]
    assert [e["node"]["title"] for e in tagged["articles"]["edges"]] == ["Login help"]
    assert [e["node"]["title"] for e in billing["articles"]["edges"]] == ["Billing FAQ"]


async def test_customer_cannot_write_articles(customer: ApiClient, db: Database) -> None:
    body = await customer.post(
        'mutation { createArticle(input: {title: "x", bodyHtml: "<p>x</p>"}) { errors { code } } }'
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count(db, Article) == 0


async def test_list_loads_titles_without_a_query_per_article(
    agent: ApiClient, count_statements: object
) -> None:
    for n in range(6):
        await create(agent, f"Article {n}")

    with count_statements() as counter:  # type: ignore[operator]
        data = await agent.data(ARTICLES, {"first": 6})

    assert len(data["articles"]["edges"]) == 6
    # auth, page, count, versions of the page (titles), versions lists
    assert counter.count <= 7, counter.statements


async def test_agent_cannot_make_a_published_internal_article_public(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient
) -> None:
    created = await create(agent, "Escalation runbook", audience="INTERNAL")
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    await publish(agent, reviewer, article_id)

    saved = await save(agent, article_id, v1, "Escalation runbook", "<p>x</p>", audience="PUBLIC")

    assert [(e["field"], e["code"]) for e in saved["errors"]] == [("audience", "FORBIDDEN")]
    assert (await customer.data(NODE, {"id": article_id}))["node"] is None
