"""Global (Relay) IDs for input fields: decoded here so a bad ID is a UserError."""

from __future__ import annotations

import uuid

from strawberry import relay

from resolvers.error_codes import CommonErrorCode
from resolvers.errors import FieldProblem, ValidationFailed

__all__ = ["decode_id", "encode_id", "uuid_or_none"]


def encode_id(type_name: str, value: uuid.UUID) -> str:
    return relay.to_base64(type_name, str(value))


def decode_id(global_id: str, type_name: str, field: str) -> uuid.UUID:
    """`Customer:…` → UUID; anything else is an `invalid_id` problem on `field`."""
    try:
        gid = relay.GlobalID.from_id(global_id)
        if gid.type_name != type_name:
            raise ValueError(gid.type_name)
        return uuid.UUID(gid.node_id)
    except (ValueError, TypeError, relay.GlobalIDValueError) as exc:
        raise ValidationFailed(
            FieldProblem(field, f"Not a valid {type_name} ID.", CommonErrorCode.INVALID_ID)
        ) from exc


def uuid_or_none(node_id: str) -> uuid.UUID | None:
    """The UUID inside a node ID's value, or None (a node that cannot exist)."""
    try:
        return uuid.UUID(node_id)
    except ValueError:
        return None
