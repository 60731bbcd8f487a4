"""The one mutation pipeline (after Saleor's BaseMutation): every root mutation is declared
with `@mutation`, and nothing else turns a use case into a GraphQL mutation.

A declaration is a body `async def create_team(tx: MutationTx, input: CreateTeamInput) ->
TeamPayload` that calls the use case with the transaction and builds the payload. The base
adds the rest: the payload's `errors` (from `MutationPayload`), the audited transaction named
after the field ("createTeam"), `ValidationFailed` turned into `errors` in this one place
(nothing written), and the post-commit hooks the use case registered (`tx.after_commit`).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.permission import BasePermission
from strawberry.utils.str_converters import to_camel_case

from resolvers.audit import mutation_tx
from resolvers.context import RequestContext
from resolvers.errors import ValidationFailed
from schema.errors import UserError, user_errors

__all__ = ["MUTATION_ACTION", "MutationPayload", "mutation"]

# The attribute `@mutation` sets on the resolvers it builds: the audited action's name.
MUTATION_ACTION = "__autocrm_mutation_action__"


E = TypeVar("E", bound=UserError)


@strawberry.type(description="What every mutation answers with, besides its own fields.")
class MutationPayload(Generic[E]):
    """Subclass it with the domain's error type: `class TeamPayload(MutationPayload[TeamError])`."""

    errors: list[E] = strawberry.field(
        default_factory=list, description="Why nothing changed (empty on success)."
    )


PayloadT = TypeVar("PayloadT", bound=MutationPayload[Any])
Body = Callable[..., Awaitable[PayloadT]]


def mutation(
    *,
    description: str,
    permission_classes: Sequence[type[BasePermission]] = (),
) -> Callable[[Body[PayloadT]], Any]:
    """Declare a root mutation; the body's name is the field's (snake_case) and the action's."""

    def build(body: Body[PayloadT]) -> Any:
        action = to_camel_case(body.__name__)
        tx_param, *params = inspect.signature(body).parameters.values()
        if tx_param.name != "tx":
            raise TypeError(f"{body.__qualname__}: the first parameter must be `tx: MutationTx`")

        @cache
        def payload_type() -> type[PayloadT]:
            hint: type[PayloadT] = typing.get_type_hints(body)["return"]
            return hint

        @cache
        def error_type() -> type[UserError]:
            return _error_type(payload_type())

        async def resolve(info: strawberry.Info[RequestContext], **arguments: Any) -> PayloadT:
            try:
                async with mutation_tx(info.context, action) as tx:
                    return await body(tx, **arguments)
            except ValidationFailed as exc:
                return payload_type()(errors=user_errors(error_type(), exc.problems))

        # Strawberry reads the arguments from this signature; the body's string annotations
        # resolve in the body's module, which is why the resolver claims to live there.
        info = inspect.Parameter(
            "info",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=strawberry.Info[RequestContext],
        )
        keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]
        resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [info, *keyword], return_annotation=inspect.signature(body).return_annotation
        )
        resolve.__module__ = body.__module__
        resolve.__name__ = resolve.__qualname__ = body.__name__
        resolve.__doc__ = body.__doc__
        setattr(resolve, MUTATION_ACTION, action)
        return strawberry.mutation(
            resolver=resolve, description=description, permission_classes=list(permission_classes)
        )

    return build


def _error_type(payload: type[MutationPayload[Any]]) -> type[UserError]:
    """E of the `MutationPayload[E]` the payload type derives from."""
    for klass in payload.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            if typing.get_origin(base) is MutationPayload:
                (error,) = typing.get_args(base)
                if isinstance(error, type) and issubclass(error, UserError):
                    return error
    raise TypeError(f"{payload.__name__} must derive from MutationPayload[<Domain>Error]")
