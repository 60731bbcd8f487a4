"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from limits.aio.strategies import MovingWindowRateLimiter

from ai.gateway import Gateway
from auth import policy
from auth.policy import RoleCheck, RoleDecisions
from auth.principal import Principal
from dataloaders import Loaders
from db.blobs import BlobStore
from db.engine import Database
from resolvers.errors import Forbidden, Unauthenticated
from settings import Settings
from workers.events import Publisher
from workers.jobs import JobQueue

__all__ = ["RequestContext", "RequestMeta"]


@dataclass(slots=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class RequestContext:
    db: Database
    settings: Settings
    loaders: Loaders
    meta: RequestMeta
    principal: Principal | None = None
    # Why credentials were refused, shown when an operation needs them.
    auth_error: str | None = None
    # Set by Strawberry's WebSocket handler from the connection_init payload.
    connection_params: dict[str, Any] | None = None
    rate_limiter: MovingWindowRateLimiter | None = None
    # Signs access tokens (login, refreshSession); from Runtime.secret_key.
    secret_key: str = ""
    # Background jobs: `send_pending` after commit; `kick` starts outbox delivery.
    jobs: JobQueue | None = None
    # Realtime events go out through it after a commit (resolvers.events); None = nowhere.
    publisher: Publisher | None = None
    # Attachment bytes (local folder or S3-compatible); from Runtime.blobs.
    blobs: BlobStore | None = None
    # The LLM gateway (complete, stream, embed); from Runtime.ai.
    ai: Gateway | None = None
    # Role-only policy decisions, each made once per operation (see allows()).
    decisions: RoleDecisions = field(default_factory=RoleDecisions)

    def allows(self, check: RoleCheck) -> bool:
        """A role-only policy check (auth.policy.is_staff …) for this request's principal,
        answered once per operation however many fields ask."""
        return self.decisions.allows(self.principal, check)

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated(
                self.auth_error or "Log in first: send 'Authorization: Bearer <token>'."
            )
        return self.principal

    def require(self, check: RoleCheck, refusal: str) -> Principal:
        """The principal, when the policy's role check allows it (else FORBIDDEN)."""
        principal = self.require_principal()
        if not self.allows(check):
            raise Forbidden(refusal)
        return principal

    def require_staff(self) -> Principal:
        return self.require(policy.is_staff, "Only staff may do this.")

    def require_agent(self) -> Principal:
        return self.require(policy.is_agent, "Only agents and admins may do this.")

    def require_admin(self) -> Principal:
        return self.require(policy.is_admin, "Only an admin may do this.")
