"""UserError and its per-domain types, each with its domain's error-code enum.

A mutation's payload lists `errors` of its domain's type (`TeamError` with a `TeamErrorCode`
code, …): integrators get one typed enum per domain, and every type implements the
`UserError` interface, so a client can handle any mutation's errors with one fragment.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Iterable
from typing import TypeVar

import strawberry

from resolvers.error_codes import (
    AccountErrorCode,
    AiErrorCode,
    AiSuggestionErrorCode,
    ApiKeyErrorCode,
    AttachmentErrorCode,
    CustomerErrorCode,
    CustomerNoteErrorCode,
    ErrorCode,
    FeedbackErrorCode,
    InteractionErrorCode,
    JobErrorCode,
    KbErrorCode,
    MessageErrorCode,
    NotificationErrorCode,
    OrganizationErrorCode,
    SegmentErrorCode,
    TeamErrorCode,
    TicketErrorCode,
    ToolErrorCode,
)
from resolvers.errors import FieldProblem

__all__ = [
    "AccountError",
    "AiError",
    "AiSuggestionError",
    "ApiKeyError",
    "AttachmentError",
    "CustomerError",
    "CustomerNoteError",
    "FeedbackError",
    "InteractionError",
    "JobError",
    "KbError",
    "MessageError",
    "NotificationError",
    "OrganizationError",
    "SegmentError",
    "TeamError",
    "TicketError",
    "ToolError",
    "UserError",
    "user_errors",
]

_log = logging.getLogger("autocrm.mutations")

_CODES = "Why a piece of input was refused, for {what}."
strawberry.enum(AccountErrorCode, description=_CODES.format(what="accounts and sessions"))
strawberry.enum(AiErrorCode, description=_CODES.format(what="AI administration"))
strawberry.enum(AiSuggestionErrorCode, description=_CODES.format(what="AI reply drafts"))
strawberry.enum(ApiKeyErrorCode, description=_CODES.format(what="API keys"))
strawberry.enum(AttachmentErrorCode, description=_CODES.format(what="attachments"))
strawberry.enum(CustomerErrorCode, description=_CODES.format(what="customers"))
strawberry.enum(CustomerNoteErrorCode, description=_CODES.format(what="customer notes"))
strawberry.enum(InteractionErrorCode, description=_CODES.format(what="logged interactions"))
strawberry.enum(FeedbackErrorCode, description=_CODES.format(what="feedback"))
strawberry.enum(MessageErrorCode, description=_CODES.format(what="messages"))
strawberry.enum(NotificationErrorCode, description=_CODES.format(what="notification settings"))
strawberry.enum(JobErrorCode, description=_CODES.format(what="background jobs"))
strawberry.enum(KbErrorCode, description=_CODES.format(what="the knowledge base"))
strawberry.enum(OrganizationErrorCode, description=_CODES.format(what="organizations"))
strawberry.enum(SegmentErrorCode, description=_CODES.format(what="customer segments"))
strawberry.enum(ToolErrorCode, description=_CODES.format(what="external tools"))
strawberry.enum(TeamErrorCode, description=_CODES.format(what="teams"))
strawberry.enum(TicketErrorCode, description=_CODES.format(what="tickets and SLA policies"))

_CODE = "A stable code for programs to branch on."


@strawberry.interface(description="A problem with the input of a mutation; nothing was written.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase path), or null for the whole input."
        " Plain text: escape before rendering as HTML."
    )
    message: str = strawberry.field(
        description="What is wrong and what to do about it."
        " Plain text: escape before rendering as HTML."
    )


@strawberry.type(description="A problem with the input of an account or session mutation.")
class AccountError(UserError):
    code: AccountErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of an AI administration mutation.")
class AiError(UserError):
    code: AiErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of an API-key mutation.")
class ApiKeyError(UserError):
    code: ApiKeyErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with an upload or an attachment mutation.")
class AttachmentError(UserError):
    code: AttachmentErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a customer mutation.")
class CustomerError(UserError):
    code: CustomerErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a customer-note mutation.")
class CustomerNoteError(UserError):
    code: CustomerNoteErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of an interaction mutation.")
class InteractionError(UserError):
    code: InteractionErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a feedback mutation.")
class FeedbackError(UserError):
    code: FeedbackErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a message mutation.")
class MessageError(UserError):
    code: MessageErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a notification-settings mutation.")
class NotificationError(UserError):
    code: NotificationErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a job mutation (cancel, retry).")
class JobError(UserError):
    code: JobErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a knowledge-base mutation.")
class KbError(UserError):
    code: KbErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of an organization mutation.")
class OrganizationError(UserError):
    code: OrganizationErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a segment mutation.")
class SegmentError(UserError):
    code: SegmentErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of an AI reply draft mutation.")
class AiSuggestionError(UserError):
    code: AiSuggestionErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a tool mutation.")
class ToolError(UserError):
    code: ToolErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a team mutation.")
class TeamError(UserError):
    code: TeamErrorCode = strawberry.field(description=_CODE)


@strawberry.type(description="A problem with the input of a ticket or SLA-policy mutation.")
class TicketError(UserError):
    code: TicketErrorCode = strawberry.field(description=_CODE)


E = TypeVar("E", bound=UserError)


_CODE_ENUMS: dict[type[UserError], type[ErrorCode]] = {}


def _code_enum(error_type: type[UserError]) -> type[ErrorCode]:
    if error_type not in _CODE_ENUMS:
        _CODE_ENUMS[error_type] = typing.get_type_hints(error_type)["code"]
    return _CODE_ENUMS[error_type]


def user_errors(error_type: type[E], problems: Iterable[FieldProblem]) -> list[E]:
    """The problems as `error_type`s, their codes in its domain's enum (by value).

    A code missing from that enum is a bug in the enum (every enum holds the shared codes);
    it is logged and shown as `invalid` rather than failing the whole request.
    """
    codes = _code_enum(error_type)
    errors: list[E] = []
    for problem in problems:
        try:
            code = codes(problem.code.value)
        except ValueError:
            _log.error("error code %r is missing from %s", problem.code, codes.__name__)
            code = codes("invalid")
        errors.append(error_type(field=problem.field, message=problem.message, code=code))  # type: ignore[call-arg]
    return errors
