"""A customer's history written straight to the database, with known instants: tickets
(opened, some solved and rated) with public replies and internal notes, logged
interactions (internal and not), staff notes and audited record changes. Shared by the
timeline tests and bench/customer_timeline.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from db.engine import Database
from db.models import (
    AuditEntry,
    CustomerNote,
    Interaction,
    Ticket,
    TicketFeedback,
    TicketMessage,
)

__all__ = ["START", "SeededTimeline", "seed_timeline"]

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@dataclass
class SeededTimeline:
    """What each kind got: (kind, id as text, occurred_at) per item."""

    items: list[tuple[str, str, datetime]] = field(default_factory=list)

    def of(self, *kinds: str) -> list[tuple[str, str, datetime]]:
        return [item for item in self.items if item[0] in kinds]

    def newest_first(self, *kinds: str) -> list[tuple[str, str]]:
        """(kind, id) in the timeline's order: newest first, then kind, then id (bytewise)."""
        chosen = self.of(*kinds) if kinds else self.items
        ordered = sorted(chosen, key=lambda i: (i[2], i[0], i[1]), reverse=True)
        return [(kind, key) for kind, key, _ in ordered]


async def seed_timeline(
    db: Database,
    customer_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    tickets: int = 4,
    interactions: int = 4,
    notes: int = 2,
    changes: int = 2,
    start: datetime = START,
) -> SeededTimeline:
    """Ticket i opens at start + i hours with its first reply at the same instant (so
    kinds tie on time, as createTicket makes them), an internal note and a staff reply
    later; even tickets are solved, every fourth rated. Interactions alternate internal
    and public."""
    seeded = SeededTimeline()
    step = timedelta(hours=1)
    async with db.transaction() as session:
        for i in range(tickets):
            opened = start + i * step
            solved = opened + timedelta(minutes=40) if i % 2 == 0 else None
            ticket = Ticket(
                id=uuid.uuid4(),
                customer_id=customer_id,
                subject=f"Question {i}",
                status="solved" if solved else "open",
                created_at=opened,
                updated_at=opened,
                first_responded_at=opened + timedelta(minutes=30),
                solved_at=solved,
                last_message_at=opened + timedelta(minutes=30),
            )
            session.add(ticket)
            await session.flush()
            seeded.items.append(("ticket_opened", str(ticket.id), opened))
            if solved is not None:
                seeded.items.append(("ticket_solved", str(ticket.id), solved))
            for offset, visibility, kind, author in (
                (0, "public", "message", "customer"),
                (10, "internal", "internal_note", "user"),
                (30, "public", "message", "user"),
            ):
                at = opened + timedelta(minutes=offset)
                message = TicketMessage(
                    id=uuid.uuid4(),
                    ticket_id=ticket.id,
                    author_kind=author,
                    author_user_id=staff_id if author == "user" else None,
                    visibility=visibility,
                    body_html=f"<p>{kind} {i}</p>",
                    body_text=f"{kind} {i}",
                    created_at=at,
                )
                session.add(message)
                seeded.items.append((kind, str(message.id), at))
            if solved is not None and i % 4 == 0:
                rated = solved + timedelta(minutes=5)
                feedback = TicketFeedback(
                    id=uuid.uuid4(),
                    ticket_id=ticket.id,
                    rating=4,
                    created_at=rated,
                    updated_at=rated,
                )
                session.add(feedback)
                seeded.items.append(("csat_rating", str(feedback.id), rated))
        for i in range(interactions):
            at = start + i * step + timedelta(minutes=20)
            row = Interaction(
                id=uuid.uuid4(),
                customer_id=customer_id,
                type="call",
                direction="outbound",
                occurred_at=at,
                subject=f"Call {i}",
                internal=i % 2 == 0,
                author_id=staff_id,
                created_at=at,
                updated_at=at,
            )
            session.add(row)
            seeded.items.append(("interaction", str(row.id), at))
        for i in range(notes):
            at = start + i * step + timedelta(minutes=50)
            note = CustomerNote(
                id=uuid.uuid4(),
                customer_id=customer_id,
                author_id=staff_id,
                body_html=f"<p>Note {i}</p>",
                body_text=f"Note {i}",
                created_at=at,
                updated_at=at,
            )
            session.add(note)
            seeded.items.append(("customer_note", str(note.id), at))
        entries = []
        for i in range(changes):
            at = start + i * step + timedelta(minutes=55)
            entry = AuditEntry(
                created_at=at,
                actor_user_id=staff_id,
                actor_label="staff",
                action="updateCustomer",
                object_type="Customer",
                object_id=str(customer_id),
                changes={"company": {"before": f"Old {i}", "after": f"New {i}"}},
            )
            session.add(entry)
            entries.append((entry, at))
        await session.flush()
        for entry, at in entries:
            seeded.items.append(("field_change", str(entry.id), at))
    return seeded
