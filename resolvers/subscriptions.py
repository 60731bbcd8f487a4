"""Live streams behind the subscriptions: which events a subscriber may see, loaded fresh.

Each event is checked in two steps: the payload's ids discard what cannot concern the
subscriber without touching the database, then the object is loaded fresh and the same
visibility rules as the queries decide. One set of loaders serves every subscriber of an
event in this process (they hold plain rows; what each subscriber may see is decided per
subscriber), so 200 staff watching the queue cost one SELECT per event, not 200.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from auth import policy
from auth.principal import Principal
from dataloaders import Loaders
from db.engine import Database
from db.models import ApiKey, AuthSession, Ticket, TicketMessage, User
from resolvers.context import RequestContext
from resolvers.errors import NotFound
from resolvers.events import (
    TICKETS_CHANNEL,
    MessageEventKind,
    TicketEventKind,
    occurred_at,
    ticket_messages_channel,
)
from workers.events import Publisher, ReceivedEvent

__all__ = [
    "MessageDelivery",
    "TicketDelivery",
    "TicketEventFilter",
    "still_allowed",
    "still_allowed_many",
    "ticket_event_stream",
    "ticket_message_stream",
]

_log = logging.getLogger("autocrm.realtime")

_event_loaders: weakref.WeakKeyDictionary[ReceivedEvent, Loaders] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class TicketDelivery:
    kind: TicketEventKind
    ticket: Ticket
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class MessageDelivery:
    kind: MessageEventKind
    message: TicketMessage
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class TicketEventFilter:
    """All given conditions must hold, judged on the ticket as it is now."""

    ticket_ids: frozenset[uuid.UUID] | None = None
    statuses: frozenset[str] | None = None
    assignee_id: uuid.UUID | None = None

    def matches(self, ticket: Ticket) -> bool:
        return (
            (self.ticket_ids is None or ticket.id in self.ticket_ids)
            and (self.statuses is None or ticket.status in self.statuses)
            and (self.assignee_id is None or ticket.assignee_id == self.assignee_id)
        )


def _loaders_for(event: ReceivedEvent, ctx: RequestContext) -> Loaders:
    """Fresh loaders per event (current data), shared by this event's subscribers."""
    loaders = _event_loaders.get(event)
    if loaders is None or loaders.db is not ctx.db:
        loaders = Loaders(ctx.db)
        _event_loaders[event] = loaders
    return loaders


def _publisher(ctx: RequestContext) -> Publisher:
    if ctx.publisher is None:
        raise RuntimeError("realtime is not configured for this request context")
    return ctx.publisher


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def still_allowed(principal: Principal, loaders: Loaders) -> bool:
    """A long-lived socket must not outlive a logout, a revoked API key, its user's
    deactivation or change of role."""
    if principal.api_key_id is not None:
        key = await loaders.api_key_by_id.load(principal.api_key_id)
        return key is not None and key.revoked_at is None
    if principal.user_id is None:
        return True
    user, session = await asyncio.gather(
        loaders.user_by_id.load(principal.user_id),
        loaders.auth_session_by_id.load(principal.session_id)
        if principal.session_id is not None
        else _none(),
    )
    if principal.session_id is not None and (session is None or session.revoked_at is not None):
        return False
    return user is not None and user.is_active and user.role == principal.role.value


async def _none() -> None:
    return None


async def still_allowed_many(principals: list[Principal], db: Database) -> list[bool]:
    """`still_allowed` for many subscribers at once (the shared fan-out checks every member
    of a group per event): plain columns, each id list one array parameter (no statement
    that grows and recompiles with the group), and signed-in users with their sessions in
    one statement — one round trip per event for a group of staff."""
    keys = {p.api_key_id for p in principals if p.api_key_id is not None}
    signed_in = [p for p in principals if p.api_key_id is None and p.user_id is not None]
    sessions = {p.session_id for p in signed_in if p.session_id is not None}
    users = {p.user_id for p in signed_in if p.session_id is None and p.user_id is not None}
    key_rows: dict[uuid.UUID, datetime | None] = {}
    # Per session: (user it belongs to, revoked at, user active, user role).
    session_rows: dict[uuid.UUID, tuple[uuid.UUID, datetime | None, bool, str]] = {}
    user_rows: dict[uuid.UUID, tuple[bool, str]] = {}
    async with db.sessions() as session:
        if keys:
            found = await session.execute(
                select(ApiKey.id, ApiKey.revoked_at).where(ApiKey.id == any_(_uuids(keys)))
            )
            key_rows = {key_id: revoked for key_id, revoked in found}
        if sessions:
            rows = await session.execute(
                select(
                    AuthSession.id,
                    AuthSession.user_id,
                    AuthSession.revoked_at,
                    User.is_active,
                    User.role,
                )
                .join(User, User.id == AuthSession.user_id)
                .where(AuthSession.id == any_(_uuids(sessions)))
            )
            session_rows = {
                sid: (uid, revoked, active, role) for sid, uid, revoked, active, role in rows
            }
        if users:
            user_found = await session.execute(
                select(User.id, User.is_active, User.role).where(User.id == any_(_uuids(users)))
            )
            user_rows = {user_id: (active, role) for user_id, active, role in user_found}
    verdicts: list[bool] = []
    for principal in principals:
        if principal.api_key_id is not None:
            verdicts.append(
                principal.api_key_id in key_rows and key_rows[principal.api_key_id] is None
            )
        elif principal.user_id is None:
            verdicts.append(True)
        elif principal.session_id is not None:
            found_session = session_rows.get(principal.session_id)
            verdicts.append(
                found_session is not None
                and found_session[0] == principal.user_id
                and found_session[1] is None
                and found_session[2]
                and found_session[3] == principal.role.value
            )
        else:
            active, role = user_rows.get(principal.user_id, (False, ""))
            verdicts.append(active and role == principal.role.value)
    return verdicts


