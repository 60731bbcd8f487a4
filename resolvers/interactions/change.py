"""logInteraction, updateInteraction, deleteInteraction.

Agents and admins log; the author or an admin edits, and each edit keeps the previous
values as a revision; admins delete (soft). Every change is audited and published
through `record_change` (public when the customer may see the interaction).
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import delete, select

from auth import policy
from auth.principal import Principal
from db.base import utcnow
from db.models import Customer, Interaction, InteractionParticipant, InteractionRevision
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.errors import Forbidden, NotFound
from resolvers.interactions.validation import (
    KEEP,
    InteractionDraft,
    check_links,
    clean_columns,
)

__all__ = ["OBJECT_TYPE", "delete_interaction", "log_interaction", "update_interaction"]

OBJECT_TYPE = "Interaction"
# The columns a revision keeps (participants are added as a list of user ids).
_REVISED = (
    "type",
    "direction",
    "channel",
    "occurred_at",
    "duration_seconds",
    "subject",
    "body_html",
    "body_text",
    "internal",
    "ticket_id",
)


def snapshot(row: Interaction, participants: list[uuid.UUID]) -> dict[str, Any]:
    """The audited (and revised) fields; JSON-ready."""
    values: dict[str, Any] = {name: getattr(row, name) for name in _REVISED}
    values["participant_ids"] = sorted(str(p) for p in participants)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()} | {
        "ticket_id": str(row.ticket_id) if row.ticket_id else None
    }


def _publish(tx: MutationTx, row: Interaction, kind: ChangeKind, *, was_public: bool) -> None:
    public = (not row.internal and row.deleted_at is None) or was_public
    record_change(tx, OBJECT_TYPE, row.id, kind, customer_id=row.customer_id, public=public)


async def log_interaction(
    tx: MutationTx, customer_id: uuid.UUID, draft: InteractionDraft
) -> Interaction:
    principal = tx.ctx.require_principal()
    if not policy.may_log_interaction(principal):
        raise Forbidden("Only agents and admins may log interactions.")
    columns = clean_columns(draft, creating=True)
    customer = await tx.session.get(Customer, customer_id)
    if not policy.can_see_customer(principal, customer):
        raise NotFound("customerId", "customer")
    ticket_id = draft.ticket_id if draft.ticket_id is not KEEP else None
    participant_ids = draft.participant_ids if draft.participant_ids is not KEEP else None
    people = await check_links(
        tx.session, customer_id, ticket_id=ticket_id, participant_ids=participant_ids or []
    )
    now = utcnow()
    row = Interaction(
        id=uuid.uuid4(),
        customer_id=customer_id,
        author_id=principal.user_id,
        ticket_id=ticket_id,
        **{"body_html": "", "body_text": "", "internal": True, **columns},
        created_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    await tx.session.flush()
    tx.session.add_all(
        InteractionParticipant(interaction_id=row.id, user_id=user_id) for user_id in people or []
    )
    tx.audit(OBJECT_TYPE, row.id, diff({}, snapshot(row, people or [])))
    _publish(tx, row, ChangeKind.CREATED, was_public=False)
    _refresh(tx, row, people or [])
    return row


async def _load(tx: MutationTx, principal: Principal, interaction_id: uuid.UUID) -> Interaction:
    row = (
        await tx.session.execute(
            select(Interaction).where(Interaction.id == interaction_id).with_for_update()
        )
    ).scalar_one_or_none()
    if not policy.can_see_interaction(principal, row):
        raise NotFound("id", "interaction")
    assert row is not None
    return row


async def _participants(tx: MutationTx, interaction_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await tx.session.execute(
        select(InteractionParticipant.user_id)
        .where(InteractionParticipant.interaction_id == interaction_id)
        .order_by(InteractionParticipant.user_id)
    )
    return list(rows.scalars())


async def update_interaction(
    tx: MutationTx, interaction_id: uuid.UUID, draft: InteractionDraft
) -> Interaction:
    principal = tx.ctx.require_principal()
    row = await _load(tx, principal, interaction_id)
    if not policy.may_edit_interaction(principal, row):
        raise Forbidden("Only the interaction's author or an admin may change it.")
    columns = clean_columns(draft, creating=False)
    current = await _participants(tx, row.id)
    people = await check_links(
        tx.session,
        row.customer_id,
        ticket_id=draft.ticket_id if isinstance(draft.ticket_id, uuid.UUID) else None,
        participant_ids=draft.participant_ids if draft.participant_ids is not KEEP else None,
    )
    before = snapshot(row, current)
    was_public = not row.internal
    for name, value in columns.items():
        setattr(row, name, value)
    if draft.ticket_id is not KEEP:
        row.ticket_id = draft.ticket_id
    after_people = current if people is None else people
    after = snapshot(row, after_people)
    changes = diff(before, after)
    if not changes:
        return row
    now = utcnow()
    tx.session.add(
        InteractionRevision(
            interaction_id=row.id, editor_id=principal.user_id, previous=before, created_at=now
        )
    )
    if people is not None and sorted(people) != sorted(current):
        await tx.session.execute(
            delete(InteractionParticipant).where(InteractionParticipant.interaction_id == row.id)
        )
        tx.session.add_all(
            InteractionParticipant(interaction_id=row.id, user_id=user_id) for user_id in people
        )
    row.updated_at = now
    tx.audit(OBJECT_TYPE, row.id, changes)
    _publish(tx, row, ChangeKind.UPDATED, was_public=was_public)
    _refresh(tx, row, after_people)
    return row


async def delete_interaction(tx: MutationTx, interaction_id: uuid.UUID) -> Interaction:
    """Soft: hidden from every list and timeline; the row, revisions and files stay."""
    principal = tx.ctx.require_principal()
    if not policy.may_delete_interaction(principal):
        raise Forbidden("Only admins may delete interactions.")
    row = await _load(tx, principal, interaction_id)
    was_public = not row.internal
    now = utcnow()
    row.deleted_at = row.updated_at = now
    row.deleted_by_id = principal.user_id
    tx.audit(OBJECT_TYPE, row.id, diff({"deleted_at": None}, {"deleted_at": now}))
    _publish(tx, row, ChangeKind.DELETED, was_public=was_public)
    return row


def _refresh(tx: MutationTx, row: Interaction, people: list[uuid.UUID]) -> None:
    """The payload shows what was written even if this request read the row before."""
    loaders = tx.ctx.loaders
    loaders.interaction_by_id.prime(row.id, row, force=True)
    loaders.participants_by_interaction_id.prime(
        row.id,
        [InteractionParticipant(interaction_id=row.id, user_id=p) for p in people],
        force=True,
    )
    with contextlib.suppress(KeyError):  # strawberry's clear() raises for an unknown key
        loaders.revisions_by_interaction_id.clear(row.id)
