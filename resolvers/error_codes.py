"""Error codes, one enum per domain (after Saleor's `<domain>/error_codes.py`).

Use cases raise `ValidationFailed` with a member of these, never a bare string, and schema/
shows each mutation's errors with its domain's enum. Every domain enum holds the shared codes
(`SHARED`), because shared helpers (ID decoding, lookups, text checks) raise them for every
domain; a domain adds the codes only its own use cases raise. Values are lowercase and stable.
"""

from __future__ import annotations

import enum

__all__ = [
    "SHARED",
    "AccountErrorCode",
    "AiErrorCode",
    "AiSuggestionErrorCode",
    "ApiKeyErrorCode",
    "AttachmentErrorCode",
    "CommonErrorCode",
    "CustomerErrorCode",
    "CustomerNoteErrorCode",
    "ErrorCode",
    "FeedbackErrorCode",
    "InteractionErrorCode",
    "JobErrorCode",
    "KbErrorCode",
    "MessageErrorCode",
    "NotificationErrorCode",
    "OrganizationErrorCode",
    "SegmentErrorCode",
    "TeamErrorCode",
    "TicketErrorCode",
]


class ErrorCode(enum.StrEnum):
    """The base of every domain's codes (no members of its own)."""


class CommonErrorCode(ErrorCode):
    """Raised by helpers every domain uses (an ID that does not decode or exist) and by
    queries; a mutation reports them under its own domain's enum."""

    INVALID = "invalid"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"


class AccountErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    INVALID_EMAIL = "invalid_email"
    INVALID_CREDENTIALS = "invalid_credentials"
    EMAIL_NOT_VERIFIED = "email_not_verified"
    INVALID_TOKEN = "invalid_token"
    WEAK_PASSWORD = "weak_password"
    RATE_LIMITED = "rate_limited"


class AiErrorCode(ErrorCode):
    """AI administration and quality: quotas, draft comparisons."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    # compareDrafts names a provider AI_PROVIDERS does not configure.
    UNKNOWN_PROVIDER = "unknown_provider"


class ApiKeyErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class AttachmentErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    TOO_LARGE = "too_large"
    EMPTY_FILE = "empty_file"
    UNSUPPORTED_TYPE = "unsupported_type"


class CustomerErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    TOO_SHORT = "too_short"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"


class CustomerNoteErrorCode(ErrorCode):
    """Staff notes on a customer."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class InteractionErrorCode(ErrorCode):
    """Calls, meetings, e-mails, chats and visits logged on a customer."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class FeedbackErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class MessageErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class NotificationErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class JobErrorCode(ErrorCode):
    """Background jobs: cancel and retry."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class KbErrorCode(ErrorCode):
    """Knowledge base: articles, their review workflow, versions and document imports."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    # The draft was based on a version that is no longer the latest: reload and merge.
    STALE_VERSION = "stale_version"
    TOO_LARGE = "too_large"
    EMPTY_FILE = "empty_file"
    UNSUPPORTED_TYPE = "unsupported_type"
    # Damaged, encrypted, or without a text layer.
    UNREADABLE_FILE = "unreadable_file"


class OrganizationErrorCode(ErrorCode):
    """Organizations and a customer's membership of one."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    TOO_SHORT = "too_short"
    INVALID_DOMAIN = "invalid_domain"
    FREE_MAIL_DOMAIN = "free_mail_domain"


class SegmentErrorCode(ErrorCode):
    """Saved customer segments."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    TOO_SHORT = "too_short"


class ToolErrorCode(ErrorCode):
    """External tools: registration, connections, runs and their approval."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    # The manifest is not valid (schema, egress allowlist, timeout, name).
    INVALID_MANIFEST = "invalid_manifest"
    # The input does not match the tool's input schema.
    INVALID_INPUT = "invalid_input"
    DISABLED = "disabled"
    # The requester of a changing run cannot approve it themselves.
    SELF_APPROVAL = "self_approval"
    # The tool's OAuth2 connection needs an admin to (re)connect it.
    NOT_CONNECTED = "not_connected"
    # The manifest's rate_limit is used up: try again later.
    RATE_LIMITED = "rate_limited"


class TeamErrorCode(ErrorCode):
    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class TicketErrorCode(ErrorCode):
    """Tickets, their assignment, merges, bulk changes and SLA policies."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"


class AiSuggestionErrorCode(ErrorCode):
    """AI reply drafts: requesting, editing, accepting, rejecting, rating; auto-reply."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_FOUND = "not_found"
    INVALID_ID = "invalid_id"
    UNIQUE = "unique"
    FORBIDDEN = "forbidden"
    INVALID_STATE = "invalid_state"
    # The edit or acceptance names a version that is no longer the current one.
    STALE = "stale"
    # The suggestion failed validation: it can be read, never sent.
    INVALID_SUGGESTION = "invalid_suggestion"
    # No such pipeline version, or no such provider configured.
    UNKNOWN_PIPELINE = "unknown_pipeline"
    UNKNOWN_PROVIDER = "unknown_provider"
    # The ticket is closed or merged: no reply can be drafted or sent.
    TICKET_CLOSED = "ticket_closed"


# In every domain enum: what shared helpers raise for any domain.
SHARED = frozenset(
    {"invalid", "required", "too_long", "not_found", "invalid_id", "unique", "forbidden"}
    | {"invalid_state"}
)
