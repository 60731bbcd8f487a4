"""Knowledge-base articles as clients read them: Article, ArticleVersion, the `articles`
list and `articleVersionDiff`.

Staff read every article in every state with its whole history; customers read only live
public articles, and of those only the published version (never a draft, never internal).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from auth import policy
from dataloaders.kb import ArticleStats
from db.models import Article as ArticleRow
from db.models import ArticleVersion as ArticleVersionRow
from db.pagination import PageRequest
from resolvers.context import RequestContext
from resolvers.kb.diff import DiffHunk as DiffHunkData
from resolvers.kb.diff import DiffLine as DiffLineData
from resolvers.kb.queries import (
    ARCHIVED,
    ArticleFilter,
    ArticleSort,
    articles_page,
    readable_version_id,
    version_diff,
    visible_articles,
    visible_versions,
)
from schema.accounts import User, visible_user
from schema.connections import connection_from_page
from schema.ids import decode_id, uuid_or_none
from schema.ordering import OrderDirection
from schema.permissions import IsAuthenticated, IsStaff

__all__ = [
    "Article",
    "ArticleAudience",
    "ArticleConnection",
    "ArticleState",
    "ArticleVersion",
    "ArticleVersionState",
    "KbQuery",
]

_PLAIN = " Plain text: escape before rendering as HTML."


@strawberry.enum(description="Who may read an article.")
class ArticleAudience(enum.Enum):
    PUBLIC = "public"
    INTERNAL = "internal"


@strawberry.enum(description="Where one version is in the review workflow.")
class ArticleVersionState(enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    ARCHIVED = "archived"


@strawberry.enum(
    description="Where an article is: its latest version's state, or ARCHIVED. A published "
    "article with a newer draft reads DRAFT (or IN_REVIEW …) while the published version "
    "stays live."
)
class ArticleState(enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    ARCHIVED = "archived"


def _is_staff(info: strawberry.Info[RequestContext]) -> bool:
    return info.context.allows(policy.can_see_article_drafts)


@strawberry.type(
    description="One saved edit of an article: immutable once written, except for its review state."
)
class ArticleVersion(relay.Node):
    id: relay.NodeID[str]
    number: int = strawberry.field(description="1 for the first version, then 2, 3 …")
    title: str = strawberry.field(description="The title." + _PLAIN)
    body_html: str = strawberry.field(
        description="The body. Sanitised HTML (allowlist), safe to render as is."
    )
    body_text: str = strawberry.field(description="The body as plain text." + _PLAIN)
    summary: str = strawberry.field(description="What this edit changed." + _PLAIN)
    state: ArticleVersionState = strawberry.field(description="Its review state.")
    created_at: datetime = strawberry.field(description="When it was saved.")
    submitted_at: datetime | None = strawberry.field(description="When it went to review.")
    reviewed_at: datetime | None = strawberry.field(description="When a reviewer decided.")
    published_at: datetime | None = strawberry.field(description="When it went live.")
    row: strawberry.Private[ArticleVersionRow]

    @classmethod
    def from_row(cls, row: ArticleVersionRow) -> ArticleVersion:
        return cls(
            id=str(row.id),
            number=row.number,
            title=row.title,
            body_html=row.body_html,
            body_text=row.body_text,
            summary=row.summary,
            state=ArticleVersionState(row.state),
            created_at=row.created_at,
            submitted_at=row.submitted_at,
            reviewed_at=row.reviewed_at,
            published_at=row.published_at,
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
        rows = await visible_versions(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]

    @strawberry.field(description="Who saved it (staff only).")
    async def created_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        if not _is_staff(info):
            return None
        return await visible_user(info, self.row.created_by_id)

    @strawberry.field(description="The reviewer who approved it or sent it back (staff only).")
    async def reviewed_by(self, info: strawberry.Info[RequestContext]) -> User | None:
        if not _is_staff(info):
            return None
        return await visible_user(info, self.row.reviewed_by_id)

    @strawberry.field(description="The reviewer's comment (what to change), staff only." + _PLAIN)
    def review_comment(self, info: strawberry.Info[RequestContext]) -> str | None:
        return self.row.review_comment if _is_staff(info) else None

    @strawberry.field(description="The version this edit started from (staff only).")
    async def based_on(self, info: strawberry.Info[RequestContext]) -> ArticleVersion | None:
        if not _is_staff(info) or self.row.based_on_version_id is None:
            return None
        row = await info.context.loaders.article_version_by_id.load(self.row.based_on_version_id)
        return ArticleVersion.from_row(row) if row is not None else None

    @strawberry.field(
        description="The imported file's name, when it came from a document (staff only)." + _PLAIN
    )
    def source_filename(self, info: strawberry.Info[RequestContext]) -> str | None:
        return self.row.source_filename if _is_staff(info) else None

    @strawberry.field(description="SHA-256 of the imported file, hex (staff only)." + _PLAIN)
    def source_sha256(self, info: strawberry.Info[RequestContext]) -> str | None:
        return self.row.source_sha256 if _is_staff(info) else None

    @strawberry.field(description="The article it belongs to.")
    async def article(self, info: strawberry.Info[RequestContext]) -> Article | None:
        (row,) = await visible_articles(info.context, [self.row.article_id])
        return Article.from_row(row) if row is not None else None


@strawberry.type(
    description="A knowledge-base article: what the help centre shows and the AI answers "
    "from. Title and body are those of the version you read: staff the latest version, "
    "customers the published one."
)
class Article(relay.Node):
    id: relay.NodeID[str]
    category: str | None = strawberry.field(description="Its category." + _PLAIN)
    tags: list[str] = strawberry.field(description="Tags, lower-case." + _PLAIN)
    locale: str = strawberry.field(description="Language tag, e.g. en or pt-BR." + _PLAIN)
    audience: ArticleAudience = strawberry.field(
        description="PUBLIC (customers and staff) or INTERNAL (staff only)."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    archived_at: datetime | None = strawberry.field(description="When it was archived.")
    last_reviewed_at: datetime | None = strawberry.field(
        description="When a reviewer last published it."
    )
    row: strawberry.Private[ArticleRow]

    @classmethod
    def from_row(cls, row: ArticleRow) -> Article:
        return cls(
            id=str(row.id),
            category=row.category,
            tags=list(row.tags or []),
            locale=row.locale,
            audience=ArticleAudience(row.audience),
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            last_reviewed_at=row.last_reviewed_at,
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
        rows = await visible_articles(info.context, [uuid_or_none(i) for i in node_ids])
        return [cls.from_row(row) if row is not None else None for row in rows]

    async def _read(self, info: strawberry.Info[RequestContext]) -> ArticleVersionRow | None:
        version_id = readable_version_id(info.context, self.row)
        if version_id is None:
            return None
        return await info.context.loaders.article_version_by_id.load(version_id)

    @strawberry.field(description="The title." + _PLAIN)
    async def title(self, info: strawberry.Info[RequestContext]) -> str:
        version = await self._read(info)
        return version.title if version is not None else ""

    @strawberry.field(description="The body. Sanitised HTML (allowlist), safe to render as is.")
    async def body_html(self, info: strawberry.Info[RequestContext]) -> str:
        version = await self._read(info)
        return version.body_html if version is not None else ""

    @strawberry.field(description="The body as plain text." + _PLAIN)
    async def body_text(self, info: strawberry.Info[RequestContext]) -> str:
        version = await self._read(info)
        return version.body_text if version is not None else ""

    @strawberry.field(description="Where it is in the workflow (customers: PUBLISHED).")
    async def state(self, info: strawberry.Info[RequestContext]) -> ArticleState:
        if self.row.archived_at is not None:
            return ArticleState.ARCHIVED
        if not _is_staff(info):
            return ArticleState.PUBLISHED
        version = await self._read(info)
        if version is None or version.state in ("superseded", ARCHIVED):
            return ArticleState.ARCHIVED
        return ArticleState(version.state)

    @strawberry.field(description="The version customers and the AI read; null when none.")
    async def published_version(
        self, info: strawberry.Info[RequestContext]
    ) -> ArticleVersion | None:
        if self.row.published_version_id is None:
            return None
        row = await info.context.loaders.article_version_by_id.load(self.row.published_version_id)
        return ArticleVersion.from_row(row) if row is not None else None

    @strawberry.field(
        description="The newest version, the one editors work on and base their next save "
        "on (staff only)."
    )
    async def latest_version(self, info: strawberry.Info[RequestContext]) -> ArticleVersion | None:
        if not _is_staff(info) or self.row.latest_version_id is None:
            return None
        row = await info.context.loaders.article_version_by_id.load(self.row.latest_version_id)
        return ArticleVersion.from_row(row) if row is not None else None

    @strawberry.field(description="Every version, newest first (staff only; null for others).")
    async def versions(self, info: strawberry.Info[RequestContext]) -> list[ArticleVersion] | None:
        if not _is_staff(info):
            return None
        rows = await info.context.loaders.versions_by_article_id.load(self.row.id)
        for row in rows:
            info.context.loaders.article_version_by_id.prime(row.id, row)
        return [ArticleVersion.from_row(row) for row in rows]

    async def _stats(self, info: strawberry.Info[RequestContext]) -> ArticleStats | None:
        if not info.context.allows(policy.can_see_article_stats):
            return None
        return await info.context.loaders.article_stats_by_id.load(self.row.id)

    @strawberry.field(description="Readers who voted it helpful (staff only; null for others).")
    async def helpful_count(self, info: strawberry.Info[RequestContext]) -> int | None:
        stats = await self._stats(info)
        return stats.helpful if stats is not None else None

    @strawberry.field(description="Readers who voted it not helpful (staff only).")
    async def not_helpful_count(self, info: strawberry.Info[RequestContext]) -> int | None:
        stats = await self._stats(info)
        return stats.not_helpful if stats is not None else None

    @strawberry.field(
        description="Views recorded with recordArticleView: at most one per reader per day "
        "(staff only)."
    )
    async def view_count(self, info: strawberry.Info[RequestContext]) -> int | None:
        stats = await self._stats(info)
        return stats.views if stats is not None else None

    @strawberry.field(
        description="Searches (kbSearch and the AI's) that returned it among their hits "
        "(staff only)."
    )
    async def retrieval_count(self, info: strawberry.Info[RequestContext]) -> int | None:
        stats = await self._stats(info)
        return stats.retrievals if stats is not None else None

    @strawberry.field(description="AI drafts that cited it (staff only).")
    async def citation_count(self, info: strawberry.Info[RequestContext]) -> int | None:
        stats = await self._stats(info)
        return stats.citations if stats is not None else None

    @strawberry.field(
        description="Your own vote: true helpful, false not helpful, null when you have not "
        "voted (or are not signed in)."
    )
    async def my_vote(self, info: strawberry.Info[RequestContext]) -> bool | None:
        principal = info.context.principal
        if principal is None or principal.user_id is None:
            return None
        return await info.context.loaders.article_vote_by_article_user.load(
            (self.row.id, principal.user_id)
        )

    @strawberry.field(description="Who wrote it first (customers: name only).")
    async def author(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.row.author_id)

    @strawberry.field(description="Who keeps it up to date (customers: name only).")
    async def owner(self, info: strawberry.Info[RequestContext]) -> User | None:
        return await visible_user(info, self.row.owner_id)


@strawberry.type(description="A page of articles.")
class ArticleConnection(relay.Connection[Article]):
    total_count: int = strawberry.field(description="Articles matching the filter, all pages.")


@strawberry.input(description="Narrow the article list; all given conditions must hold.")
class ArticleFilterInput:
    states: list[ArticleState] | None = strawberry.field(
        default=None, description="Only articles in one of these states (staff)."
    )
    category: str | None = strawberry.field(default=None, description="Only this category.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Only articles with every one of these tags."
    )
    locale: str | None = strawberry.field(default=None, description="Only this locale.")
    audience: ArticleAudience | None = strawberry.field(
        default=None, description="Only this audience (staff; customers only ever see PUBLIC)."
    )
    search: str | None = strawberry.field(
        default=None,
        description='Words the title starts them with ("refu pol" finds "Refund '
        'policy"), at most 200 characters. Blank = no search; no letter or digit = '
        "BAD_USER_INPUT. Full-text and semantic search over bodies is kbSearch.",
    )


@strawberry.enum(description="What an article list is sorted by.")
class ArticleOrderField(enum.Enum):
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"


@strawberry.input(description="Sort order of an article list.")
class ArticleOrder:
    field: ArticleOrderField = strawberry.field(description="Sort key.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Direction (newest first by default)."
    )


@strawberry.enum(description="How a line of a diff changed.")
class DiffLineKind(enum.Enum):
    CONTEXT = "context"
    ADDED = "added"
    REMOVED = "removed"


@strawberry.enum(description="How a run of words within a changed line changed.")
class DiffSegmentKind(enum.Enum):
    EQUAL = "equal"
    ADDED = "added"
    REMOVED = "removed"


@strawberry.type(description="A run of words within a changed line.")
class DiffSegment:
    kind: DiffSegmentKind = strawberry.field(description="Equal, added or removed.")
    text: str = strawberry.field(description="The words, with their spaces." + _PLAIN)


@strawberry.type(description="One line of a diff hunk.")
class DiffLine:
    kind: DiffLineKind = strawberry.field(description="Context, added or removed.")
    text: str = strawberry.field(description="The whole line." + _PLAIN)
    from_number: int | None = strawberry.field(description="Line number in the old text.")
    to_number: int | None = strawberry.field(description="Line number in the new text.")
    segments: list[DiffSegment] = strawberry.field(
        description="For a line changed rather than added or removed: its words, marked "
        "equal / added / removed (empty otherwise)."
    )

    @classmethod
    def from_data(cls, line: DiffLineData) -> DiffLine:
        return cls(
            kind=DiffLineKind(line.kind),
            text=line.text,
            from_number=line.from_number,
            to_number=line.to_number,
            segments=[
                DiffSegment(kind=DiffSegmentKind(s.kind), text=s.text) for s in line.segments
            ],
        )


@strawberry.type(description="A run of changed lines with a few lines of context.")
class DiffHunk:
    from_start: int = strawberry.field(description="First line in the old text (1-based).")
    from_count: int = strawberry.field(description="Lines of the old text in the hunk.")
    to_start: int = strawberry.field(description="First line in the new text (1-based).")
    to_count: int = strawberry.field(description="Lines of the new text in the hunk.")
    lines: list[DiffLine] = strawberry.field(description="The lines, in order.")

    @classmethod
    def from_data(cls, hunk: DiffHunkData) -> DiffHunk:
        return cls(
            from_start=hunk.from_start,
            from_count=hunk.from_count,
            to_start=hunk.to_start,
            to_count=hunk.to_count,
            lines=[DiffLine.from_data(line) for line in hunk.lines],
        )


@strawberry.type(description="What changed between two versions' plain text (title first).")
class ArticleVersionDiff:
    from_version: ArticleVersion = strawberry.field(description="The older side.")
    to_version: ArticleVersion = strawberry.field(description="The newer side.")
    added_lines: int = strawberry.field(description="Lines only in the new text.")
    removed_lines: int = strawberry.field(description="Lines only in the old text.")
    hunks: list[DiffHunk] = strawberry.field(description="The changes, in order.")
    unified: str = strawberry.field(description="The same as a unified diff." + _PLAIN)


@strawberry.type
class KbQuery:
    @strawberry.field(
        description="Knowledge-base articles, newest change first: staff see every "
        "article in every state, customers the published public ones.",
        permission_classes=[IsAuthenticated],
    )
    async def articles(
        self,
        info: strawberry.Info[RequestContext],
        filter: ArticleFilterInput | None = None,
        order_by: ArticleOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ArticleConnection:
        f = filter or ArticleFilterInput()
        order = order_by or ArticleOrder(field=ArticleOrderField.UPDATED_AT)
        page = await articles_page(
            info.context,
            ArticleFilter(
                states=None if f.states is None else frozenset(s.value for s in f.states),
                category=f.category,
                tags=tuple(t.strip().lower() for t in f.tags or ()),
                locale=f.locale,
                audience=f.audience.value if f.audience else None,
                search=f.search,
            ),
            ArticleSort(order.field.value),
            order.direction is OrderDirection.DESC,
            PageRequest(first=first, after=after, last=last, before=before),
        )
        return connection_from_page(ArticleConnection, page, Article.from_row)

    @strawberry.field(
        description="Compare two versions of one article (staff): line hunks, and the words "
        "changed within changed lines.",
        permission_classes=[IsStaff],
    )
    async def article_version_diff(
        self, info: strawberry.Info[RequestContext], from_id: strawberry.ID, to_id: strawberry.ID
    ) -> ArticleVersionDiff:
        old, new, diff = await version_diff(
            info.context,
            decode_id(from_id, "ArticleVersion", "fromId"),
            decode_id(to_id, "ArticleVersion", "toId"),
        )
        return ArticleVersionDiff(
            from_version=ArticleVersion.from_row(old),
            to_version=ArticleVersion.from_row(new),
            added_lines=diff.added_lines,
            removed_lines=diff.removed_lines,
            hunks=[DiffHunk.from_data(h) for h in diff.hunks],
            unified=diff.unified,
        )


def article_uuid(value: str, field: str) -> uuid.UUID:
    return decode_id(value, "Article", field)
