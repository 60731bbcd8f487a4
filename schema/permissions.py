"""Strawberry permission classes: every field and mutation declares who may call it.

Thin adapters over auth.policy's role checks, answered once per operation through the
request context (a guarded field on a page of 100 rows asks the policy once, not 100
times).
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.permission import BasePermission

from auth import policy
from auth.policy import RoleCheck
from resolvers.context import RequestContext

__all__ = ["IsAdmin", "IsAgent", "IsAuthenticated", "IsStaff", "unauthenticated"]

LOGIN_FIRST = "Log in first: send 'Authorization: Bearer <token>'."


def unauthenticated(ctx: RequestContext) -> StrawberryGraphQLError:
    """The error for a missing or refused credential, saying why it was refused."""
    return StrawberryGraphQLError(
        ctx.auth_error or LOGIN_FIRST, extensions={"code": "UNAUTHENTICATED"}
    )


class IsAuthenticated(BasePermission):
    message = LOGIN_FIRST
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(
        self, source: Any, info: strawberry.Info[RequestContext], **kwargs: Any
    ) -> bool:
        if info.context.principal is None:
            raise unauthenticated(info.context)
        return True


class _RoleRequired(BasePermission):
    """Signed in (else UNAUTHENTICATED) and allowed by the policy's `check` (else FORBIDDEN)."""

    error_extensions = {"code": "FORBIDDEN"}
    check: RoleCheck

    def has_permission(
        self, source: Any, info: strawberry.Info[RequestContext], **kwargs: Any
    ) -> bool:
        ctx = info.context
        if ctx.principal is None:
            raise unauthenticated(ctx)
        return ctx.allows(self.check)


class IsStaff(_RoleRequired):
    message = "Only staff (admin, agent, reviewer) may do this."
    check = staticmethod(policy.is_staff)


class IsAdmin(_RoleRequired):
    message = "Only an admin may do this."
    check = staticmethod(policy.is_admin)


class IsAgent(_RoleRequired):
    """Staff who work tickets: agents and admins (reviewers only read and write notes)."""

    message = "Only agents and admins may do this."
    check = staticmethod(policy.is_agent)
