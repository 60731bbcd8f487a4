"""Admins read the audit log with filters; nobody else can."""

from __future__ import annotations

from datetime import timedelta

from db.base import utcnow
from db.engine import Database
from db.models import AuditEntry
from schema.ids import encode_id
from tests.conftest import ApiClient

AUDIT_LOG_QUERY = """
query ($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { action objectType objectId actorLabel changes ip requestId actor { email } } }
  }
}
"""


async def _entries(db: Database, admin: ApiClient, count: int) -> None:
    assert admin.user is not None
    async with db.transaction() as session:
        for i in range(count):
            session.add(
                AuditEntry(
                    actor_user_id=admin.user.id,
                    actor_label=admin.user.email,
                    action="createCustomer" if i % 2 == 0 else "updateCustomer",
                    object_type="Customer",
                    object_id=f"00000000-0000-0000-0000-{i:012d}",
                    changes={"name": {"before": None, "after": f"C{i}"}},
                    ip="203.0.113.7",
                    request_id=f"req-{i}",
                    created_at=utcnow() - timedelta(minutes=count - i),
                )
            )


async def test_admin_pages_through_the_audit_log_newest_first(
    db: Database, admin: ApiClient
) -> None:
    await _entries(db, admin, 5)

    first = await admin.data(AUDIT_LOG_QUERY, {"first": 3})
    second = await admin.data(
        AUDIT_LOG_QUERY, {"first": 3, "after": first["auditLog"]["pageInfo"]["endCursor"]}
    )

    ids = [e["node"]["requestId"] for e in first["auditLog"]["edges"] + second["auditLog"]["edges"]]
    assert ids == ["req-4", "req-3", "req-2", "req-1", "req-0"]
    assert first["auditLog"]["totalCount"] == 5
    assert first["auditLog"]["pageInfo"]["hasNextPage"] is True
    assert second["auditLog"]["pageInfo"]["hasNextPage"] is False
    node = first["auditLog"]["edges"][0]["node"]
    assert node["actor"]["email"] == admin.user.email  # type: ignore[union-attr]
    assert node["ip"] == "203.0.113.7"


async def test_admin_filters_by_action_and_object(db: Database, admin: ApiClient) -> None:
    await _entries(db, admin, 6)
    import uuid

    object_gid = encode_id("Customer", uuid.UUID("00000000-0000-0000-0000-000000000002"))

    by_action = await admin.data(AUDIT_LOG_QUERY, {"filter": {"action": "updateCustomer"}})
    by_object = await admin.data(
        AUDIT_LOG_QUERY, {"filter": {"objectType": "Customer", "objectId": object_gid}}
    )

    assert by_action["auditLog"]["totalCount"] == 3
    assert [e["node"]["objectId"] for e in by_object["auditLog"]["edges"]] == [object_gid]


async def test_staff_other_than_admin_cannot_read_the_audit_log(
    db: Database, admin: ApiClient, agent: ApiClient, customer: ApiClient, anonymous: ApiClient
) -> None:
    await _entries(db, admin, 1)

    for client, code in (
        (agent, "FORBIDDEN"),
        (customer, "FORBIDDEN"),
        (anonymous, "UNAUTHENTICATED"),
    ):
        body = await client.post(AUDIT_LOG_QUERY)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code


async def test_malformed_cursor_is_a_bad_user_input_error(admin: ApiClient) -> None:
    body = await admin.post(AUDIT_LOG_QUERY, {"after": "definitely-not-a-cursor"})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cursor" in body["errors"][0]["message"]


async def test_page_size_over_100_is_refused(admin: ApiClient) -> None:
    body = await admin.post(AUDIT_LOG_QUERY, {"first": 101})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "100" in body["errors"][0]["message"]
