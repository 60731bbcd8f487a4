"""Article versions: history, line- and word-level diffs, and restoring an old version."""

from __future__ import annotations

from resolvers.kb.diff import diff_text
from tests.conftest import ApiClient
from tests.resolvers.kb_helpers import RESTORE, create, publish, save

DIFF = """
query ($from: ID!, $to: ID!) {
  articleVersionDiff(fromId: $from, toId: $to) {
    fromVersion { number } toVersion { number }
    addedLines removedLines unified
    hunks {
      fromStart fromCount toStart toCount
      lines { kind text fromNumber toNumber segments { kind text } }
    }
  }
}
"""


def test_word_level_segments_mark_only_the_changed_words() -> None:
    diff = diff_text("Refunds take 5 days.\nContact us.", "Refunds take 3 days.\nContact us.")

    (hunk,) = diff.hunks
    removed, added = (line for line in hunk.lines if line.kind != "context")
    assert [(s.kind, s.text) for s in removed.segments] == [
        ("equal", "Refunds take "),
        ("removed", "5"),
        ("equal", " days."),
    ]
    assert [(s.kind, s.text) for s in added.segments] == [
        ("equal", "Refunds take "),
        ("added", "3"),
        ("equal", " days."),
    ]
    assert (diff.added_lines, diff.removed_lines) == (1, 1)


async def test_staff_compare_two_versions(agent: ApiClient) -> None:
    created = await create(agent, "Refunds", "<p>Refunds take 5 days.</p><p>Contact us.</p>")
    v1 = created["version"]["id"]
    saved = await save(
        agent,
        created["article"]["id"],
        v1,
        "Refunds",
        "<p>Refunds take 3 days.</p><p>Contact us.</p><p>Keep your receipt.</p>",
    )

    data = await agent.data(DIFF, {"from": v1, "to": saved["version"]["id"]})

    diff = data["articleVersionDiff"]
    assert (diff["fromVersion"]["number"], diff["toVersion"]["number"]) == (1, 2)
    assert (diff["addedLines"], diff["removedLines"]) == (3, 1)
    lines = [(line["kind"], line["text"]) for line in diff["hunks"][0]["lines"]]
    assert ("REMOVED", "Refunds take 5 days.") in lines
    assert ("ADDED", "Refunds take 3 days.") in lines
    assert ("ADDED", "Keep your receipt.") in lines
    changed = next(line for line in diff["hunks"][0]["lines"] if line["kind"] == "ADDED")
    assert {"kind": "ADDED", "text": "3"} in changed["segments"]
    assert "-Refunds take 5 days." in diff["unified"]


async def test_customer_cannot_compare_versions(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient
) -> None:
    created = await create(agent)
    await publish(agent, reviewer, created["article"]["id"])

    body = await customer.post(
        DIFF, {"from": created["version"]["id"], "to": created["version"]["id"]}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_versions_of_different_articles_are_not_compared(agent: ApiClient) -> None:
    a = (await create(agent, "A"))["version"]["id"]
    b = (await create(agent, "B"))["version"]["id"]

    body = await agent.post(DIFF, {"from": a, "to": b})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "same article" in body["errors"][0]["message"]


async def test_restore_brings_back_old_content_as_a_new_draft(
    agent: ApiClient, reviewer: ApiClient
) -> None:
    created = await create(agent, "Hours", "<p>Open 9 to 5.</p>")
    article_id, v1 = created["article"]["id"], created["version"]["id"]
    await publish(agent, reviewer, article_id)
    v2 = (await save(agent, article_id, v1, "Hours", "<p>Open 24/7.</p>"))["version"]["id"]
    await publish(agent, reviewer, article_id)

    data = await agent.data(RESTORE, {"id": v1})

    payload = data["restoreArticleVersion"]
    assert payload["version"]["number"] == 3
    assert payload["version"]["state"] == "DRAFT"
    assert payload["article"]["bodyText"] == "Open 9 to 5."
    assert payload["article"]["publishedVersion"]["id"] == v2
