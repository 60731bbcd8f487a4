"""Customer use cases: create, update, soft delete / restore, and scoped reads."""

from __future__ import annotations

from resolvers.customers.create import create_customer
from resolvers.customers.criteria import CustomerListFilter, filter_from_json, filter_to_json
from resolvers.customers.delete import delete_customer, restore_customer
from resolvers.customers.queries import (
    get_customer,
    list_customers,
    visible_customers,
)
from resolvers.customers.update import update_customer
from resolvers.customers.validation import KEEP, CustomerDraft, Keep

__all__ = [
    "KEEP",
    "CustomerDraft",
    "CustomerListFilter",
    "Keep",
    "create_customer",
    "delete_customer",
    "filter_from_json",
    "filter_to_json",
    "get_customer",
    "list_customers",
    "restore_customer",
    "update_customer",
    "visible_customers",
]
