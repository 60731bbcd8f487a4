"""Loaders for the customer 360: interactions, their participants, revisions and files,
customer notes and their revisions, the legacy first note, and audit entries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on

from dataloaders.batch import by_key, lists_by_key
from db.engine import Database
from db.models import (
    Attachment,
    AuditEntry,
    CustomerNote,
    CustomerNoteRevision,
    Interaction,
    InteractionParticipant,
    InteractionRevision,
)

__all__ = [
    "load_attachments_by_interaction_id",
    "load_audit_entries_by_id",
    "load_customer_notes_by_id",
    "load_first_note_by_customer_id",
    "load_interactions_by_id",
    "load_note_revisions_by_note_id",
    "load_participants_by_interaction_id",
    "load_revisions_by_interaction_id",
]


async def load_interactions_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[Interaction | None]:
    return await by_key(db, Interaction, Interaction.id, keys)


async def load_participants_by_interaction_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[InteractionParticipant]]:
    return await lists_by_key(
        db,
        InteractionParticipant,
        InteractionParticipant.interaction_id,
        keys,
        InteractionParticipant.user_id,
    )


async def load_revisions_by_interaction_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[InteractionRevision]]:
    return await lists_by_key(
        db,
        InteractionRevision,
        InteractionRevision.interaction_id,
        keys,
        InteractionRevision.created_at,
        InteractionRevision.id,
    )


async def load_attachments_by_interaction_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[Attachment]]:
    return await lists_by_key(
        db, Attachment, Attachment.interaction_id, keys, Attachment.created_at, Attachment.id
    )


async def load_customer_notes_by_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[CustomerNote | None]:
    return await by_key(db, CustomerNote, CustomerNote.id, keys)


async def load_note_revisions_by_note_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[list[CustomerNoteRevision]]:
    return await lists_by_key(
        db,
        CustomerNoteRevision,
        CustomerNoteRevision.note_id,
        keys,
        CustomerNoteRevision.created_at,
        CustomerNoteRevision.id,
    )


async def load_first_note_by_customer_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[CustomerNote | None]:
    """The oldest live note per customer: what the deprecated `Customer.notes` shows."""
    stmt = (
        select(CustomerNote)
        .where(CustomerNote.customer_id.in_(set(keys)), CustomerNote.deleted_at.is_(None))
        .ext(distinct_on(CustomerNote.customer_id))
        .order_by(CustomerNote.customer_id, CustomerNote.created_at, CustomerNote.id)
    )
    async with db.sessions() as session:
        rows = (await session.execute(stmt)).scalars().all()
    found = {row.customer_id: row for row in rows}
    return [found.get(key) for key in keys]


async def load_audit_entries_by_id(db: Database, keys: Sequence[int]) -> list[AuditEntry | None]:
    async with db.sessions() as session:
        rows = (
            (await session.execute(select(AuditEntry).where(AuditEntry.id.in_(set(keys)))))
            .scalars()
            .all()
        )
    found = {row.id: row for row in rows}
    return [found.get(key) for key in keys]
