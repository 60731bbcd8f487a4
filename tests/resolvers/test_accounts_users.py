"""The user directory, createUser, updateUser and updateProfile, and who may use them."""

from __future__ import annotations

from typing import Any

from strawberry import relay

from db.engine import Database
from db.models import AuditEntry, AuthSession, Customer, User
from tests.auth.support import (
    UPDATE_PROFILE,
    audit_rows,
    audit_text,
    count,
    first_error,
    log_in,
    user_by_email,
)
from tests.conftest import TEST_PASSWORD, ApiClient, make_user

USERS = """
query Users($filter: UserFilter, $orderBy: UserOrder, $first: Int, $after: String) {
  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { email name role isActive } }
  }
}
"""

CREATE_USER = """
mutation Create($input: CreateUserInput!) {
  createUser(input: $input) {
    user { id email name role emailVerified }
    errors { field code message }
  }
}
"""

UPDATE_USER = """
mutation Update($input: UpdateUserInput!) {
  updateUser(input: $input) {
    user { email name role isActive }
    errors { field code message }
  }
}
"""

NODE_USER = "query($id: ID!) { node(id: $id) { ... on User { email } } }"

PASSWORD = "lantern meadow 31 kites"


def gid(user: User) -> str:
    return relay.to_base64("User", str(user.id))


def emails(data: dict[str, Any]) -> list[str]:
    return [edge["node"]["email"] for edge in data["users"]["edges"]]


async def test_admin_lists_every_account_by_name(admin: ApiClient, db: Database) -> None:
    await make_user(db, role="agent", name="Bea", email="bea@example.com")
    await make_user(db, role="customer", name="cora", email="cora@example.com")

    data = await admin.data(USERS)

    assert admin.user is not None
    assert emails(data) == [admin.user.email, "bea@example.com", "cora@example.com"]
    assert data["users"]["totalCount"] == 3


async def test_agents_and_reviewers_see_the_staff_directory_only(
    agent: ApiClient, reviewer: ApiClient, db: Database
) -> None:
    await make_user(db, role="customer", email="cora@example.com")

    for client in (agent, reviewer):
        data = await client.data(USERS)
        assert {e["node"]["role"] for e in data["users"]["edges"]} == {"AGENT", "REVIEWER"}
        assert "cora@example.com" not in emails(data)


async def test_customer_cannot_list_users(customer: ApiClient) -> None:
    body = await customer.post(USERS)

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None


async def test_anonymous_cannot_list_users(anonymous: ApiClient) -> None:
    body = await anonymous.post(USERS)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_users_filter_by_role_search_and_active_flag(admin: ApiClient, db: Database) -> None:
    await make_user(db, role="agent", name="Bea Brook", email="bea@example.com")
    await make_user(db, role="agent", name="Ben 100%", email="ben@other.org")
    gone = await make_user(db, role="reviewer", name="Gus", email="gus@example.com")
    await admin.data(UPDATE_USER, {"input": {"id": gid(gone), "isActive": False}})

    agents = await admin.data(USERS, {"filter": {"role": "AGENT"}})
    search = await admin.data(USERS, {"filter": {"search": "BROOK"}})
    by_mail = await admin.data(USERS, {"filter": {"search": "other.org"}})
    literal = await admin.data(USERS, {"filter": {"search": "100%"}})
    inactive = await admin.data(USERS, {"filter": {"isActive": False}})

    assert emails(agents) == ["bea@example.com", "ben@other.org"]
    assert emails(search) == ["bea@example.com"]
    assert emails(by_mail) == ["ben@other.org"]
    assert emails(literal) == ["ben@other.org"]
    assert emails(inactive) == ["gus@example.com"]


async def test_users_page_forward_with_cursors_in_any_order(admin: ApiClient, db: Database) -> None:
    for i in range(5):
        await make_user(db, role="agent", name=f"Agent {i}", email=f"a{i}@example.com")
    order = {"field": "EMAIL", "direction": "DESC"}

    seen: list[str] = []
    after = None
    while True:
        data = await admin.data(USERS, {"orderBy": order, "first": 2, "after": after})
        seen += emails(data)
        if not data["users"]["pageInfo"]["hasNextPage"]:
            break
        after = data["users"]["pageInfo"]["endCursor"]

    assert admin.user is not None
    assert seen == sorted(
        [f"a{i}@example.com" for i in range(5)] + [admin.user.email], reverse=True
    )


