"""updateCustomer: a partial change (only given fields; e-mail and phone lists replace).

Staff editors change anything; a customer changes only the name and phones of their own
record, and asking for more is refused as a whole rather than half applied.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from auth import policy
from db.base import utcnow
from db.models import Customer
from resolvers.audit import MutationTx, diff
from resolvers.changes import ChangeKind, record_change
from resolvers.customer_notes import write_legacy_notes
from resolvers.customers.records import (
    OBJECT_TYPE,
    current_contacts,
    email_conflict,
    ensure_emails_free,
    load_for_change,
    refresh_loaders,
    replace_contacts,
    snapshot,
)
from resolvers.customers.validation import CustomerDraft, validate_draft
from resolvers.errors import Forbidden

__all__ = ["CUSTOMER_EDITABLE", "update_customer"]

CUSTOMER_EDITABLE = policy.CUSTOMER_EDITABLE_CUSTOMER_FIELDS


async def update_customer(tx: MutationTx, customer_id: uuid.UUID, draft: CustomerDraft) -> Customer:
    ctx = tx.ctx
    principal = ctx.require_principal()
    if policy.is_reviewer(principal):
        raise Forbidden("Reviewers may read customers but not change them.")
    if not policy.may_edit_customer(principal, frozenset(draft.given())):
        refused = [name for name in draft.given() if name not in CUSTOMER_EDITABLE]
        if refused:
            raise Forbidden(
                "Customers may change only their name and phones, not: " + ", ".join(refused) + "."
            )
    clean = validate_draft(draft, phone_region=ctx.settings.default_phone_region)
    emails = clean.emails or []
    try:
        row = await load_for_change(tx.session, principal, customer_id)
        old_emails, old_phones = await current_contacts(tx.session, row.id)
        before = snapshot(row, old_emails, old_phones)
        if clean.emails is not None and clean.emails == [e.email for e in old_emails]:
            clean.emails = None
        if clean.phones is not None and [p.e164 for p in clean.phones] == [
            p.phone for p in old_phones
        ]:
            clean.phones = None
        await ensure_emails_free(tx.session, clean.emails or [], row.id)
        for column, value in clean.columns.items():
            setattr(row, column, value)
        new_emails, new_phones = await replace_contacts(
            tx.session, row.id, emails=clean.emails, phones=clean.phones
        )
        emails_now = old_emails if new_emails is None else new_emails
        phones_now = old_phones if new_phones is None else new_phones
        after = snapshot(row, emails_now, phones_now)
        changes = diff(before, after)
        if changes:
            row.updated_at = utcnow()
        tx.audit(OBJECT_TYPE, row.id, changes)
        if clean.notes is not None:
            await write_legacy_notes(tx, row.id, clean.notes)
        await tx.session.flush()  # a clash on an address surfaces here, not at commit
    except IntegrityError as exc:
        conflict = email_conflict(exc, emails)
        if conflict is None:
            raise
        raise conflict from exc
    if changes:
        record_change(tx, OBJECT_TYPE, row.id, ChangeKind.UPDATED, customer_id=row.id, public=True)
    tx.after_commit(refresh_loaders, ctx, row, emails_now, phones_now)
    return row
