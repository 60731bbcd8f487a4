"""Strawberry permission classes: every field and mutation declares who may call it."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.exceptions import StrawberryGraphQLError
from strawberry.permission import BasePermission

from auth.principal import Principal
from db.models.accounts import Role
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
    """Signed in (else UNAUTHENTICATED) and of an allowed role (else FORBIDDEN)."""

    error_extensions = {"code": "FORBIDDEN"}

    def allows(self, principal: Principal) -> bool:
        raise NotImplementedError

    def has_permission(
        self, source: Any, info: strawberry.Info[RequestContext], **kwargs: Any
    ) -> bool:
        principal = info.context.principal
        if principal is None:
            raise unauthenticated(info.context)
        return self.allows(principal)


class IsStaff(_RoleRequired):
    message = "Only staff (admin, agent, reviewer) may do this."

    def allows(self, principal: Principal) -> bool:
        return principal.is_staff


class IsAdmin(_RoleRequired):
    message = "Only an admin may do this."

    def allows(self, principal: Principal) -> bool:
        return principal.is_admin


class IsAgent(_RoleRequired):
    """Staff who work tickets: agents and admins (reviewers only read)."""

    message = "Only agents and admins may do this."

    def allows(self, principal: Principal) -> bool:
        return principal.role in (Role.ADMIN, Role.AGENT)