def _uuids(ids: set[uuid.UUID]) -> BindParameter[Any]:
    """One array parameter (`= ANY($1)`) however many ids."""
    array: Any = ARRAY(PG_UUID(as_uuid=True))
    return bindparam(None, sorted(ids), type_=array)


def _may_concern(principal: Principal, customer_id: object) -> bool:
    """Cheap pre-check on the payload: a customer hears only their own tickets."""
    return policy.is_staff(principal) or (
        principal.customer_id is not None and str(principal.customer_id) == customer_id
    )


async def ticket_event_stream(
    ctx: RequestContext, criteria: TicketEventFilter
) -> AsyncGenerator[TicketDelivery, None]:
    """Ticket changes the subscriber may see and asked for, each with the current row."""
    principal = ctx.require_principal()
    publisher = _publisher(ctx)
    return _ticket_events(ctx, principal, publisher, criteria)


async def _ticket_events(
    ctx: RequestContext, principal: Principal, publisher: Publisher, criteria: TicketEventFilter
) -> AsyncGenerator[TicketDelivery, None]:
    async with aclosing(publisher.subscribe(TICKETS_CHANNEL)) as events:
        async for event in events:
            data = event.data
            ticket_id = _uuid(data.get("ticket_id"))
            if ticket_id is None or not _may_concern(principal, data.get("customer_id")):
                continue
            if criteria.ticket_ids is not None and ticket_id not in criteria.ticket_ids:
                continue
            loaders = _loaders_for(event, ctx)
            # Both loads batch across this event's subscribers and run side by side.
            allowed, ticket = await asyncio.gather(
                still_allowed(principal, loaders), loaders.ticket_by_id.load(ticket_id)
            )
            if not allowed:
                _log.info("ending a ticket event stream: %s may no longer see it", principal.label)
                return
            if ticket is None or not policy.can_see_ticket(principal, ticket):
                continue
            if not criteria.matches(ticket):
                continue
            try:
                kind = TicketEventKind(str(data.get("kind")))
            except ValueError:
                continue
            # Nested fields (customer, assignee, messages …) resolve against this event's data.
            ctx.loaders = loaders
            yield TicketDelivery(kind, ticket, occurred_at(data))


async def ticket_message_stream(
    ctx: RequestContext, ticket_id: uuid.UUID
) -> AsyncGenerator[MessageDelivery, None]:
    """New and edited messages of one ticket that the subscriber may read.

    A ticket the subscriber may not see is refused as missing, like the `ticket` query.
    """
    principal = ctx.require_principal()
    publisher = _publisher(ctx)
    ticket = await ctx.loaders.ticket_by_id.load(ticket_id)
    if ticket is None or not policy.can_see_ticket(principal, ticket):
        raise NotFound("ticketId", "ticket")
    return _message_events(ctx, principal, publisher, ticket_id)


async def _message_events(
    ctx: RequestContext, principal: Principal, publisher: Publisher, ticket_id: uuid.UUID
) -> AsyncGenerator[MessageDelivery, None]:
    async with aclosing(publisher.subscribe(ticket_messages_channel(ticket_id))) as events:
        async for event in events:
            data = event.data
            message_id = _uuid(data.get("message_id"))
            if message_id is None or not _may_concern(principal, data.get("customer_id")):
                continue
            if (
                not policy.can_see_internal_messages(principal)
                and data.get("visibility") != "public"
            ):
                continue  # internal notes never even reach a customer's loaders
            loaders = _loaders_for(event, ctx)
            allowed, message, ticket = await asyncio.gather(
                still_allowed(principal, loaders),
                loaders.message_by_id.load(message_id),
                loaders.ticket_by_id.load(ticket_id),
            )
            if not allowed:
                _log.info("ending a message stream: %s may no longer see it", principal.label)
                return
            if message is None or ticket is None or message.ticket_id != ticket_id:
                continue
            if not policy.can_see_message(principal, ticket, message):
                continue
            try:
                kind = MessageEventKind(str(data.get("kind")))
            except ValueError:
                continue
            ctx.loaders = loaders
            yield MessageDelivery(kind, message, occurred_at(data))
