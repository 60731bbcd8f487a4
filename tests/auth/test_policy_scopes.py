"""Each entity's SQL scope lists exactly the rows its read rule lets the same principal
see, so a list and a lookup by ID never disagree."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from auth import policy
from auth.principal import Principal
from db.engine import Database
from db.models import Attachment, Customer, Ticket, TicketMessage, User
from db.models.accounts import Role
from tests.auth.policy_world import World, build_world
from tests.conftest import ApiClient


@pytest.fixture
async def world(db: Database, customer: ApiClient, agent: ApiClient) -> World:
    assert customer.user is not None
    assert agent.user is not None
    return await build_world(db, customer.user, agent.user)


def as_principal(user: User) -> Principal:
    return Principal(
        role=Role(user.role), label=user.email, user_id=user.id, customer_id=user.customer_id
    )


async def _scoped(db: Database, model: Any, clause: Any) -> set[Any]:
    async with db.sessions() as session:
        return set((await session.execute(select(model.id).where(clause))).scalars())


async def _rows(db: Database, model: Any) -> list[Any]:
    async with db.sessions() as session:
        return list((await session.execute(select(model))).scalars())


@pytest.mark.parametrize("who", ["customer_user", "colleague", "agent"])
async def test_ticket_message_and_attachment_lists_match_the_read_rules(
    db: Database, world: World, who: str
) -> None:
    principal = as_principal(getattr(world, who))
    tickets = {t.id: t for t in await _rows(db, Ticket)}
    messages = {m.id: m for m in await _rows(db, TicketMessage)}

    assert await _scoped(db, Ticket, policy.ticket_scope(principal)) == {
        t.id for t in tickets.values() if policy.can_see_ticket(principal, t)
    }
    assert await _scoped(db, TicketMessage, policy.message_scope(principal)) == {
        m.id
        for m in messages.values()
        if policy.can_see_message(principal, tickets[m.ticket_id], m)
    }
    assert await _scoped(db, Attachment, policy.attachment_scope(principal)) == {
        a.id
        for a in await _rows(db, Attachment)
        if policy.can_see_attachment(
            principal,
            tickets[a.ticket_id],
            messages.get(a.message_id) if a.message_id else None,
            a,
        )
    }


@pytest.mark.parametrize("who", ["customer_user", "agent"])
async def test_customer_and_user_lists_match_the_read_rules(
    db: Database, world: World, who: str
) -> None:
    principal = as_principal(getattr(world, who))

    assert await _scoped(db, Customer, policy.customer_scope(principal)) == {
        c.id for c in await _rows(db, Customer) if policy.can_see_customer(principal, c)
    }
    listed = await _scoped(db, User, policy.user_scope(principal))
    # Lists are narrower than reads: a customer reads staff as a public profile on their
    # tickets but may list only themselves.
    assert listed <= {u.id for u in await _rows(db, User) if policy.can_see_user(principal, u)}
