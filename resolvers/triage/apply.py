"""Applying a triage decision to a ticket the way an agent would: through the ticket use
cases (updateTicket, assignTicket, autoAssignTicket, an internal note), so the AI's changes
write the same audit entries, fire the same events and notifications and recompute the SLA.
Then the result is stored for staff (`Ticket.triage`)."""

from __future__ import annotations

import html
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.principal import Principal
from db.models import Customer, Team, Ticket, TicketMessage, TicketTriage, User
from db.models.accounts import Role
from db.models.tickets import AuthorKind, TicketStatus, Visibility
from resolvers.audit import MutationTx, diff
from resolvers.errors import NotFound, ValidationFailed
from resolvers.events import MessageEventKind, publish_message_event
from resolvers.messages.add import post_message
from resolvers.sanitize import sanitize_body
from resolvers.tickets.assignment import assign_ticket, auto_assign_ticket, load_team
from resolvers.tickets.common import UNCHANGED, load_ticket_for_update
from resolvers.tickets.update import TicketChanges, update_ticket
from resolvers.triage.decide import Decision, TriageInput
from resolvers.triage.rules import RuleFacts, match_rules, ordered_rules

__all__ = ["TRIAGE_PRINCIPAL", "apply_triage", "load_input"]

# Who the audit log names for triage's changes; acts with an admin's rights on tickets.
TRIAGE_PRINCIPAL = Principal(role=Role.ADMIN, label="AI triage")


