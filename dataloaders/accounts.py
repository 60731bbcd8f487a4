"""Loaders for users."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key
from db.engine import Database
from db.models import User

__all__ = ["load_users_by_id"]


async def load_users_by_id(db: Database, keys: Sequence[uuid.UUID]) -> list[User | None]:
    return await by_key(db, User, User.id, keys)
