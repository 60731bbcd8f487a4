"""Per-request DataLoaders, one attribute per `<Entity>By<Key>` loader, built lazily."""

from __future__ import annotations

import uuid
from functools import cached_property

from strawberry.dataloader import DataLoader

from dataloaders.accounts import load_users_by_id
from dataloaders.customers import (
    load_customers_by_id,
    load_emails_by_customer_id,
    load_phones_by_customer_id,
)
from db.engine import Database
from db.models import Customer, CustomerEmail, CustomerPhone, User

__all__ = ["Loaders"]


class Loaders:
    """Created in `get_context` for every request: a shared loader would leak across users."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @cached_property
    def user_by_id(self) -> DataLoader[uuid.UUID, User | None]:
        return DataLoader(lambda keys: load_users_by_id(self.db, keys))

    @cached_property
    def customer_by_id(self) -> DataLoader[uuid.UUID, Customer | None]:
        return DataLoader(lambda keys: load_customers_by_id(self.db, keys))

    @cached_property
    def emails_by_customer_id(self) -> DataLoader[uuid.UUID, list[CustomerEmail]]:
        return DataLoader(lambda keys: load_emails_by_customer_id(self.db, keys))

    @cached_property
    def phones_by_customer_id(self) -> DataLoader[uuid.UUID, list[CustomerPhone]]:
        return DataLoader(lambda keys: load_phones_by_customer_id(self.db, keys))
