"""API keys for integrations (admins only): `X-Api-Key: acrm_…` or `Authorization: Bearer`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from auth import policy
from db.models import ApiKey as ApiKeyRow
from db.pagination import PageRequest
from resolvers.api_keys import api_keys_page, create_api_key, revoke_api_key
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from schema.accounts import Role, User, visible_user
from schema.connections import connection_from_page
from schema.errors import ApiKeyError
from schema.ids import decode_id
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAdmin

__all__ = ["ApiKey", "ApiKeysMutation", "ApiKeysQuery"]


@strawberry.type(description="A key an integration uses to call the API with a role.")
class ApiKey(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="What uses the key, e.g. 'Zapier'. Plain text: escape before rendering as HTML."
    )
    prefix: str = strawberry.field(
        description="The key's first characters, to recognise it."
        " Plain text: escape before rendering as HTML."
    )
    role: Role = strawberry.field(description="What requests made with the key may do.")
    created_at: datetime = strawberry.field(description="When the key was created.")
    last_used_at: datetime | None = strawberry.field(
        description="Last request made with the key (to the minute)."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; requests with it are refused from then on."
    )
    created_by_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The admin who created the key (null if since removed).")
    async def created_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.created_by_id)

    @classmethod
    def from_row(cls, row: ApiKeyRow) -> ApiKey:
        return cls(
            id=str(row.id),
            name=row.name,
            prefix=row.prefix,
            role=Role(row.role),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            created_by_id=row.created_by_id,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        """Admins only; anyone else gets null, as for a missing key."""
        ids = list(node_ids)
        if not info.context.allows(policy.is_admin):
            return [None] * len(ids)
        keys: list[uuid.UUID | None] = []
        for node_id in ids:
            try:
                keys.append(uuid.UUID(node_id))
            except ValueError:
                keys.append(None)
        rows = await info.context.loaders.api_key_by_id.load_many([k for k in keys if k])
        found = iter(rows)
        result: list[ApiKey | None] = []
        for key in keys:
            row = next(found) if key is not None else None
            result.append(cls.from_row(row) if row is not None else None)
        return result


@strawberry.type(description="A page of API keys, newest first.")
class ApiKeyConnection(relay.Connection[ApiKey]):
    total_count: int = strawberry.field(description="Keys matching the filter, all pages.")


@strawberry.input(description="Narrow the API key list.")
class ApiKeyFilter:
    include_revoked: bool = strawberry.field(default=False, description="List revoked keys too.")


@strawberry.type
class ApiKeysQuery:
    @strawberry.field(
        description="API keys, newest first (admins only).", permission_classes=[IsAdmin]
    )
    async def api_keys(
        self,
        info: strawberry.Info[RequestContext],
        filter: ApiKeyFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ApiKeyConnection:
        page = await api_keys_page(
            info.context,
            PageRequest(first=first, after=after, last=last, before=before),
            include_revoked=bool(filter and filter.include_revoked),
        )
        return connection_from_page(ApiKeyConnection, page, ApiKey.from_row)

    @strawberry.field(
        description="The API key making this request, or null when the caller is not a key."
    )
    async def viewer_api_key(self, info: strawberry.Info[RequestContext]) -> ApiKey | None:
        principal = info.context.principal
        if principal is None or principal.api_key_id is None:
            return None
        row = await info.context.loaders.api_key_by_id.load(principal.api_key_id)
        return ApiKey.from_row(row) if row is not None else None


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="What will use it, 1 to 100 characters.")
    role: Role = strawberry.field(description="ADMIN, AGENT or REVIEWER.")


@strawberry.type(description="The result of createApiKey.")
class CreateApiKeyPayload(MutationPayload[ApiKeyError]):
    api_key: ApiKey | None = strawberry.field(default=None, description="The new key's record.")
    key: str | None = strawberry.field(
        default=None,
        description="The key itself (acrm_…). Shown this once: only a hash is stored."
        " Plain text: escape before rendering as HTML.",
    )


@strawberry.input(description="The key to revoke.")
class RevokeApiKeyInput:
    id: strawberry.ID = strawberry.field(description="The ApiKey ID.")


@strawberry.type(description="The result of revokeApiKey.")
class RevokeApiKeyPayload(MutationPayload[ApiKeyError]):
    api_key: ApiKey | None = strawberry.field(
        default=None, description="The key, with revokedAt set."
    )


@strawberry.type
class ApiKeysMutation:
    @mutation(
        description="Create an API key (admins only). The key is returned once; store it.",
        permission_classes=[IsAdmin],
    )
    async def create_api_key(tx: MutationTx, input: CreateApiKeyInput) -> CreateApiKeyPayload:
        row, raw = await create_api_key(tx, name=input.name, role=input.role.value_of())
        return CreateApiKeyPayload(api_key=ApiKey.from_row(row), key=raw)

    @mutation(
        description="Revoke an API key (admins only): requests with it fail from now on.",
        permission_classes=[IsAdmin],
    )
    async def revoke_api_key(tx: MutationTx, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
        row = await revoke_api_key(tx, decode_id(input.id, "ApiKey", "id"))
        return RevokeApiKeyPayload(api_key=ApiKey.from_row(row))
