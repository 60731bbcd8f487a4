"""The policy's rules on their own: the role matrix the README shows, and role decisions
answered once per operation."""

from __future__ import annotations

import uuid

import pytest

from auth import policy
from auth.principal import Principal
from db.models.accounts import Role


def principal(role: Role) -> Principal:
    customer_id = uuid.uuid4() if role is Role.CUSTOMER else None
    return Principal(role=role, label=role.value, user_id=uuid.uuid4(), customer_id=customer_id)


@pytest.mark.parametrize(
    ("role", "visibilities"),
    [
        (Role.ADMIN, {"public", "internal"}),
        (Role.AGENT, {"public", "internal"}),
        (Role.REVIEWER, {"internal"}),
        (Role.CUSTOMER, {"public"}),
    ],
)
def test_who_may_post_which_kind_of_message(role: Role, visibilities: set[str]) -> None:
    assert policy.message_visibilities(principal(role)) == visibilities


@pytest.mark.parametrize(
    ("role", "works_tickets", "admin", "staff"),
    [
        (Role.ADMIN, True, True, True),
        (Role.AGENT, True, False, True),
        (Role.REVIEWER, False, False, True),
        (Role.CUSTOMER, False, False, False),
    ],
)
def test_role_matrix(role: Role, works_tickets: bool, admin: bool, staff: bool) -> None:
    who = principal(role)

    assert policy.may_work_tickets(who) is works_tickets
    assert policy.may_manage_accounts(who) is admin
    assert policy.is_staff(who) is staff


def test_nobody_signed_in_may_do_nothing() -> None:
    assert not policy.is_staff(None)
    assert policy.message_visibilities(None) == frozenset()
    assert not policy.may_create_ticket(None)


def test_role_check_is_decided_once_per_operation() -> None:
    decisions = policy.RoleDecisions()
    agent = principal(Role.AGENT)

    answers = [decisions.allows(agent, policy.is_staff) for _ in range(100)]

    assert answers == [True] * 100
    assert decisions.evaluations == 1


def test_a_new_principal_is_decided_afresh() -> None:
    decisions = policy.RoleDecisions()
    decisions.allows(principal(Role.AGENT), policy.is_staff)

    assert decisions.allows(principal(Role.CUSTOMER), policy.is_staff) is False
    assert decisions.evaluations == 2
