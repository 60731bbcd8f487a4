"""One support desk with everything a customer could stumble on: their ticket assigned to
an agent in a team, staff replies, an internal note with a file, an edited reply, a
colleague's CSAT rating, and another organisation's ticket next door."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from strawberry import relay

from db.base import utcnow
from db.engine import Database
from db.models import (
    Attachment,
    Customer,
    Team,
    TeamMember,
    Ticket,
    TicketFeedback,
    TicketFollower,
    TicketMessage,
    TicketMessageRevision,
    User,
)
from tests.conftest import make_user


def gid(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


@dataclass
class World:
    customer_user: User  # the caller
    colleague: User  # another user of the same organisation: requester and rater
    agent: User  # the assignee, author of replies and of the internal note
    team: Team
    ticket: Ticket
    public_reply: TicketMessage
    customer_message: TicketMessage
    internal_note: TicketMessage
    public_file: Attachment
    internal_file: Attachment
    staff_pending_file: Attachment  # uploaded by the agent, not on a message yet
    feedback: TicketFeedback
    other_customer: Customer
    other_ticket: Ticket
    other_file: Attachment

    def private_ids(self) -> set[str]:
        """Global IDs a customer must never receive, anywhere in any answer."""
        return {
            gid("Message", self.internal_note.id),
            gid("Attachment", self.internal_file.id),
            gid("Attachment", self.staff_pending_file.id),
            gid("Team", self.team.id),
            gid("Customer", self.other_customer.id),
            gid("Ticket", self.other_ticket.id),
            gid("Attachment", self.other_file.id),
        }


def _file(ticket: Ticket, message: TicketMessage | None, by: User, name: str) -> Attachment:
    data = name.encode()
    return Attachment(
        ticket_id=ticket.id,
        message_id=message.id if message else None,
        filename=name,
        content_type="text/plain",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=f"policy/{uuid.uuid4().hex}",
        uploaded_by_id=by.id,
    )


def _message(ticket: Ticket, author: User, text: str, visibility: str = "public") -> TicketMessage:
    return TicketMessage(
        ticket_id=ticket.id,
        author_user_id=author.id,
        author_kind="customer" if author.role == "customer" else "user",
        visibility=visibility,
        body_html=f"<p>{text}</p>",
        body_text=text,
    )


async def build_world(db: Database, customer_user: User, agent: User) -> World:
    assert customer_user.customer_id is not None
    colleague = await make_user(
        db, role="customer", name="Cole Colleague", customer_id=customer_user.customer_id
    )
    stranger = await make_user(db, role="customer", name="Stan Stranger")
    assert stranger.customer_id is not None
    now = utcnow()
    async with db.transaction() as session:
        team = Team(name="Billing escalations", description="Refund disputes over 1000 EUR")
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, user_id=agent.id))
        ticket = Ticket(
            customer_id=customer_user.customer_id,
            requester_id=colleague.id,
            subject="Refund for invoice 42",
            status="solved",
            solved_at=now,
            assignee_id=agent.id,
            team_id=team.id,
            tags=["churn-risk"],
        )
        other_ticket = Ticket(customer_id=stranger.customer_id, subject="Someone else's")
        session.add_all([ticket, other_ticket])
        await session.flush()
        session.add(TicketFollower(ticket_id=ticket.id, user_id=agent.id))
        customer_message = _message(ticket, customer_user, "Where is my refund?")
        public_reply = _message(ticket, agent, "It is on its way.")
        internal_note = _message(ticket, agent, "Customer is a churn risk", "internal")
        other_message = _message(other_ticket, stranger, "Not yours")
        session.add_all([customer_message, public_reply, internal_note, other_message])
        await session.flush()
        public_reply.edited_at = now
        session.add(
            TicketMessageRevision(
                message_id=public_reply.id,
                body_html="<p>Soon.</p>",
                body_text="Soon.",
                edited_by_id=agent.id,
            )
        )
        public_file = _file(ticket, public_reply, agent, "refund.txt")
        internal_file = _file(ticket, internal_note, agent, "risk-notes.txt")
        pending = _file(ticket, None, agent, "draft.txt")
        other_file = _file(other_ticket, other_message, stranger, "theirs.txt")
        session.add_all([public_file, internal_file, pending, other_file])
        feedback = TicketFeedback(ticket_id=ticket.id, rating=4, customer_user_id=colleague.id)
        session.add(feedback)
        await session.flush()
        other_customer = await session.get(Customer, stranger.customer_id)
        assert other_customer is not None
    return World(
        customer_user=customer_user,
        colleague=colleague,
        agent=agent,
        team=team,
        ticket=ticket,
        public_reply=public_reply,
        customer_message=customer_message,
        internal_note=internal_note,
        public_file=public_file,
        internal_file=internal_file,
        staff_pending_file=pending,
        feedback=feedback,
        other_customer=other_customer,
        other_ticket=other_ticket,
        other_file=other_file,
    )