async def test_listing_users_costs_the_same_statements_for_any_page_size(
    admin: ApiClient, db: Database, count_statements: Any
) -> None:
    for i in range(12):
        await make_user(db, role="agent", email=f"s{i}@example.com")

    with count_statements() as small:
        await admin.data(USERS, {"first": 2})
    with count_statements() as large:
        await admin.data(USERS, {"first": 12})

    assert small.count == large.count


async def test_admin_creates_a_user_who_can_log_in_at_once(
    admin: ApiClient, anonymous: ApiClient, db: Database
) -> None:
    data = await admin.data(
        CREATE_USER,
        {
            "input": {
                "email": "Bot@Example.com",
                "name": "Import Bot",
                "role": "AGENT",
                "password": PASSWORD,
            }
        },
    )

    assert data["createUser"]["errors"] == []
    assert data["createUser"]["user"]["emailVerified"] is True
    await log_in(anonymous, "bot@example.com", PASSWORD)
    [row] = await audit_rows(db, "createUser")
    assert row.changes["password_hash"] == {"before": "**********", "after": "**********"}
    assert PASSWORD not in await audit_text(db)


async def test_created_customer_account_gets_a_customer_record(
    admin: ApiClient, db: Database
) -> None:
    await admin.data(
        CREATE_USER,
        {
            "input": {
                "email": "kim@example.com",
                "name": "Kim",
                "role": "CUSTOMER",
                "password": PASSWORD,
            }
        },
    )

    user = await user_by_email(db, "kim@example.com")
    assert user is not None
    assert user.customer_id is not None
    assert await count(db, Customer, Customer.id == user.customer_id) == 1


async def test_create_user_reports_bad_input_and_writes_nothing(
    admin: ApiClient, db: Database
) -> None:
    await make_user(db, role="agent", email="taken@example.com")
    users_before = await count(db, User)

    bad = await admin.data(
        CREATE_USER,
        {
            "input": {
                "email": "bad address",
                "name": "n" * 201,
                "role": "AGENT",
                "password": "short",
            }
        },
    )
    taken = await admin.data(
        CREATE_USER,
        {
            "input": {
                "email": "taken@example.com",
                "name": "Dup",
                "role": "AGENT",
                "password": PASSWORD,
            }
        },
    )

    assert {(e["field"], e["code"]) for e in bad["createUser"]["errors"]} == {
        ("email", "INVALID_EMAIL"),
        ("name", "TOO_LONG"),
        ("password", "WEAK_PASSWORD"),
    }
    assert first_error(taken["createUser"]) == ("email", "UNIQUE")
    assert await count(db, User) == users_before
    assert await count(db, AuditEntry) == 0


