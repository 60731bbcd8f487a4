"""Assigning tickets: by hand, and round-robin within a team skipping agents at capacity."""

from __future__ import annotations

from typing import Any

from db.engine import Database
from db.models import Team
from tests.conftest import ApiClient, make_user
from tests.resolvers.ticket_helpers import (
    ASSIGN_TICKET,
    audit_entries,
    fetch_ticket,
    gid,
    make_customer,
    make_team,
    staff_ticket,
)

AUTO_ASSIGN = """
mutation ($input: AutoAssignTicketInput!) {
  autoAssignTicket(input: $input) {
    ticket { id assignee { id } team { id } }
    errors { field code message }
  }
}
"""


async def _assignees(agent: ApiClient, acme_id: Any, team: Team, n: int) -> list[str | None]:
    names = []
    for _ in range(n):
        ticket = await staff_ticket(agent, acme_id, teamId=gid("Team", team.id))
        names.append(ticket["assignee"]["id"] if ticket["assignee"] else None)
    return names


async def test_new_team_tickets_go_round_robin(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    bob = await make_user(db, role="agent", name="Bob")
    team = await make_team(db, "Billing", [ann, bob])

    assigned = await _assignees(agent, acme.id, team, 4)

    ann_id, bob_id = gid("User", ann.id), gid("User", bob.id)
    assert assigned == [ann_id, bob_id, ann_id, bob_id]


async def test_round_robin_skips_an_agent_at_capacity(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    bob = await make_user(db, role="agent", name="Bob")
    cid = await make_user(db, role="agent", name="Cid")
    team = await make_team(db, "Billing", [ann, bob, cid], capacity=2)
    # Bob already holds two open tickets (his capacity): he is skipped.
    for _ in range(2):
        await staff_ticket(agent, acme.id, assigneeId=gid("User", bob.id))

    assigned = await _assignees(agent, acme.id, team, 4)

    ann_id, cid_id = gid("User", ann.id), gid("User", cid.id)
    assert assigned == [ann_id, cid_id, ann_id, cid_id]


async def test_solved_tickets_free_capacity(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    team = await make_team(db, "Billing", [ann], capacity=1)
    first = await staff_ticket(agent, acme.id, teamId=gid("Team", team.id))
    full = await staff_ticket(agent, acme.id, teamId=gid("Team", team.id))
    await agent.data(
        """mutation ($id: ID!) { changeTicketStatus(input: {ticketId: $id, status: SOLVED}) {
             errors { code } } }""",
        {"id": first["id"]},
    )

    freed = await staff_ticket(agent, acme.id, teamId=gid("Team", team.id))

    assert first["assignee"] == {"id": gid("User", ann.id)}
    assert full["assignee"] is None  # everyone full: it waits in the team queue
    assert full["team"]["id"] == gid("Team", team.id)
    assert freed["assignee"] == {"id": gid("User", ann.id)}


async def test_round_robin_skips_deactivated_members(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    bob = await make_user(db, role="agent", name="Bob")
    async with db.transaction() as session:
        row = await session.get(type(ann), ann.id)
        assert row is not None
        row.is_active = False
    team = await make_team(db, "Billing", [ann, bob])

    assigned = await _assignees(agent, acme.id, team, 2)

    assert assigned == [gid("User", bob.id), gid("User", bob.id)]


async def test_auto_assign_picks_the_next_member(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    team = await make_team(db, "Billing", [ann])
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(
        AUTO_ASSIGN, {"input": {"ticketId": ticket["id"], "teamId": gid("Team", team.id)}}
    )

    payload = data["autoAssignTicket"]
    assert payload["errors"] == []
    assert payload["ticket"]["assignee"] == {"id": gid("User", ann.id)}
    assert payload["ticket"]["team"] == {"id": gid("Team", team.id)}


async def test_auto_assign_when_everyone_is_full_changes_nothing(
    agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    team = await make_team(db, "Billing", [ann], capacity=0)
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(
        AUTO_ASSIGN, {"input": {"ticketId": ticket["id"], "teamId": gid("Team", team.id)}}
    )

    assert data["autoAssignTicket"]["ticket"] is None
    assert [(e["field"], e["code"]) for e in data["autoAssignTicket"]["errors"]] == [
        ("teamId", "INVALID_STATE")
    ]
    row = await fetch_ticket(db, ticket["id"])
    assert (row.assignee_id, row.team_id) == (None, None)
    assert await audit_entries(db, "autoAssignTicket") == []


async def test_assignee_must_be_a_member_of_the_team(agent: ApiClient, db: Database) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    outsider = await make_user(db, role="agent", name="Olga")
    team = await make_team(db, "Billing", [ann])
    ticket = await staff_ticket(agent, acme.id)

    data = await agent.data(
        ASSIGN_TICKET,
        {
            "input": {
                "ticketId": ticket["id"],
                "teamId": gid("Team", team.id),
                "assigneeId": gid("User", outsider.id),
            }
        },
    )

    errors = data["assignTicket"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("assigneeId", "INVALID")]
    assert "not a member of the team Billing" in errors[0]["message"]
    assert (await fetch_ticket(db, ticket["id"])).team_id is None


async def test_customers_and_reviewers_cannot_be_assigned(
    agent: ApiClient, customer: ApiClient, reviewer: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)

    for user in (customer.user, reviewer.user):
        assert user is not None
        data = await agent.data(
            ASSIGN_TICKET, {"input": {"ticketId": ticket["id"], "assigneeId": gid("User", user.id)}}
        )
        assert [(e["field"], e["code"]) for e in data["assignTicket"]["errors"]] == [
            ("assigneeId", "INVALID")
        ]
    assert (await fetch_ticket(db, ticket["id"])).assignee_id is None


async def test_moving_to_another_team_drops_an_assignee_outside_it(
    agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    billing = await make_team(db, "Billing", [ann])
    support = await make_team(db, "Support")
    ticket = await staff_ticket(agent, acme.id, teamId=gid("Team", billing.id))

    data = await agent.data(
        ASSIGN_TICKET, {"input": {"ticketId": ticket["id"], "teamId": gid("Team", support.id)}}
    )

    assert data["assignTicket"]["ticket"]["assignee"] is None
    assert data["assignTicket"]["ticket"]["team"] == {"id": gid("Team", support.id)}
    (entry,) = await audit_entries(db, "assignTicket")
    assert entry.changes["assignee_id"] == {"before": str(ann.id), "after": None}


async def test_null_assignee_unassigns(agent: ApiClient, db: Database) -> None:
    assert agent.user is not None
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id, assigneeId=gid("User", agent.user.id))

    data = await agent.data(
        ASSIGN_TICKET, {"input": {"ticketId": ticket["id"], "assigneeId": None}}
    )

    assert data["assignTicket"]["ticket"]["assignee"] is None


async def test_reviewer_and_customer_cannot_assign(
    agent: ApiClient, reviewer: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert agent.user is not None
    acme = await make_customer(db)
    ticket = await staff_ticket(agent, acme.id)
    variables = {"input": {"ticketId": ticket["id"], "assigneeId": gid("User", agent.user.id)}}

    for client in (reviewer, customer):
        body = await client.post(ASSIGN_TICKET, variables)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await fetch_ticket(db, ticket["id"])).assignee_id is None
