"""Loaders for users and API keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key
from db.engine import Database
from db.models import ApiKey, AuthSession, User

__all__ = ["load_api_keys_by_id", "load_auth_sessions_by_id", "load_users_by_id"]


async def load_users_by_id(db: Database, keys: Sequence[uuid.UUID]) -> list[User | None]:
    return await by_key(db, User, User.id, keys)


async def load_api_keys_by_id(db: Database, keys: Sequence[uuid.UUID]) -> list[ApiKey | None]:
    return await by_key(db, ApiKey, ApiKey.id, keys)


async def load_auth_sessions_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[AuthSession | None]:
    return await by_key(db, AuthSession, AuthSession.id, keys)
