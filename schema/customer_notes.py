"""Staff notes on a customer: the CustomerNote type, Customer.customerNotes and the
addCustomerNote / updateCustomerNote / pinCustomerNote / deleteCustomerNote mutations.
Staff only: a customer never learns that a note exists."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from db.models import CustomerNote as NoteRow
from db.models import CustomerNoteRevision as RevisionRow
from db.pagination import PageRequest
from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.customer_notes import (
    add_customer_note,
    customer_notes_page,
    delete_customer_note,
    pin_customer_note,
    update_customer_note,
    visible_customer_notes,
)
from schema.accounts import User, visible_user
from schema.connections import connection_from_page, selected_paths
from schema.errors import CustomerNoteError
from schema.ids import decode_id, uuid_or_none
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsStaff

if TYPE_CHECKING:
    from schema.customers import Customer

__all__ = [
    "CUSTOMER_NOTES_FIELD",
    "CustomerNote",
    "CustomerNoteConnection",
    "CustomerNotesMutation",
]


@strawberry.type(description="A note's body and pin as they were before an edit.")
class CustomerNoteRevision:
    body_html: str = strawberry.field(
        description="The earlier body. Sanitised HTML (allowlist), safe to render."
    )
    pinned: bool = strawberry.field(description="Whether it was pinned.")
    replaced_at: datetime = strawberry.field(description="When the edit replaced it.")
    editor_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Who made the edit.")
    async def edited_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.editor_id)

    @classmethod
    def from_row(cls, row: RevisionRow) -> CustomerNoteRevision:
        return cls(
            body_html=row.body_html,
            pinned=row.pinned,
            replaced_at=row.created_at,
            editor_id=row.editor_id,
        )


@strawberry.type(description="A staff note on a customer (never visible to the customer).")
class CustomerNote(relay.Node):
    id: relay.NodeID[str]
    body_html: str = strawberry.field(
        description="The note. Sanitised HTML (allowlist), safe to render as is."
    )
    body_text: str = strawberry.field(
        description="The note as plain text. Plain text: escape before rendering as HTML."
    )
    pinned: bool = strawberry.field(description="Pinned notes are shown first.")
    created_at: datetime = strawberry.field(description="When it was written.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    row: strawberry.Private[NoteRow]

    @classmethod
    def from_row(cls, row: NoteRow) -> CustomerNote:
        return cls(
            id=str(row.id),
            body_html=row.body_html,
            body_text=row.body_text,
            pinned=row.pinned,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls,
        *,
        info: strawberry.Info[RequestContext],
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Any]:
        rows = await visible_customer_notes(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]

    @strawberry.field(
        description="Who wrote it; null for notes carried over from the old notes field."
    )
    async def author(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.row.author_id)

    @strawberry.field(description="The customer the note is about.")
    async def customer(
        self, info: strawberry.Info[RequestContext]
    ) -> Annotated[Customer, strawberry.lazy("schema.customers")] | None:
        from schema.customers import Customer

        row = await info.context.loaders.customer_by_id.load(self.row.customer_id)
        return Customer.from_row(row) if row is not None else None

    @strawberry.field(description="Earlier bodies and pins, oldest first.")
    async def revisions(self, info: strawberry.Info[RequestContext]) -> list[CustomerNoteRevision]:
        rows = await info.context.loaders.revisions_by_note_id.load(self.row.id)
        return [CustomerNoteRevision.from_row(row) for row in rows]


@strawberry.type(description="A page of a customer's notes.")
class CustomerNoteConnection(relay.Connection[CustomerNote]):
    total_count: int = strawberry.field(description="Notes matching the filter.")


async def customer_notes(
    root: Any,
    info: strawberry.Info[RequestContext],
    pinned: bool | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> CustomerNoteConnection | None:
    page = await customer_notes_page(
        info.context,
        uuid.UUID(str(root.id)),
        PageRequest(first=first, after=after, last=last, before=before),
        pinned=pinned,
        count="totalCount" in selected_paths(info, depth=1),
    )
    return connection_from_page(CustomerNoteConnection, page, CustomerNote.from_row)


CUSTOMER_NOTES_FIELD = strawberry.field(
    resolver=customer_notes,
    description="Staff notes on this customer, newest first; `pinned: true` for the pinned "
    "ones only. Staff only.",
    permission_classes=[IsStaff],
)


# --- mutations ---------------------------------------------------------------------------


@strawberry.input(description="A note on a customer.")
class AddCustomerNoteInput:
    customer_id: strawberry.ID = strawberry.field(description="The customer.")
    body_html: str = strawberry.field(description="HTML of at most 100 KB; sanitised.")
    pinned: bool = strawberry.field(default=False, description="Show it first (agents and admins).")


@strawberry.input(description="A new body for a note.")
class UpdateCustomerNoteInput:
    id: strawberry.ID = strawberry.field(description="The note.")
    body_html: str = strawberry.field(description="HTML of at most 100 KB; sanitised.")


@strawberry.input(description="Pin or unpin a note.")
class PinCustomerNoteInput:
    id: strawberry.ID = strawberry.field(description="The note.")
    pinned: bool = strawberry.field(default=True, description="false unpins it.")


@strawberry.input(description="The note to delete.")
class DeleteCustomerNoteInput:
    id: strawberry.ID = strawberry.field(description="The note.")


@strawberry.type(description="Result of a customer-note mutation.")
class CustomerNotePayload(MutationPayload[CustomerNoteError]):
    note: CustomerNote | None = strawberry.field(default=None, description="The note.")


@strawberry.type(description="Result of deleteCustomerNote.")
class DeleteCustomerNotePayload(MutationPayload[CustomerNoteError]):
    deleted_note_id: strawberry.ID | None = strawberry.field(
        default=None, description="The ID of the deleted note."
    )


def _note_id(value: strawberry.ID) -> uuid.UUID:
    return decode_id(value, "CustomerNote", "id")


@strawberry.type
class CustomerNotesMutation:
    @mutation(
        description="Write a note on a customer (staff; pinning: agents and admins).",
        permission_classes=[IsStaff],
    )
    async def add_customer_note(tx: MutationTx, input: AddCustomerNoteInput) -> CustomerNotePayload:
        row = await add_customer_note(
            tx,
            customer_id=decode_id(input.customer_id, "Customer", "customerId"),
            body_html=input.body_html,
            pinned=input.pinned,
        )
        return CustomerNotePayload(note=CustomerNote.from_row(row))

    @mutation(
        description="Change a note (its author or an admin); the previous body is kept as "
        "a revision.",
        permission_classes=[IsStaff],
    )
    async def update_customer_note(
        tx: MutationTx, input: UpdateCustomerNoteInput
    ) -> CustomerNotePayload:
        row = await update_customer_note(tx, note_id=_note_id(input.id), body_html=input.body_html)
        return CustomerNotePayload(note=CustomerNote.from_row(row))

    @mutation(
        description="Pin or unpin a note (agents and admins); kept as a revision.",
        permission_classes=[IsStaff],
    )
    async def pin_customer_note(tx: MutationTx, input: PinCustomerNoteInput) -> CustomerNotePayload:
        row = await pin_customer_note(tx, note_id=_note_id(input.id), pinned=input.pinned)
        return CustomerNotePayload(note=CustomerNote.from_row(row))

    @mutation(
        description="Delete a note (its author or an admin; soft: kept for the audit trail).",
        permission_classes=[IsStaff],
    )
    async def delete_customer_note(
        tx: MutationTx, input: DeleteCustomerNoteInput
    ) -> DeleteCustomerNotePayload:
        row = await delete_customer_note(tx, note_id=_note_id(input.id))
        return DeleteCustomerNotePayload(
            deleted_note_id=strawberry.ID(relay.to_base64("CustomerNote", row.id))
        )
