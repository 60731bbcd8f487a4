"""Who is making a request: a signed-in user or an API key, with a role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from db.models.accounts import Role

__all__ = ["Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    label: str
    user_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None

    # Authorisation decisions belong to auth.policy (is_staff, is_admin …); these two
    # remain for callers outside the request path (CLI, workers) that only label things.
    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
