"""API keys: created by admins and shown once, used by integrations, revoked at once."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from strawberry import relay

from db.engine import Database
from db.models import ApiKey, AuditEntry
from tests.auth.support import UPDATE_PROFILE, audit_rows, audit_text, count, first_error
from tests.conftest import ApiClient, make_user

CREATE_KEY = """
mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    key
    apiKey { id name prefix role createdAt lastUsedAt revokedAt createdBy { email } }
    errors { field code message }
  }
}
"""

REVOKE_KEY = """
mutation Revoke($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) {
    apiKey { name revokedAt }
    errors { field code message }
  }
}
"""

API_KEYS = """
query Keys($filter: ApiKeyFilter) {
  apiKeys(filter: $filter) {
    totalCount
    edges { node { name prefix lastUsedAt revokedAt createdBy { email } } }
  }
}
"""

WHO_AM_I = "query { viewer { email } viewerApiKey { name role } }"
USERS = "query { users { totalCount } }"
CREATE_USER = """
mutation Create($input: CreateUserInput!) {
  createUser(input: $input) { user { email } errors { field code } }
}
"""


async def create_key(admin: ApiClient, name: str = "Zapier", role: str = "AGENT") -> dict[str, Any]:
    data = await admin.data(CREATE_KEY, {"input": {"name": name, "role": role}})
    payload: dict[str, Any] = data["createApiKey"]
    assert payload["errors"] == []
    return payload


def with_key(client: ApiClient, key: str) -> ApiClient:
    return ApiClient(http=client.http, headers={"X-Api-Key": key})


async def test_admin_creates_a_key_that_is_shown_once_and_authenticates_requests(
    admin: ApiClient, anonymous: ApiClient
) -> None:
    payload = await create_key(admin)

    key = payload["key"]
    assert key.startswith("acrm_")
    assert len(key) > 40
    assert payload["apiKey"]["prefix"] == key[: len(payload["apiKey"]["prefix"])]
    assert payload["apiKey"]["role"] == "AGENT"
    assert payload["apiKey"]["createdBy"] == {"email": admin.user.email if admin.user else None}
    as_header = await with_key(anonymous, key).data(WHO_AM_I)
    as_bearer = await ApiClient(http=anonymous.http, token=key).data(WHO_AM_I)
    assert (
        as_header
        == as_bearer
        == {"viewer": None, "viewerApiKey": {"name": "Zapier", "role": "AGENT"}}
    )
    assert (await with_key(anonymous, key).data(USERS))["users"]["totalCount"] == 1


async def test_key_is_stored_and_audited_only_as_a_hash(admin: ApiClient, db: Database) -> None:
    payload = await create_key(admin)

    async with db.sessions() as session:
        row = (await session.execute(select(ApiKey))).scalar_one()
    assert payload["key"] not in (row.key_hash, row.prefix, row.name)
    [audit] = await audit_rows(db, "createApiKey")
    assert audit.object_type == "ApiKey"
    assert audit.changes["key_hash"] == {"before": "**********", "after": "**********"}
    assert audit.changes["role"] == {"before": None, "after": "agent"}
    text = await audit_text(db)
    assert payload["key"] not in text
    assert row.key_hash not in text


async def test_using_a_key_records_when_it_was_last_used(
    admin: ApiClient, anonymous: ApiClient
) -> None:
    payload = await create_key(admin)
    assert payload["apiKey"]["lastUsedAt"] is None

    await with_key(anonymous, payload["key"]).data(WHO_AM_I)

    listed = await admin.data(API_KEYS)
    assert listed["apiKeys"]["edges"][0]["node"]["lastUsedAt"] is not None


async def test_revoked_key_is_unauthenticated_from_the_next_request(
    admin: ApiClient, anonymous: ApiClient, db: Database
) -> None:
    payload = await create_key(admin)
    client = with_key(anonymous, payload["key"])
    await client.data(USERS)

    revoked = await admin.data(REVOKE_KEY, {"input": {"id": payload["apiKey"]["id"]}})

    assert revoked["revokeApiKey"]["errors"] == []
    assert revoked["revokeApiKey"]["apiKey"]["revokedAt"] is not None
    body = await client.post(USERS)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "revoked" in body["errors"][0]["message"]
    [audit] = await audit_rows(db, "revokeApiKey")
    assert set(audit.changes) == {"revoked_at"}


async def test_key_list_hides_revoked_keys_unless_asked(admin: ApiClient) -> None:
    keep = await create_key(admin, "Keep")
    drop = await create_key(admin, "Drop")
    await admin.data(REVOKE_KEY, {"input": {"id": drop["apiKey"]["id"]}})

    live = await admin.data(API_KEYS)
    every = await admin.data(API_KEYS, {"filter": {"includeRevoked": True}})

    assert [e["node"]["name"] for e in live["apiKeys"]["edges"]] == [keep["apiKey"]["name"]]
    assert [e["node"]["name"] for e in every["apiKeys"]["edges"]] == ["Drop", "Keep"]
    assert every["apiKeys"]["totalCount"] == 2


async def test_customer_role_keys_are_refused_and_nothing_is_written(
    admin: ApiClient, db: Database
) -> None:
    data = await admin.data(CREATE_KEY, {"input": {"name": "Shop", "role": "CUSTOMER"}})

    assert first_error(data["createApiKey"]) == ("role", "INVALID")
    assert data["createApiKey"]["key"] is None
    assert await count(db, ApiKey) == 0
    assert await count(db, AuditEntry) == 0


async def test_key_name_is_required_and_bounded(admin: ApiClient, db: Database) -> None:
    blank = await admin.data(CREATE_KEY, {"input": {"name": "  ", "role": "AGENT"}})
    long = await admin.data(CREATE_KEY, {"input": {"name": "k" * 101, "role": "AGENT"}})

    assert first_error(blank["createApiKey"]) == ("name", "REQUIRED")
    assert first_error(long["createApiKey"]) == ("name", "TOO_LONG")
    assert await count(db, ApiKey) == 0


async def test_only_admins_manage_keys(
    agent: ApiClient, customer: ApiClient, anonymous: ApiClient, admin: ApiClient
) -> None:
    key_id = (await create_key(admin))["apiKey"]["id"]

    for client in (agent, customer):
        for query, variables in (
            (CREATE_KEY, {"input": {"name": "Mine", "role": "AGENT"}}),
            (REVOKE_KEY, {"input": {"id": key_id}}),
            (API_KEYS, None),
        ):
            body = await client.post(query, variables)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
    body = await anonymous.post(API_KEYS)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoking_an_unknown_key_is_not_found(admin: ApiClient) -> None:
    missing = relay.to_base64("ApiKey", "00000000-0000-0000-0000-000000000000")

    data = await admin.data(REVOKE_KEY, {"input": {"id": missing}})

    assert first_error(data["revokeApiKey"]) == ("id", "NOT_FOUND")


async def test_changes_made_with_a_key_are_audited_to_the_key(
    admin: ApiClient, anonymous: ApiClient, db: Database
) -> None:
    payload = await create_key(admin, "Provisioner", "ADMIN")
    client = with_key(anonymous, payload["key"])

    data = await client.data(
        CREATE_USER,
        {
            "input": {
                "email": "new@example.com",
                "name": "New",
                "role": "AGENT",
                "password": "granite willow 5 moss",
            }
        },
    )

    assert data["createUser"]["errors"] == []
    [row] = await audit_rows(db, "createUser")
    assert row.actor_user_id is None
    assert row.actor_label == "api-key:Provisioner"
    assert str(row.actor_api_key_id) == relay.GlobalID.from_id(payload["apiKey"]["id"]).node_id


async def test_a_key_has_no_profile_to_update(admin: ApiClient, anonymous: ApiClient) -> None:
    client = with_key(anonymous, (await create_key(admin))["key"])

    body = await client.post(UPDATE_PROFILE, {"input": {"name": "Robot"}})

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def add_keys(db: Database, n: int) -> None:
    """`n` keys, each created by a different admin."""
    for i in range(n):
        creator = await make_user(db, role="admin")
        async with db.transaction() as session:
            session.add(
                ApiKey(
                    name=f"k{i}",
                    prefix="acrm_x",
                    key_hash=uuid.uuid4().hex,
                    role="agent",
                    created_by_id=creator.id,
                )
            )


async def test_listing_keys_loads_their_creators_in_one_batch(
    admin: ApiClient, db: Database, count_statements: Any
) -> None:
    await add_keys(db, 2)
    with count_statements() as few:
        data = await admin.data(API_KEYS)
    assert len(data["apiKeys"]["edges"]) == 2
    await add_keys(db, 6)

    with count_statements() as many:
        data = await admin.data(API_KEYS)

    assert len({e["node"]["createdBy"]["email"] for e in data["apiKeys"]["edges"]}) == 8
    assert few.count == many.count
