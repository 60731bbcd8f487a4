"""A note's body: sanitised like a message, with the notes domain's error codes."""

from __future__ import annotations

from resolvers.error_codes import ErrorCode
from resolvers.errors import ValidationFailed
from resolvers.sanitize import MAX_BODY_BYTES, SanitizedBody, sanitize_body

__all__ = ["clean_rich_text"]


def clean_rich_text(
    raw: str | None,
    field: str,
    *,
    required: ErrorCode,
    too_long: ErrorCode,
    invalid: ErrorCode,
    allow_empty: bool = False,
) -> SanitizedBody:
    """At most 100 KB as sent; sanitised (allowlist); empty only when `allow_empty`."""
    if raw is None or not raw.strip():
        if allow_empty:
            return SanitizedBody(html="", text="")
        raise ValidationFailed.one(field, "Write some text first.", required)
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise ValidationFailed.one(field, f"At most {MAX_BODY_BYTES // 1024} KB of HTML.", too_long)
    body = sanitize_body(raw)
    if body.is_empty and not allow_empty:
        raise ValidationFailed.one(
            field,
            "Nothing is left of this text once unsafe markup is removed: write some text.",
            invalid,
        )
    return body
