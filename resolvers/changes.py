"""Entity change events: one channel that `changes` and `customerEvents` subscriptions read.

Every create/update/delete of a customer-360 entity (customers, organizations,
interactions, customer notes, users, teams, knowledge-base articles) calls
`record_change` inside its mutation transaction; the event is published only after the
commit. Subscribers re-load the node through the authorisation policy, so the event
carries ids, never field values.
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from resolvers.audit import MutationTx
from resolvers.events import publish_payload

__all__ = ["CHANGES_CHANNEL", "ChangeKind", "change_payload", "record_change"]

CHANGES_CHANNEL = "changes"


class ChangeKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"


def change_payload(
    entity: str,
    entity_id: uuid.UUID,
    kind: ChangeKind | str,
    *,
    customer_id: uuid.UUID | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """`entity` is the GraphQL type name ("Interaction"); `customer_id` the customer the
    change belongs to (drives `customerEvents` and a customer's own `changes`); `public`
    whether that customer may see the item at all (a logged interaction marked internal,
    a staff note: no)."""
    return {
        "type": f"change.{ChangeKind(kind).value}",
        "entity": entity,
        "id": str(entity_id),
        "kind": ChangeKind(kind).value,
        "customer_id": str(customer_id) if customer_id is not None else None,
        "public": public,
        "occurred_at": datetime.now(UTC).isoformat(),
    }


def record_change(
    tx: MutationTx,
    entity: str,
    entity_id: uuid.UUID,
    kind: ChangeKind | str,
    *,
    customer_id: uuid.UUID | None = None,
    public: bool = False,
) -> None:
    """Publish the change on `CHANGES_CHANNEL` once `tx` has committed (never on rollback)."""
    payload = change_payload(entity, entity_id, kind, customer_id=customer_id, public=public)
    tx.after_commit(publish_payload, tx.ctx, CHANGES_CHANNEL, payload)
