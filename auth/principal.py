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

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
