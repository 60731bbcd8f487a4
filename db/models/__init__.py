"""Every model, imported here so `Base.metadata` is complete for Alembic."""

from db.models.accounts import ApiKey, AuthSession, RefreshToken, Role, User, UserToken
from db.models.audit import AuditEntry
from db.models.customers import Customer, CustomerEmail, CustomerPhone
from db.models.outbox import OutboxMail

__all__ = [
    "ApiKey",
    "AuditEntry",
    "AuthSession",
    "Customer",
    "CustomerEmail",
    "CustomerPhone",
    "OutboxMail",
    "RefreshToken",
    "Role",
    "User",
    "UserToken",
]
