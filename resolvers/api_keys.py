"""API keys for integrations: created and revoked by admins, shown in full only once."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select

from auth.authenticate import API_KEY_PREFIX
from auth.tokens import hash_token, new_opaque_token
from db.base import utcnow
from db.models import ApiKey
from db.models.accounts import Role
from db.pagination import Page, PageRequest, SortKey, fetch_page
from resolvers.audit import MutationTx, diff
from resolvers.context import RequestContext
from resolvers.error_codes import ApiKeyErrorCode
from resolvers.errors import FieldProblem, NotFound, ValidationFailed

__all__ = ["MAX_KEY_NAME", "api_keys_page", "create_api_key", "revoke_api_key"]

MAX_KEY_NAME = 100
# What lists show to tell keys apart: "acrm_" and a few random characters.
_SHOWN_PREFIX = len(API_KEY_PREFIX) + 6


def _snapshot(key: ApiKey) -> dict[str, object]:
    return {"name": key.name, "role": key.role, "prefix": key.prefix, "revoked_at": key.revoked_at}


async def create_api_key(tx: MutationTx, *, name: str, role: Role) -> tuple[ApiKey, str]:
    """The key itself is returned here and never again: only its SHA-256 is stored."""
    ctx = tx.ctx
    principal = ctx.require_admin()
    problems: list[tuple[str, str, ApiKeyErrorCode]] = []
    cleaned = " ".join(name.split())
    if not cleaned:
        problems.append(
            ("name", "Name the key after what uses it, e.g. 'Zapier'.", ApiKeyErrorCode.REQUIRED)
        )
    elif len(cleaned) > MAX_KEY_NAME:
        problems.append(
            ("name", f"Use at most {MAX_KEY_NAME} characters.", ApiKeyErrorCode.TOO_LONG)
        )
    if role is Role.CUSTOMER:
        problems.append(
            (
                "role",
                "A key acts for an integration, not for one customer: "
                "choose admin, agent or reviewer.",
                ApiKeyErrorCode.INVALID,
            )
        )
    if problems:
        raise ValidationFailed(*(FieldProblem(*p) for p in problems))
    raw = new_opaque_token(API_KEY_PREFIX)
    key = ApiKey(
        name=cleaned,
        prefix=raw[:_SHOWN_PREFIX],
        key_hash=hash_token(raw),
        role=role.value,
        created_by_id=principal.user_id,
    )
    tx.session.add(key)
    await tx.session.flush()
    tx.audit("ApiKey", key.id, diff({}, {**_snapshot(key), "key_hash": key.key_hash}))
    tx.after_commit(ctx.loaders.api_key_by_id.prime, key.id, key)
    return key, raw


async def revoke_api_key(tx: MutationTx, key_id: uuid.UUID) -> ApiKey:
    """Takes effect on the next request made with the key. Revoking twice is harmless."""
    ctx = tx.ctx
    ctx.require_admin()
    key = await tx.session.get(ApiKey, key_id, with_for_update=True)
    if key is None:
        raise NotFound("id", "API key")
    before = _snapshot(key)
    key.revoked_at = key.revoked_at or utcnow()
    tx.audit("ApiKey", key.id, diff(before, _snapshot(key)))
    tx.after_commit(ctx.loaders.api_key_by_id.prime, key.id, key, force=True)
    return key


async def api_keys_page(
    ctx: RequestContext, request: PageRequest, *, include_revoked: bool = False
) -> Page[ApiKey]:
    """Newest first."""
    ctx.require_admin()
    stmt: Select[tuple[ApiKey]] = select(ApiKey)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    async with ctx.db.sessions() as session:
        page = await fetch_page(
            session,
            stmt,
            SortKey(ApiKey.created_at, lambda row: row.created_at, descending=True),
            ApiKey.id,
            request,
            max_size=ctx.settings.max_page_size,
        )
    for row in page.rows:
        ctx.loaders.api_key_by_id.prime(row.id, row)
    return page
