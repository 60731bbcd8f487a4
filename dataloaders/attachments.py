"""Loaders for attachments: by id, and the files of each message."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import Attachment

__all__ = ["load_attachments_by_id", "load_attachments_by_message_id"]


async def load_attachments_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[Attachment | None]:
    return await by_key(db, Attachment, Attachment.id, keys)


async def load_attachments_by_message_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[Attachment]]:
    """In upload order, as the files were added to the message."""
    return await lists_by_key(
        db, Attachment, Attachment.message_id, keys, Attachment.created_at, Attachment.id
    )