async def test_agent_cannot_create_users(agent: ApiClient) -> None:
    body = await agent.post(
        CREATE_USER,
        {
            "input": {
                "email": "x@example.com",
                "name": "X",
                "role": "ADMIN",
                "password": PASSWORD,
            }
        },
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_admin_renames_and_promotes_a_user_with_one_audit_row(
    admin: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent", name="Bea", email="bea@example.com")

    data = await admin.data(
        UPDATE_USER, {"input": {"id": gid(user), "name": " Bea  Brook ", "role": "REVIEWER"}}
    )

    assert data["updateUser"] == {
        "user": {
            "email": "bea@example.com",
            "name": "Bea Brook",
            "role": "REVIEWER",
            "isActive": True,
        },
        "errors": [],
    }
    [row] = await audit_rows(db, "updateUser")
    assert (row.object_type, row.object_id) == ("User", str(user.id))
    assert row.changes == {
        "name": {"before": "Bea", "after": "Bea Brook"},
        "role": {"before": "agent", "after": "reviewer"},
    }


async def test_deactivating_a_user_ends_their_sessions_at_once(
    admin: ApiClient, anonymous: ApiClient, db: Database
) -> None:
    user = await make_user(db, role="agent")
    session = await log_in(anonymous, user.email, TEST_PASSWORD)

    data = await admin.data(UPDATE_USER, {"input": {"id": gid(user), "isActive": False}})

    assert data["updateUser"]["user"]["isActive"] is False
    body = await ApiClient(http=anonymous.http, token=session["accessToken"]).post(
        UPDATE_PROFILE, {"input": {"name": "Still here?"}}
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await count(db, AuthSession, AuthSession.revoked_reason == "deactivated") == 1
    [row] = await audit_rows(db, "updateUser")
    assert row.changes["is_active"] == {"before": True, "after": False}
    assert row.changes["active_sessions"] == {"before": 1, "after": 0}


async def test_admin_cannot_demote_or_deactivate_themselves(admin: ApiClient, db: Database) -> None:
    assert admin.user is not None
    me = gid(admin.user)

    demote = await admin.data(UPDATE_USER, {"input": {"id": me, "role": "AGENT"}})
    leave = await admin.data(UPDATE_USER, {"input": {"id": me, "isActive": False}})

    assert first_error(demote["updateUser"]) == ("role", "FORBIDDEN")
    assert first_error(leave["updateUser"]) == ("isActive", "FORBIDDEN")
    still = await user_by_email(db, admin.user.email)
    assert still is not None
    assert (still.role, still.is_active) == ("admin", True)
    assert await count(db, AuditEntry) == 0


async def test_staff_and_customer_accounts_cannot_swap_kinds(
    admin: ApiClient, db: Database
) -> None:
    buyer = await make_user(db, role="customer")

    data = await admin.data(UPDATE_USER, {"input": {"id": gid(buyer), "role": "ADMIN"}})

    assert first_error(data["updateUser"]) == ("role", "INVALID")
    still = await user_by_email(db, buyer.email)
    assert still is not None
    assert still.role == "customer"


async def test_update_user_with_unknown_or_garbage_id_is_a_typed_error(
    admin: ApiClient,
) -> None:
    missing = relay.to_base64("User", "00000000-0000-0000-0000-000000000000")

    unknown = await admin.data(UPDATE_USER, {"input": {"id": missing, "name": "X"}})
    garbage = await admin.data(UPDATE_USER, {"input": {"id": "garbage", "name": "X"}})
    wrong_type = await admin.data(
        UPDATE_USER, {"input": {"id": relay.to_base64("Customer", missing), "name": "X"}}
    )

    assert first_error(unknown["updateUser"]) == ("id", "NOT_FOUND")
    assert first_error(garbage["updateUser"]) == ("id", "INVALID_ID")
    assert first_error(wrong_type["updateUser"]) == ("id", "INVALID_ID")


async def test_reviewer_cannot_update_users(reviewer: ApiClient, db: Database) -> None:
    user = await make_user(db, role="agent")

    body = await reviewer.post(UPDATE_USER, {"input": {"id": gid(user), "name": "X"}})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_any_signed_in_user_renames_themselves(customer: ApiClient, db: Database) -> None:
    data = await customer.data(UPDATE_PROFILE, {"input": {"name": "Casey C."}})

    assert data["updateProfile"] == {"user": {"name": "Casey C."}, "errors": []}
    assert customer.user is not None
    [row] = await audit_rows(db, "updateProfile")
    assert row.actor_user_id == customer.user.id
    assert row.changes == {"name": {"before": "Casey Customer", "after": "Casey C."}}


async def test_over_long_profile_name_is_refused_and_nothing_changes(
    customer: ApiClient, db: Database
) -> None:
    data = await customer.data(UPDATE_PROFILE, {"input": {"name": "z" * 201}})

    assert first_error(data["updateProfile"]) == ("name", "TOO_LONG")
    assert customer.user is not None
    still = await user_by_email(db, customer.user.email)
    assert still is not None
    assert still.name == "Casey Customer"
    assert await count(db, AuditEntry) == 0


async def test_customer_sees_themselves_by_node_id_and_staff_only_as_a_public_profile(
    customer: ApiClient, db: Database
) -> None:
    agent = await make_user(db, role="agent")
    stranger = await make_user(db, role="customer")
    assert customer.user is not None

    mine = await customer.data(NODE_USER, {"id": gid(customer.user)})
    staff = await customer.data(NODE_USER, {"id": gid(agent)})
    theirs = await customer.data(NODE_USER, {"id": gid(stranger)})

    assert mine["node"] == {"email": customer.user.email}
    assert staff["node"] == {"email": None}
    assert theirs["node"] is None
