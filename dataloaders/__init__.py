"""Per-request DataLoaders, one attribute per `<Entity>By<Key>` loader, built lazily."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from dataloaders.accounts import (
    load_api_keys_by_id,
    load_auth_sessions_by_id,
    load_users_by_id,
)
from dataloaders.ai_suggestions import (
    load_ai_suggestion_versions_by_suggestion_id,
    load_ai_suggestions_by_id,
    load_ai_suggestions_by_ticket_id,
)
from dataloaders.attachments import load_attachments_by_id, load_attachments_by_message_id
from dataloaders.customers import (
    load_customers_by_id,
    load_emails_by_customer_id,
    load_phones_by_customer_id,
)
from dataloaders.engagement import (
    load_attachments_by_interaction_id,
    load_audit_entries_by_id,
    load_customer_notes_by_id,
    load_first_note_by_customer_id,
    load_interactions_by_id,
    load_note_revisions_by_note_id,
    load_participants_by_interaction_id,
    load_revisions_by_interaction_id,
)
from dataloaders.kb import (
    ArticleStats,
    load_article_stats,
    load_article_versions_by_id,
    load_articles_by_id,
    load_own_votes,
    load_versions_by_article_id,
)
from dataloaders.messages import (
    load_feedback_by_id,
    load_feedback_by_ticket_id,
    load_last_message_by_ticket_id,
    load_messages_by_id,
    load_revisions_by_message_id,
)
from dataloaders.organizations import (
    FirstPage,
    PageIds,
    load_member_counts,
    load_member_pages,
    load_organizations_by_domain,
    load_organizations_by_id,
    load_segments_by_id,
    load_ticket_counts,
    load_ticket_pages,
)
from dataloaders.tickets import (
    load_followers_by_ticket_id,
    load_members_by_team_id,
    load_teams_by_id,
    load_tickets_by_id,
)
from dataloaders.triage import load_triage_by_ticket_id
from db.engine import Database
from db.models import (
    AiSuggestion,
    AiSuggestionVersion,
    ApiKey,
    Article,
    ArticleVersion,
    Attachment,
    AuditEntry,
    AuthSession,
    Customer,
    CustomerEmail,
    CustomerNote,
    CustomerNoteRevision,
    CustomerPhone,
    CustomerSegment,
    Interaction,
    InteractionParticipant,
    InteractionRevision,
    Organization,
    Team,
    TeamMember,
    Ticket,
    TicketFeedback,
    TicketFollower,
    TicketMessage,
    TicketMessageRevision,
    TicketTriage,
    User,
)

__all__ = ["Loaders", "now_or_later"]

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


class Loaders:
    """Created in `get_context` for every request: a shared loader would leak across users."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @cached_property
    def user_by_id(self) -> DataLoader[uuid.UUID, User | None]:
        return DataLoader(lambda keys: load_users_by_id(self.db, keys))

    @cached_property
    def api_key_by_id(self) -> DataLoader[uuid.UUID, ApiKey | None]:
        return DataLoader(lambda keys: load_api_keys_by_id(self.db, keys))

    @cached_property
    def auth_session_by_id(self) -> DataLoader[uuid.UUID, AuthSession | None]:
        return DataLoader(lambda keys: load_auth_sessions_by_id(self.db, keys))

    @cached_property
    def customer_by_id(self) -> DataLoader[uuid.UUID, Customer | None]:
        return DataLoader(lambda keys: load_customers_by_id(self.db, keys))

    @cached_property
    def emails_by_customer_id(self) -> DataLoader[uuid.UUID, list[CustomerEmail]]:
        return DataLoader(lambda keys: load_emails_by_customer_id(self.db, keys))

    @cached_property
    def phones_by_customer_id(self) -> DataLoader[uuid.UUID, list[CustomerPhone]]:
        return DataLoader(lambda keys: load_phones_by_customer_id(self.db, keys))

    @cached_property
    def organization_by_id(self) -> DataLoader[uuid.UUID, Organization | None]:
        return DataLoader(lambda keys: load_organizations_by_id(self.db, keys))

    @cached_property
    def organization_by_domain(self) -> DataLoader[str, Organization | None]:
        return DataLoader(lambda keys: load_organizations_by_domain(self.db, keys))

    @cached_property
    def segment_by_id(self) -> DataLoader[uuid.UUID, CustomerSegment | None]:
        return DataLoader(lambda keys: load_segments_by_id(self.db, keys))

    @cached_property
    def member_page_by_organization(self) -> DataLoader[FirstPage, PageIds]:
        """First pages of organizations' customers (ids), one statement per order."""
        return DataLoader(lambda keys: load_member_pages(self.db, keys))

    @cached_property
    def ticket_page_by_organization(self) -> DataLoader[FirstPage, PageIds]:
        return DataLoader(lambda keys: load_ticket_pages(self.db, keys))

    @cached_property
    def member_count_by_organization(self) -> DataLoader[uuid.UUID, int]:
        return DataLoader(lambda keys: load_member_counts(self.db, keys))

    @cached_property
    def ticket_count_by_organization(self) -> DataLoader[uuid.UUID, int]:
        return DataLoader(lambda keys: load_ticket_counts(self.db, keys))

    @cached_property
    def message_by_id(self) -> DataLoader[uuid.UUID, TicketMessage | None]:
        return DataLoader(lambda keys: load_messages_by_id(self.db, keys))

    @cached_property
    def last_message_by_ticket_id(self) -> DataLoader[uuid.UUID, TicketMessage | None]:
        """Newest message of any visibility (staff)."""
        return DataLoader(
            lambda keys: load_last_message_by_ticket_id(self.db, keys, public_only=False)
        )

    @cached_property
    def last_public_message_by_ticket_id(self) -> DataLoader[uuid.UUID, TicketMessage | None]:
        """Newest public message (customers never see internal notes)."""
        return DataLoader(
            lambda keys: load_last_message_by_ticket_id(self.db, keys, public_only=True)
        )

    @cached_property
    def revisions_by_message_id(self) -> DataLoader[uuid.UUID, list[TicketMessageRevision]]:
        return DataLoader(lambda keys: load_revisions_by_message_id(self.db, keys))

    @cached_property
    def feedback_by_id(self) -> DataLoader[uuid.UUID, TicketFeedback | None]:
        return DataLoader(lambda keys: load_feedback_by_id(self.db, keys))

    @cached_property
    def feedback_by_ticket_id(self) -> DataLoader[uuid.UUID, TicketFeedback | None]:
        return DataLoader(lambda keys: load_feedback_by_ticket_id(self.db, keys))

    @cached_property
    def ticket_by_id(self) -> DataLoader[uuid.UUID, Ticket | None]:
        return DataLoader(lambda keys: load_tickets_by_id(self.db, keys))

    @cached_property
    def triage_by_ticket_id(self) -> DataLoader[uuid.UUID, TicketTriage | None]:
        return DataLoader(lambda keys: load_triage_by_ticket_id(self.db, keys))

    @cached_property
    def team_by_id(self) -> DataLoader[uuid.UUID, Team | None]:
        return DataLoader(lambda keys: load_teams_by_id(self.db, keys))

    @cached_property
    def members_by_team_id(self) -> DataLoader[uuid.UUID, list[TeamMember]]:
        return DataLoader(lambda keys: load_members_by_team_id(self.db, keys))

    @cached_property
    def followers_by_ticket_id(self) -> DataLoader[uuid.UUID, list[TicketFollower]]:
        return DataLoader(lambda keys: load_followers_by_ticket_id(self.db, keys))

    @cached_property
    def attachment_by_id(self) -> DataLoader[uuid.UUID, Attachment | None]:
        return DataLoader(lambda keys: load_attachments_by_id(self.db, keys))

    @cached_property
    def attachments_by_message_id(self) -> DataLoader[uuid.UUID, list[Attachment]]:
        return DataLoader(lambda keys: load_attachments_by_message_id(self.db, keys))

    @cached_property
    def article_by_id(self) -> DataLoader[uuid.UUID, Article | None]:
        return DataLoader(lambda keys: load_articles_by_id(self.db, keys))

    @cached_property
    def article_version_by_id(self) -> DataLoader[uuid.UUID, ArticleVersion | None]:
        return DataLoader(lambda keys: load_article_versions_by_id(self.db, keys))

    @cached_property
    def article_stats_by_id(self) -> DataLoader[uuid.UUID, ArticleStats]:
        return DataLoader(lambda keys: load_article_stats(self.db, keys))

    @cached_property
    def article_vote_by_article_user(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], bool | None]:
        return DataLoader(lambda keys: load_own_votes(self.db, keys))

    @cached_property
    def versions_by_article_id(self) -> DataLoader[uuid.UUID, list[ArticleVersion]]:
        return DataLoader(lambda keys: load_versions_by_article_id(self.db, keys))

    @cached_property
    def interaction_by_id(self) -> DataLoader[uuid.UUID, Interaction | None]:
        return DataLoader(lambda keys: load_interactions_by_id(self.db, keys))

    @cached_property
    def participants_by_interaction_id(
        self,
    ) -> DataLoader[uuid.UUID, list[InteractionParticipant]]:
        return DataLoader(lambda keys: load_participants_by_interaction_id(self.db, keys))

    @cached_property
    def revisions_by_interaction_id(self) -> DataLoader[uuid.UUID, list[InteractionRevision]]:
        return DataLoader(lambda keys: load_revisions_by_interaction_id(self.db, keys))

    @cached_property
    def attachments_by_interaction_id(self) -> DataLoader[uuid.UUID, list[Attachment]]:
        return DataLoader(lambda keys: load_attachments_by_interaction_id(self.db, keys))

    @cached_property
    def customer_note_by_id(self) -> DataLoader[uuid.UUID, CustomerNote | None]:
        return DataLoader(lambda keys: load_customer_notes_by_id(self.db, keys))

    @cached_property
    def revisions_by_note_id(self) -> DataLoader[uuid.UUID, list[CustomerNoteRevision]]:
        return DataLoader(lambda keys: load_note_revisions_by_note_id(self.db, keys))

    @cached_property
    def first_note_by_customer_id(self) -> DataLoader[uuid.UUID, CustomerNote | None]:
        return DataLoader(lambda keys: load_first_note_by_customer_id(self.db, keys))

    @cached_property
    def audit_entry_by_id(self) -> DataLoader[int, AuditEntry | None]:
        return DataLoader(lambda keys: load_audit_entries_by_id(self.db, keys))

    @cached_property
    def ai_suggestion_by_id(self) -> DataLoader[uuid.UUID, AiSuggestion | None]:
        return DataLoader(lambda keys: load_ai_suggestions_by_id(self.db, keys))

    @cached_property
    def ai_suggestions_by_ticket_id(self) -> DataLoader[uuid.UUID, list[AiSuggestion]]:
        """A ticket's suggestions, newest first (staff only: callers check the policy)."""
        return DataLoader(lambda keys: load_ai_suggestions_by_ticket_id(self.db, keys))

    @cached_property
    def ai_suggestion_versions_by_suggestion_id(
        self,
    ) -> DataLoader[uuid.UUID, list[AiSuggestionVersion]]:
        return DataLoader(lambda keys: load_ai_suggestion_versions_by_suggestion_id(self.db, keys))


def now_or_later(
    loader: DataLoader[K, V], key: K, convert: Callable[[V], R]
) -> R | Coroutine[Any, Any, R]:
    """`convert(value)` at once when `loader` already holds `key` (a page preloaded it),
    else a coroutine that loads it.

    A field resolver that returns this stays synchronous for preloaded rows: graphql-core
    awaits a returned awaitable, but a plain value costs no coroutine and no task, which
    for a 50-row page is hundreds of tasks fewer.
    """
    future = loader.cache_map.get(key) if loader.cache else None
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        return convert(future.result())

    async def later() -> R:
        return convert(await loader.load(key))

    return later()
