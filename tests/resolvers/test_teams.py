"""Teams: admins create, rename, delete them and manage members with a ticket capacity."""

from __future__ import annotations

from db.engine import Database
from db.models import Team, TeamMember
from tests.conftest import ApiClient, make_user
from tests.resolvers.ticket_helpers import (
    audit_entries,
    count,
    fetch_ticket,
    gid,
    make_customer,
    make_team,
    staff_ticket,
)

CREATE_TEAM = """
mutation ($input: CreateTeamInput!) {
  createTeam(input: $input) { team { id name description } errors { field code message } }
}
"""

UPDATE_TEAM = """
mutation ($input: UpdateTeamInput!) {
  updateTeam(input: $input) { team { id name description } errors { field code } }
}
"""

DELETE_TEAM = """
mutation ($input: DeleteTeamInput!) {
  deleteTeam(input: $input) { deletedId errors { field code } }
}
"""

ADD_MEMBER = """
mutation ($input: AddTeamMemberInput!) {
  addTeamMember(input: $input) {
    team { id members { ticketCapacity user { id name } } }
    errors { field code message }
  }
}
"""

REMOVE_MEMBER = """
mutation ($input: RemoveTeamMemberInput!) {
  removeTeamMember(input: $input) { team { id members { user { id } } } errors { field code } }
}
"""

TEAMS = """
query ($search: String) {
  teams(search: $search, first: 10) { totalCount edges { node { id name } } }
}
"""


async def test_admin_creates_a_team(admin: ApiClient, db: Database) -> None:
    data = await admin.data(
        CREATE_TEAM, {"input": {"name": "  Billing  ", "description": "Invoices"}}
    )

    payload = data["createTeam"]
    assert payload["errors"] == []
    assert payload["team"]["name"] == "Billing"
    assert payload["team"]["description"] == "Invoices"
    (entry,) = await audit_entries(db, "createTeam")
    assert entry.changes["name"] == {"before": None, "after": "Billing"}


async def test_team_names_are_unique_in_any_case(admin: ApiClient, db: Database) -> None:
    await make_team(db, "Billing")

    data = await admin.data(CREATE_TEAM, {"input": {"name": "billing"}})

    assert [(e["field"], e["code"]) for e in data["createTeam"]["errors"]] == [("name", "UNIQUE")]
    assert await count(db, Team) == 1


async def test_admin_renames_a_team(admin: ApiClient, db: Database) -> None:
    team = await make_team(db, "Billing")

    data = await admin.data(
        UPDATE_TEAM, {"input": {"id": gid("Team", team.id), "name": "Payments"}}
    )

    assert data["updateTeam"]["errors"] == []
    assert data["updateTeam"]["team"]["name"] == "Payments"


async def test_deleting_a_team_keeps_its_tickets_assigned(
    admin: ApiClient, agent: ApiClient, db: Database
) -> None:
    acme = await make_customer(db)
    ann = await make_user(db, role="agent", name="Ann")
    team = await make_team(db, "Billing", [ann])
    ticket = await staff_ticket(agent, acme.id, teamId=gid("Team", team.id))

    data = await admin.data(DELETE_TEAM, {"input": {"id": gid("Team", team.id)}})

    assert data["deleteTeam"] == {"deletedId": gid("Team", team.id), "errors": []}
    row = await fetch_ticket(db, ticket["id"])
    assert (row.team_id, row.assignee_id) == (None, ann.id)
    assert await count(db, TeamMember) == 0


async def test_admin_adds_a_member_with_capacity_and_changes_it(
    admin: ApiClient, db: Database
) -> None:
    ann = await make_user(db, role="agent", name="Ann")
    team = await make_team(db, "Billing")
    variables = {"input": {"teamId": gid("Team", team.id), "userId": gid("User", ann.id)}}

    added = await admin.data(ADD_MEMBER, variables)
    changed = await admin.data(ADD_MEMBER, {"input": {**variables["input"], "ticketCapacity": 5}})

    assert added["addTeamMember"]["team"]["members"] == [
        {"ticketCapacity": 20, "user": {"id": gid("User", ann.id), "name": "Ann"}}
    ]
    assert changed["addTeamMember"]["team"]["members"][0]["ticketCapacity"] == 5
    assert await count(db, TeamMember) == 1


async def test_customers_cannot_join_teams(
    admin: ApiClient, customer: ApiClient, db: Database
) -> None:
    assert customer.user is not None
    team = await make_team(db, "Billing")

    data = await admin.data(
        ADD_MEMBER,
        {"input": {"teamId": gid("Team", team.id), "userId": gid("User", customer.user.id)}},
    )

    assert [(e["field"], e["code"]) for e in data["addTeamMember"]["errors"]] == [
        ("userId", "INVALID")
    ]
    assert await count(db, TeamMember) == 0


async def test_negative_capacity_is_refused(admin: ApiClient, db: Database) -> None:
    ann = await make_user(db, role="agent", name="Ann")
    team = await make_team(db, "Billing")

    data = await admin.data(
        ADD_MEMBER,
        {
            "input": {
                "teamId": gid("Team", team.id),
                "userId": gid("User", ann.id),
                "ticketCapacity": -1,
            }
        },
    )

    assert [(e["field"], e["code"]) for e in data["addTeamMember"]["errors"]] == [
        ("ticketCapacity", "INVALID")
    ]
    assert await count(db, TeamMember) == 0


async def test_admin_removes_a_member(admin: ApiClient, db: Database) -> None:
    ann = await make_user(db, role="agent", name="Ann")
    team = await make_team(db, "Billing", [ann])

    data = await admin.data(
        REMOVE_MEMBER, {"input": {"teamId": gid("Team", team.id), "userId": gid("User", ann.id)}}
    )

    assert data["removeTeamMember"] == {
        "team": {"id": gid("Team", team.id), "members": []},
        "errors": [],
    }


async def test_staff_list_teams_by_name(agent: ApiClient, db: Database) -> None:
    await make_team(db, "Support")
    await make_team(db, "billing")
    await make_team(db, "Billing VIP")

    everything = await agent.data(TEAMS)
    searched = await agent.data(TEAMS, {"search": "bill"})

    assert [e["node"]["name"] for e in everything["teams"]["edges"]] == [
        "billing",
        "Billing VIP",
        "Support",
    ]
    assert searched["teams"]["totalCount"] == 2


async def test_only_admins_manage_teams(
    agent: ApiClient, reviewer: ApiClient, db: Database
) -> None:
    for client in (agent, reviewer):
        body = await client.post(CREATE_TEAM, {"input": {"name": "Billing"}})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await count(db, Team) == 0


async def test_customers_cannot_list_teams(customer: ApiClient, db: Database) -> None:
    team = await make_team(db, "Billing")

    body = await customer.post(TEAMS)
    node = await customer.data(
        "query ($id: ID!) { node(id: $id) { id } }", {"id": gid("Team", team.id)}
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert node["node"] is None
