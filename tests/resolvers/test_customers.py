"""Customer CRUD through the API: create, read, partial update, soft delete and restore,
the audit rows they leave, and bad input that writes nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import insert, text

from db.engine import Database
from db.models import Customer, CustomerEmail
from resolvers.customers.seeding import insert_customers
from schema.ids import encode_id
from tests.conftest import ApiClient
from tests.resolvers.customer_data import (
    audit_entries,
    customer_count,
    gid,
    seed_customer,
    stored,
)

CUSTOMER_FIELDS = """
    id name emails phones company tags customFields notes createdAt updatedAt deletedAt
"""

CREATE_CUSTOMER = f"""
mutation Create($input: CreateCustomerInput!) {{
  createCustomer(input: $input) {{
    customer {{ {CUSTOMER_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

UPDATE_CUSTOMER = f"""
mutation Update($input: UpdateCustomerInput!) {{
  updateCustomer(input: $input) {{
    customer {{ {CUSTOMER_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

DELETE_CUSTOMER = """
mutation Delete($id: ID!) {
  deleteCustomer(input: {id: $id}) {
    customer { id deletedAt }
    errors { field code message }
  }
}
"""

RESTORE_CUSTOMER = """
mutation Restore($id: ID!) {
  restoreCustomer(input: {id: $id}) {
    customer { id deletedAt }
    errors { field code message }
  }
}
"""

CUSTOMER_QUERY = f"""
query One($id: ID!, $includeDeleted: Boolean! = false) {{
  customer(id: $id, includeDeleted: $includeDeleted) {{ {CUSTOMER_FIELDS} }}
}}
"""

LIST_IDS = """
query List($filter: CustomerFilter) {
  customers(filter: $filter) { totalCount edges { node { id } } }
}
"""


async def create(client: ApiClient, **fields: Any) -> dict[str, Any]:
    data = await client.data(CREATE_CUSTOMER, {"input": {"name": "Ada Lovelace", **fields}})
    payload: dict[str, Any] = data["createCustomer"]
    return payload


async def update(client: ApiClient, customer_id: str, **fields: Any) -> dict[str, Any]:
    data = await client.data(UPDATE_CUSTOMER, {"input": {"id": customer_id, **fields}})
    payload: dict[str, Any] = data["updateCustomer"]
    return payload


# --- create -----------------------------------------------------------------------------


async def test_agent_creates_customer_with_normalised_contacts(agent: ApiClient) -> None:
    payload = await create(
        agent,
        name="  Ada Lovelace  ",
        emails=["Ada@Example.COM", "ada@example.com", "countess@analytical.org"],
        phones=["(415) 555-2671", "+44 20 7946 0958"],
        company="Analytical Engines",
        tags=["VIP", "vip", " Beta "],
        customFields={"plan": "pro", "seats": 12},
        notes="Prefers e-mail.",
    )

    assert payload["errors"] == []
    customer = payload["customer"]
    assert customer["name"] == "Ada Lovelace"
    assert customer["emails"] == ["ada@example.com", "countess@analytical.org"]
    assert customer["phones"] == ["+14155552671", "+442079460958"]
    assert customer["company"] == "Analytical Engines"
    assert customer["tags"] == ["vip", "beta"]
    assert customer["customFields"] == {"plan": "pro", "seats": 12}
    assert customer["notes"] == "Prefers e-mail."
    assert customer["deletedAt"] is None


async def test_created_customer_can_be_read_back_by_id(agent: ApiClient) -> None:
    created = (await create(agent, emails=["ada@example.com"]))["customer"]

    data = await agent.data(CUSTOMER_QUERY, {"id": created["id"]})

    assert data["customer"] == created


async def test_create_writes_an_audit_row_with_the_new_values(
    admin: ApiClient, db: Database
) -> None:
    created = (await create(admin, emails=["ada@example.com"], notes="vip"))["customer"]

    entries = await audit_entries(db, "createCustomer")
    [entry] = [e for e in entries if e.object_type == "Customer"]
    [note] = [e for e in entries if e.object_type == "CustomerNote"]  # notes are entries now
    assert note.changes["body_text"] == {"before": None, "after": "vip"}
    assert encode_id("Customer", entry.object_id) == created["id"]  # type: ignore[arg-type]
    assert entry.changes["name"] == {"before": None, "after": "Ada Lovelace"}
    assert entry.changes["emails"] == {"before": None, "after": ["ada@example.com"]}
    assert admin.user is not None
    assert entry.actor_user_id == admin.user.id


# --- update -----------------------------------------------------------------------------


async def test_update_changes_only_the_given_fields(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(
        db,
        "Ada Lovelace",
        emails=["ada@example.com"],
        phones=["+14155552671"],
        company="Engines",
        tags=["vip"],
        notes="keep me",
    )

    payload = await update(agent, gid(row), company="Analytical Engines")

    assert payload["errors"] == []
    after = await stored(db, row)
    assert after["company"] == "Analytical Engines"
    assert after["name"] == "Ada Lovelace"
    assert after["emails"] == ["ada@example.com"]
    assert after["phones"] == ["+14155552671"]
    assert after["tags"] == ["vip"]
    assert after["notes"] == "keep me"
    assert after["updated_at"] > row.updated_at


async def test_update_replaces_email_and_phone_lists(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(
        db, "Ada", emails=["a@example.com", "b@example.com"], phones=["+14155552671"]
    )

    payload = await update(agent, gid(row), emails=["B@example.com", "c@example.com"], phones=[])

    assert payload["errors"] == []
    assert payload["customer"]["emails"] == ["b@example.com", "c@example.com"]
    assert payload["customer"]["phones"] == []
    after = await stored(db, row)
    assert after["emails"] == ["b@example.com", "c@example.com"]
    assert after["phones"] == []


async def test_null_clears_optional_fields(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(db, "Ada", company="Engines", tags=["vip"], notes="n")

    payload = await update(agent, gid(row), company=None, tags=None, notes=None)

    assert payload["errors"] == []
    after = await stored(db, row)
    assert (after["company"], after["tags"], after["notes"]) == (None, [], "")


async def test_update_audit_row_shows_before_and_after(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(db, "Ada", emails=["a@example.com"])

    await update(agent, gid(row), name="Ada King", emails=["king@example.com"])

    [entry] = await audit_entries(db, "updateCustomer")
    assert entry.object_id == str(row.id)
    assert entry.changes == {
        "name": {"before": "Ada", "after": "Ada King"},
        "emails": {"before": ["a@example.com"], "after": ["king@example.com"]},
    }


async def test_same_request_reads_the_updated_contacts(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(db, "Ada", emails=["a@example.com"])
    two_updates = """
    mutation($id: ID!) {
      first: updateCustomer(input: {id: $id, emails: ["b@example.com"]}) {
        customer { emails } errors { code }
      }
      second: updateCustomer(input: {id: $id, emails: ["c@example.com"]}) {
        customer { emails } errors { code }
      }
    }
    """

    data = await agent.data(two_updates, {"id": gid(row)})

    assert data["first"]["customer"]["emails"] == ["b@example.com"]
    assert data["second"]["customer"]["emails"] == ["c@example.com"]


# --- soft delete and restore ------------------------------------------------------------


async def test_deleted_customer_disappears_from_lists_and_lookups(
    agent: ApiClient, db: Database
) -> None:
    row = await seed_customer(db, "Ada")
    await seed_customer(db, "Grace")

    payload = (await agent.data(DELETE_CUSTOMER, {"id": gid(row)}))["deleteCustomer"]

    assert payload["errors"] == []
    assert payload["customer"]["deletedAt"] is not None
    assert (await agent.data(CUSTOMER_QUERY, {"id": gid(row)}))["customer"] is None
    listed = (await agent.data(LIST_IDS))["customers"]
    assert listed["totalCount"] == 1
    assert gid(row) not in [e["node"]["id"] for e in listed["edges"]]
    assert (await stored(db, row))["deleted_at"] is not None


async def test_admin_sees_deleted_customers_when_asking_for_them(
    admin: ApiClient, db: Database
) -> None:
    row = await seed_customer(db, "Ada", deleted=True)
    await seed_customer(db, "Grace")

    one = await admin.data(CUSTOMER_QUERY, {"id": gid(row), "includeDeleted": True})
    listed = await admin.data(LIST_IDS, {"filter": {"includeDeleted": True}})
    default = await admin.data(LIST_IDS)

    assert one["customer"]["deletedAt"] is not None
    assert listed["customers"]["totalCount"] == 2
    assert default["customers"]["totalCount"] == 1


async def test_admin_restores_a_deleted_customer(admin: ApiClient, db: Database) -> None:
    row = await seed_customer(db, "Ada")
    await admin.data(DELETE_CUSTOMER, {"id": gid(row)})

    payload = (await admin.data(RESTORE_CUSTOMER, {"id": gid(row)}))["restoreCustomer"]

    assert payload["errors"] == []
    assert payload["customer"]["deletedAt"] is None
    assert (await admin.data(CUSTOMER_QUERY, {"id": gid(row)}))["customer"]["name"] == "Ada"
    [deleted] = await audit_entries(db, "deleteCustomer")
    [restored] = await audit_entries(db, "restoreCustomer")
    assert deleted.changes["deletedAt"]["before"] is None
    assert restored.changes["deletedAt"]["after"] is None


async def test_deleting_a_deleted_customer_is_not_found_for_agents(
    agent: ApiClient, db: Database
) -> None:
    row = await seed_customer(db, "Ada", deleted=True)

    payload = (await agent.data(DELETE_CUSTOMER, {"id": gid(row)}))["deleteCustomer"]

    assert payload["customer"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_FOUND")]
    assert await audit_entries(db) == []


async def test_admin_cannot_delete_twice_or_restore_a_live_customer(
    admin: ApiClient, db: Database
) -> None:
    deleted = await seed_customer(db, "Ada", deleted=True)
    live = await seed_customer(db, "Grace")

    again = (await admin.data(DELETE_CUSTOMER, {"id": gid(deleted)}))["deleteCustomer"]
    restore = (await admin.data(RESTORE_CUSTOMER, {"id": gid(live)}))["restoreCustomer"]

    assert [(e["field"], e["code"]) for e in again["errors"]] == [("id", "INVALID_STATE")]
    assert [(e["field"], e["code"]) for e in restore["errors"]] == [("id", "INVALID_STATE")]
    assert await audit_entries(db) == []


async def test_updating_a_deleted_customer_is_not_found(agent: ApiClient, db: Database) -> None:
    row = await seed_customer(db, "Ada", deleted=True)

    payload = await update(agent, gid(row), name="Ada King")

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "NOT_FOUND")]
    assert (await stored(db, row))["name"] == "Ada"


# --- bad input writes nothing -----------------------------------------------------------

LONG = "x" * 201
NESTED: dict[str, Any] = {}
for _ in range(20):
    NESTED = {"a": NESTED}
BAD_CREATE_INPUTS = [
    pytest.param({"name": "   "}, "name", "REQUIRED", id="blank-name"),
    pytest.param({"name": LONG}, "name", "TOO_LONG", id="long-name"),
    pytest.param(
        {"emails": ["ok@example.com", "not-an-email"]}, "emails.1", "INVALID_EMAIL", id="bad-email"
    ),
    pytest.param({"emails": ["a@@example.com"]}, "emails.0", "INVALID_EMAIL", id="double-at"),
    pytest.param(
        {"emails": [f"u{i}@example.com" for i in range(11)]},
        "emails",
        "TOO_LONG",
        id="eleven-emails",
    ),
    pytest.param({"phones": ["12"]}, "phones.0", "INVALID_PHONE", id="short-phone"),
    pytest.param(
        {"phones": ["+1 415 555 2671", "call me"]}, "phones.1", "INVALID_PHONE", id="words-phone"
    ),
    pytest.param({"phones": ["+999 1234567"]}, "phones.0", "INVALID_PHONE", id="no-country"),
    pytest.param(
        {"phones": [f"+1415555{i:04d}" for i in range(11)]},
        "phones",
        "TOO_LONG",
        id="eleven-phones",
    ),
    pytest.param({"company": LONG}, "company", "TOO_LONG", id="long-company"),
    pytest.param({"notes": "n" * 10_001}, "notes", "TOO_LONG", id="long-notes"),
    pytest.param({"tags": ["ok", "t" * 51]}, "tags.1", "TOO_LONG", id="long-tag"),
    pytest.param({"tags": ["ok", "  "]}, "tags.1", "TOO_SHORT", id="blank-tag"),
    pytest.param({"tags": [f"t{i}" for i in range(51)]}, "tags", "TOO_LONG", id="51-tags"),
    pytest.param({"customFields": [1, 2]}, "customFields", "INVALID", id="fields-not-object"),
    pytest.param({"customFields": {"k" * 65: 1}}, "customFields", "TOO_LONG", id="long-key"),
    pytest.param(
        {"customFields": {"blob": "x" * 16_400}}, "customFields", "TOO_LONG", id="fields-over-16kb"
    ),
    pytest.param({"customFields": NESTED}, "customFields", "INVALID", id="fields-too-deep"),
]

# Control characters are refused before any resolver runs (schema/text.py): a GraphQL
# error with code BAD_USER_INPUT that names the input field.
NUL_INPUTS = [
    pytest.param({"name": "Ada\x00"}, ".name", id="nul-in-name"),
    pytest.param({"tags": ["a\x00b"]}, ".tags[0]", id="nul-in-tag"),
    pytest.param({"customFields": {"k": ["\x00"]}}, ".customFields", id="nul-in-fields"),
]


@pytest.mark.parametrize(("fields", "path"), NUL_INPUTS)
async def test_nul_character_is_bad_user_input_and_nothing_is_written(
    agent: ApiClient, db: Database, fields: dict[str, Any], path: str
) -> None:
    body = await agent.post(CREATE_CUSTOMER, {"input": {"name": "Ada", **fields}})

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"at {path}:" in error["message"]
    assert await customer_count(db) == 0
    assert await audit_entries(db) == []


@pytest.mark.parametrize(("fields", "field", "code"), BAD_CREATE_INPUTS)
async def test_bad_create_input_is_reported_and_nothing_is_written(
    agent: ApiClient, db: Database, fields: dict[str, Any], field: str, code: str
) -> None:
    before = await customer_count(db)

    payload = await create(agent, **fields)

    assert payload["customer"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert await customer_count(db) == before
    assert await audit_entries(db) == []


async def test_all_problems_are_reported_at_once(agent: ApiClient, db: Database) -> None:
    payload = await create(agent, name="", emails=["bad"], phones=["bad"])

    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("name", "REQUIRED"),
        ("emails.0", "INVALID_EMAIL"),
        ("phones.0", "INVALID_PHONE"),
    }
    assert await customer_count(db) == 0


async def test_email_of_another_customer_is_refused_naming_it(
    agent: ApiClient, db: Database
) -> None:
    await seed_customer(db, "Grace", emails=["grace@example.com"])

    payload = await create(agent, emails=["ada@example.com", "Grace@Example.com"])

    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("emails.1", "UNIQUE")
    assert "grace@example.com" in error["message"]
    assert await customer_count(db) == 1


async def test_update_to_another_customers_email_changes_nothing(
    agent: ApiClient, db: Database
) -> None:
    await seed_customer(db, "Grace", emails=["grace@example.com"])
    row = await seed_customer(db, "Ada", emails=["ada@example.com"])

    payload = await update(agent, gid(row), name="Ada King", emails=["grace@example.com"])

    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("emails.0", "UNIQUE")]
    after = await stored(db, row)
    assert (after["name"], after["emails"]) == ("Ada", ["ada@example.com"])
    assert await audit_entries(db) == []


async def test_customer_may_keep_and_reorder_their_own_emails(
    agent: ApiClient, db: Database
) -> None:
    row = await seed_customer(db, "Ada", emails=["a@example.com", "b@example.com"])

    payload = await update(agent, gid(row), emails=["b@example.com", "a@example.com"])

    assert payload["errors"] == []
    assert (await stored(db, row))["emails"] == ["b@example.com", "a@example.com"]


@pytest.mark.parametrize(
    ("customer_id", "code"),
    [
        pytest.param("garbage", "INVALID_ID", id="garbage"),
        pytest.param(encode_id("User", uuid.uuid4()), "INVALID_ID", id="user-id"),
        pytest.param(encode_id("Customer", uuid.uuid4()), "NOT_FOUND", id="unknown"),
    ],
)
async def test_bad_ids_are_reported_on_the_id_field(
    agent: ApiClient, db: Database, customer_id: str, code: str
) -> None:
    row = await seed_customer(db, "Ada")

    updated = await update(agent, customer_id, name="Changed")
    deleted = (await agent.data(DELETE_CUSTOMER, {"id": customer_id}))["deleteCustomer"]

    assert [(e["field"], e["code"]) for e in updated["errors"]] == [("id", code)]
    assert [(e["field"], e["code"]) for e in deleted["errors"]] == [("id", code)]
    assert (await stored(db, row))["name"] == "Ada"
    assert await audit_entries(db) == []


async def test_garbage_id_in_customer_query_is_bad_user_input(agent: ApiClient) -> None:
    body = await agent.post(CUSTOMER_QUERY, {"id": "garbage"})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_email_claimed_by_a_concurrent_writer_is_a_unique_error(
    agent: ApiClient, db: Database
) -> None:
    # given: another transaction has inserted the address but not committed yet, so the
    # up-front check cannot see it and the mutation's insert waits on the unique index
    async with db.engine.connect() as other:
        transaction = await other.begin()
        grace_id = uuid.uuid4()
        await other.execute(insert(Customer).values(id=grace_id, name="Grace"))
        await other.execute(
            insert(CustomerEmail).values(
                id=uuid.uuid4(), customer_id=grace_id, email="race@example.com", position=0
            )
        )
        mutation = asyncio.create_task(create(agent, emails=["race@example.com"]))
        await _until_someone_waits_for_a_lock(db, mutation)

        # when: the other writer commits first
        await transaction.commit()
        payload = await mutation

    # then
    assert payload["customer"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("emails.0", "UNIQUE")]
    assert await customer_count(db) == 1
    assert await audit_entries(db) == []


async def _until_someone_waits_for_a_lock(db: Database, task: asyncio.Task[Any]) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(2000):
        assert not task.done(), await task
        async with db.engine.connect() as conn:
            if (await conn.execute(waiting)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the mutation never reached the unique index")


async def test_bulk_seeding_is_searchable_and_adds_nothing_the_second_time(
    agent: ApiClient, db: Database
) -> None:
    records = [
        {
            "name": "Grace Hopper",
            "emails": ["Grace@Navy.mil"],
            "phones": ["+1 202 555 0101"],
            "tags": ["VIP"],
        },
        {"name": "Alan Turing", "emails": ["alan@bletchley.uk"], "company": "GCHQ"},
    ]

    first = await insert_customers(db, records)
    second = await insert_customers(db, records)

    assert (first, second) == (2, 0)
    assert await customer_count(db) == 2
    found = await agent.data(LIST_IDS, {"filter": {"search": "grace@navy"}})
    assert found["customers"]["totalCount"] == 1
