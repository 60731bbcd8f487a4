"""createCustomer: agents and admins add a customer record with its contacts."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from db.base import utcnow
from db.models import Customer
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.customer_notes import write_legacy_notes
from resolvers.customers.records import (
    OBJECT_TYPE,
    email_conflict,
    ensure_emails_free,
    refresh_loaders,
    replace_contacts,
    require_editor,
    snapshot,
)
from resolvers.customers.validation import CustomerDraft, validate_draft

__all__ = ["create_customer"]


async def create_customer(tx: MutationTx, draft: CustomerDraft) -> Customer:
    ctx = tx.ctx
    require_editor(ctx)
    clean = validate_draft(draft, phone_region=ctx.settings.default_phone_region)
    emails = clean.emails or []
    try:
        await ensure_emails_free(tx.session, emails, None)
        now = utcnow()
        row = Customer(
            **{"company": None, "tags": [], "custom_fields": {}, **clean.columns},
            created_at=now,
            updated_at=now,
        )
        tx.session.add(row)
        await tx.session.flush()
        new_emails, new_phones = await replace_contacts(
            tx.session, row.id, emails=emails, phones=clean.phones or [], existing=False
        )
        assert new_emails is not None
        assert new_phones is not None
        tx.audit(OBJECT_TYPE, row.id, diff({}, snapshot(row, new_emails, new_phones)))
        if clean.notes:
            await write_legacy_notes(tx, row.id, clean.notes)
        await tx.session.flush()  # a clash on an address surfaces here, not at commit
    except IntegrityError as exc:
        conflict = email_conflict(exc, emails)
        if conflict is None:
            raise
        raise conflict from exc
    record_change(tx, OBJECT_TYPE, row.id, ChangeKind.CREATED, customer_id=row.id, public=True)
    tx.after_commit(refresh_loaders, ctx, row, new_emails, new_phones)
    return row
