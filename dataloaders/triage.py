"""Loaders for triage results."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dataloaders.batch import by_key
from db.engine import Database
from db.models import TicketTriage

__all__ = ["load_triage_by_ticket_id"]


async def load_triage_by_ticket_id(
    db: Database, keys: Sequence[uuid.UUID]
) -> list[TicketTriage | None]:
    return await by_key(db, TicketTriage, TicketTriage.ticket_id, keys)
