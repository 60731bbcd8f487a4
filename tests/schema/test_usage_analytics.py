"""`usageAnalytics`: admins see active users, API keys and operations per day, counted from
the audit log, sessions, API keys, AI calls and jobs already recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from db.engine import Database
from db.models import AiCall, ApiKey, AuditEntry, AuthSession, Job
from tests.conftest import ApiClient, make_user

USAGE = """
query Usage($range: ReportRange!, $interval: UsageInterval) {
  usageAnalytics(range: $range, interval: $interval) {
    interval
    total { activeUsers activeStaff activeCustomers activeApiKeys mutations logins aiCalls jobs }
    buckets {
      startsAt endsAt
      counts { activeUsers activeStaff activeCustomers activeApiKeys mutations logins aiCalls jobs }
    }
    topActions { action count }
  }
}"""
RANGE = {"from": "2026-01-05T00:00:00Z", "to": "2026-01-08T00:00:00Z"}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=UTC)


def counts(**given: int) -> dict[str, int]:
    names = ["activeUsers", "activeStaff", "activeCustomers", "activeApiKeys"]
    names += ["mutations", "logins", "aiCalls", "jobs"]
    return {name: given.get(name, 0) for name in names}


async def _history(db: Database) -> None:
    """Three days of use, and some outside the range."""
    agent = await make_user(db, role="agent")
    customer = await make_user(db, role="customer")
    async with db.transaction() as session:
        key = ApiKey(name="gateway", prefix="acrm_x", key_hash="h" * 64, role="agent")
        key.last_used_at = at(6, 12)
        session.add(key)
        await session.flush()
        session.add_all(
            [
                AuditEntry(
                    created_at=at(5, 9),
                    actor_user_id=agent.id,
                    actor_label="a",
                    action="createTicket",
                ),
                AuditEntry(
                    created_at=at(5, 10),
                    actor_user_id=agent.id,
                    actor_label="a",
                    action="createTicket",
                ),
                AuditEntry(
                    created_at=at(7, 8),
                    actor_api_key_id=key.id,
                    actor_label="k",
                    action="updateTicket",
                ),
                AuditEntry(
                    created_at=at(9, 8),
                    actor_user_id=agent.id,
                    actor_label="a",
                    action="outsideTheRange",
                ),
                AuthSession(user_id=customer.id, created_at=at(5, 10), last_used_at=at(6, 9)),
                AiCall(
                    created_at=at(6, 15),
                    provider="offline",
                    model="extractive",
                    call="complete",
                    operation="draft_reply",
                    prompt_version="v1",
                    tokens_in=3,
                    tokens_out=4,
                    total_ms=5,
                    cache_hit=False,
                    outcome="ok",
                    user_id=agent.id,
                ),
                Job(created_at=at(7, 11), kind="probe.noop", requested_by_id=agent.id),
            ]
        )


async def test_admin_reads_active_users_keys_and_operations_per_day(
    db: Database, admin: ApiClient, count_statements: Any
) -> None:
    await _history(db)

    with count_statements() as counter:
        data = await admin.data(USAGE, {"range": RANGE, "interval": "DAY"})

    report = data["usageAnalytics"]
    assert report["interval"] == "DAY"
    assert report["total"] == counts(
        activeUsers=2, activeStaff=1, activeCustomers=1, activeApiKeys=1,
        mutations=3, logins=1, aiCalls=1, jobs=1,
    )  # fmt: skip
    assert [(b["startsAt"], b["endsAt"]) for b in report["buckets"]] == [
        ("2026-01-05T00:00:00+00:00", "2026-01-06T00:00:00+00:00"),
        ("2026-01-06T00:00:00+00:00", "2026-01-07T00:00:00+00:00"),
        ("2026-01-07T00:00:00+00:00", "2026-01-08T00:00:00+00:00"),
    ]
    assert [b["counts"] for b in report["buckets"]] == [
        counts(activeUsers=2, activeStaff=1, activeCustomers=1, mutations=2, logins=1),
        counts(activeUsers=2, activeStaff=1, activeCustomers=1, activeApiKeys=1, aiCalls=1),
        counts(activeUsers=1, activeStaff=1, activeApiKeys=1, mutations=1, jobs=1),
    ]
    assert report["topActions"] == [
        {"action": "createTicket", "count": 2},
        {"action": "updateTicket", "count": 1},
    ]
    # the principal's session and user, then buckets, totals and actions: never per row
    assert counter.count <= 6


async def test_empty_hours_are_reported_as_zero(db: Database, admin: ApiClient) -> None:
    data = await admin.data(
        USAGE,
        {
            "range": {"from": "2026-01-05T10:30:00Z", "to": "2026-01-05T13:00:00Z"},
            "interval": "HOUR",
        },
    )

    buckets = data["usageAnalytics"]["buckets"]
    assert [b["startsAt"] for b in buckets] == [
        "2026-01-05T10:30:00+00:00",
        "2026-01-05T11:00:00+00:00",
        "2026-01-05T12:00:00+00:00",
    ]
    assert all(b["counts"] == counts() for b in buckets)


async def test_too_many_buckets_are_refused_with_advice(admin: ApiClient) -> None:
    body = await admin.post(
        USAGE,
        {
            "range": {"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
            "interval": "HOUR",
        },
    )

    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "longer interval" in error["message"]


async def test_only_admins_read_usage_analytics(agent: ApiClient, customer: ApiClient) -> None:
    for client in (agent, customer):
        body = await client.post(USAGE, {"range": RANGE})

        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["data"] is None