async def load_input(
    session: AsyncSession, ticket_id: uuid.UUID, job_id: uuid.UUID | None
) -> TriageInput | None:
    """The ticket's subject and description and the installation's teams (None: no ticket)."""
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    body = (
        await session.execute(
            select(TicketMessage.body_text)
            .where(TicketMessage.ticket_id == ticket_id)
            .order_by(TicketMessage.created_at, TicketMessage.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    teams = (await session.execute(select(Team.id, Team.name))).all()
    return TriageInput(
        ticket_id=ticket.id,
        subject=ticket.subject,
        body=body,
        teams={name.lower(): (team_id, name) for team_id, name in teams},
        job_id=job_id,
    )


def _triage_state(row: TicketTriage | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {
        "source": row.source,
        "model_version": row.model_version,
        "priority": row.priority,
        "team_id": row.team_id,
        "tags": list(row.tags or ()),
        "language": row.language,
        "sentiment": row.sentiment,
        "pii_kinds": list(row.pii_kinds or ()),
        "rejected": dict(row.rejected or {}),
        "rules_applied": list(row.rules_applied or ()),
        "assigned_user_id": row.assigned_user_id,
    }


async def _user_name(session: AsyncSession, user_id: uuid.UUID | None) -> str | None:
    user = await session.get(User, user_id) if user_id else None
    return user.name if user is not None else None


async def apply_triage(
    tx: MutationTx,
    given: TriageInput,
    decision: Decision,
    *,
    keep: Collection[str] = (),
) -> TicketTriage | None:
    """`keep`: fields a person set when opening the ticket ("priority", "team",
    "assignee"), which triage leaves as they are. None when the ticket is gone."""
    session = tx.session
    if await session.get(Ticket, given.ticket_id) is None:
        return None
    ticket = await load_ticket_for_update(session, TRIAGE_PRINCIPAL, given.ticket_id, "ticketId")
    reasons = list(decision.reasons)
    finished = ticket.status == TicketStatus.CLOSED or ticket.merged_into_id is not None
    applied_rules: list[str] = []
    assigned: uuid.UUID | None = None
    if not finished:
        customer = await session.get(Customer, ticket.customer_id)
        facts = RuleFacts(
            priority=decision.priority,
            team=decision.team_label.lower() if decision.team_label else None,
            language=decision.language,
            sentiment=decision.sentiment,
            has_pii=bool(decision.pii_kinds),
            channel=ticket.channel,
            customer_tags=frozenset(t.lower() for t in (customer.tags if customer else [])),
            tags=frozenset(decision.tags),
            text=given.text.lower(),
        )
        outcome = match_rules(await ordered_rules(session), facts)
        applied_rules = [rule.name for rule in outcome.applied]
        if applied_rules:
            reasons.append("Routing rules applied: " + ", ".join(applied_rules) + ".")
        priority = outcome.priority or decision.priority
        team_id = outcome.team_id or decision.team_id
        if "priority" in keep:
            priority = None
        if "team" in keep:
            team_id = None
        tags = list(ticket.tags or [])
        tags += [t for t in [*decision.tags, *outcome.tags] if t not in tags]
        changes = TicketChanges(
            priority=priority if priority and priority != ticket.priority else None,
            tags=tags if tags != list(ticket.tags or []) else None,
            team_id=team_id if team_id and team_id != ticket.team_id else UNCHANGED,
        )
        target_team = team_id or ticket.team_id
        if target_team is not None and not await _lock_team(session, target_team):
            changes.team_id = UNCHANGED  # deleted meanwhile
        if changes.priority or changes.tags is not None or changes.team_id is not UNCHANGED:
            ticket = await update_ticket(tx, ticket.id, changes)
        if "assignee" not in keep:
            assigned, note = await _assign(tx, ticket, outcome.assignee_id)
            if note:
                reasons.append(note)
    row = await session.get(TicketTriage, ticket.id)
    before = _triage_state(row)
    if row is None:
        row = TicketTriage(ticket_id=ticket.id)
        session.add(row)
    row.source = decision.source
    row.model_version = decision.model_version[:200]
    row.language = decision.language[:16]
    row.sentiment = decision.sentiment
    row.sentiment_score = decision.sentiment_score
    row.pii_kinds = decision.pii_kinds
    row.priority = decision.priority
    row.team_label = decision.team_label
    row.team_id = decision.team_id
    row.tags = decision.tags
    row.scores = decision.scores
    row.rejected = decision.rejected
    row.rules_applied = applied_rules
    row.assigned_user_id = assigned
    row.job_id = given.job_id
    row.explanation = " ".join(reasons)
    await session.flush()
    tx.audit("TicketTriage", ticket.id, diff(before, _triage_state(row)))
    if not finished:
        await _note(tx, ticket, decision, reasons)
    return row


async def _lock_team(session: AsyncSession, team_id: uuid.UUID) -> bool:
    """Lock the team before the ticket references it: writing `tickets.team_id` takes a
    key-share lock on the team row, and round-robin then wants it for update — two triage
    jobs for one team would each hold the first and wait for the other (a deadlock)."""
    try:
        await load_team(session, team_id, "teamId", lock=True)
    except NotFound:
        return False
    return True


async def _assign(
    tx: MutationTx, ticket: Ticket, assignee_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, str | None]:
    """A rule's assignee, else round-robin in the ticket's team when nobody has it yet.
    A refusal (not a member, everyone at capacity) leaves the ticket where it is."""
    session = tx.session
    if assignee_id is None and (ticket.assignee_id is not None or ticket.team_id is None):
        return None, None
    try:
        async with session.begin_nested():
            if assignee_id is not None:
                await assign_ticket(tx, ticket.id, assignee_id=assignee_id)
            else:
                await auto_assign_ticket(tx, ticket.id)
    except ValidationFailed as exc:
        await session.refresh(ticket)
        if assignee_id is not None:
            return None, f"The rule's assignee was not assigned: {exc}"
        return None, f"Not assigned: {exc} The ticket waits in its team's queue."
    name = await _user_name(session, ticket.assignee_id)
    how = "by routing rule" if assignee_id is not None else "by round-robin"
    return ticket.assignee_id, f"Assigned to {name} {how}."


async def _note(
    tx: MutationTx, ticket: Ticket, decision: Decision, reasons: list[str]
) -> TicketMessage:
    facts = [
        f"Language: {decision.language}; sentiment: {decision.sentiment}.",
        "Personal data found: " + ", ".join(decision.pii_kinds) + "."
        if decision.pii_kinds
        else "No personal data found.",
    ]
    if decision.tags:
        facts.append("Tags: " + ", ".join(decision.tags) + ".")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in [*reasons, *facts] if line)
    body = sanitize_body(
        f"<p><strong>AI triage</strong> ({html.escape(decision.model_version)})</p><ul>{items}</ul>"
    )
    message = await post_message(
        tx,
        ticket,
        body=body,
        visibility=Visibility.INTERNAL.value,
        author_user_id=None,
        author_kind=AuthorKind.AI.value,
    )
    tx.after_commit(publish_message_event, tx.ctx, MessageEventKind.CREATED, message, ticket)
    return message
