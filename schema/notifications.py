"""Notification preferences: `viewer { notificationPreferences }` and the mutation that
switches e-mail notifications on or off (resolvers/notifications.py sends them)."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry

from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.notifications import (
    NotificationKind,
    notification_preferences,
    update_notification_preferences,
)
from schema.errors import NotificationError
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAuthenticated

__all__ = [
    "NOTIFICATION_PREFERENCES_FIELD",
    "NotificationPreferences",
    "NotificationsMutation",
]


@strawberry.type(description="Which e-mail notifications a user receives (all on by default).")
class NotificationPreferences:
    ticket_reply: bool = strawberry.field(
        description="Customers: staff replied publicly on one of your tickets."
    )
    ticket_solved: bool = strawberry.field(
        description="Customers: one of your tickets was marked solved."
    )
    ticket_assigned: bool = strawberry.field(
        description="Staff: a ticket was assigned to you (by someone else or by round-robin)."
    )
    customer_reply: bool = strawberry.field(
        description="Staff: the customer replied on a ticket assigned to you."
    )

    @classmethod
    def from_values(cls, values: dict[str, bool]) -> NotificationPreferences:
        return cls(**{kind.value: values[kind.value] for kind in NotificationKind})


async def viewer_notification_preferences(
    root: Any, info: strawberry.Info[RequestContext]
) -> NotificationPreferences | None:
    """Only for yourself: another user's preferences read as null."""
    principal = info.context.principal
    if principal is None or principal.user_id is None or str(root.id) != str(principal.user_id):
        return None
    row = await info.context.loaders.user_by_id.load(uuid.UUID(str(root.id)))
    if row is None:
        return None
    return NotificationPreferences.from_values(notification_preferences(row.preferences))


# The field schema/accounts.py puts on User.
NOTIFICATION_PREFERENCES_FIELD = strawberry.field(
    resolver=viewer_notification_preferences,
    description="Which e-mail notifications you receive (null on anyone but yourself).",
)


@strawberry.input(description="Switch e-mail notifications on (true) or off (false).")
class UpdateNotificationPreferencesInput:
    ticket_reply: bool | None = strawberry.field(
        default=None, description="Customers: staff replied publicly; left out = unchanged."
    )
    ticket_solved: bool | None = strawberry.field(
        default=None, description="Customers: a ticket was solved; left out = unchanged."
    )
    ticket_assigned: bool | None = strawberry.field(
        default=None, description="Staff: a ticket was assigned to you; left out = unchanged."
    )
    customer_reply: bool | None = strawberry.field(
        default=None,
        description="Staff: the customer replied on your ticket; left out = unchanged.",
    )


@strawberry.type(description="The result of updateNotificationPreferences.")
class UpdateNotificationPreferencesPayload(MutationPayload[NotificationError]):
    notification_preferences: NotificationPreferences | None = strawberry.field(
        default=None, description="Your preferences as they are now."
    )


@strawberry.type
class NotificationsMutation:
    @mutation(
        description="Turn kinds of e-mail notification on or off for yourself; kinds left "
        "out keep their setting.",
        permission_classes=[IsAuthenticated],
    )
    async def update_notification_preferences(
        tx: MutationTx, input: UpdateNotificationPreferencesInput
    ) -> UpdateNotificationPreferencesPayload:
        changes = {
            kind: value
            for kind in NotificationKind
            if (value := getattr(input, kind.value)) is not None
        }

        values = await update_notification_preferences(tx, changes)
        return UpdateNotificationPreferencesPayload(
            notification_preferences=NotificationPreferences.from_values(values)
        )
