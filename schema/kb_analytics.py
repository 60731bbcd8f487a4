"""Knowledge-base analytics over GraphQL: readers' votes and views, and the editorial
reports (content gaps, stale articles, broken links between articles), staff only."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from resolvers.audit import MutationTx
from resolvers.context import RequestContext
from resolvers.kb import maintenance
from resolvers.kb.stats import record_article_view, vote_on_article
from schema.dashboard import ReportRange
from schema.errors import KbError
from schema.ids import decode_id, encode_id
from schema.kb import Article
from schema.mutations import MutationPayload, mutation
from schema.permissions import IsAuthenticated, IsStaff

__all__ = ["KbAnalyticsMutation", "KbAnalyticsQuery"]

_PLAIN = " Plain text: escape before rendering as HTML."


@strawberry.type(description="Result of voteArticle.")
class VoteArticlePayload(MutationPayload[KbError]):
    article: Article | None = strawberry.field(default=None, description="The article.")
    helpful: bool | None = strawberry.field(default=None, description="Your vote as recorded.")


@strawberry.type(description="Result of recordArticleView.")
class RecordArticleViewPayload(MutationPayload[KbError]):
    counted: bool = strawberry.field(
        default=False,
        description="False when you had already viewed this article today (it counts once "
        "per reader per day).",
    )


@strawberry.type(description="Searches that found nothing, grouped by their wording.")
class KbContentGap:
    query: str = strawberry.field(
        description="The normalised wording (lower-case words, no punctuation)." + _PLAIN
    )
    example: str = strawberry.field(description="One search as it was typed." + _PLAIN)
    count: int = strawberry.field(description="Searches with this wording in the range.")
    first_seen: datetime = strawberry.field(description="The earliest in the range.")
    last_seen: datetime = strawberry.field(description="The latest in the range.")


@strawberry.type(description="A published article due for review.")
class StaleArticle:
    article: Article = strawberry.field(description="The article.")
    category: str | None = strawberry.field(description="Its category." + _PLAIN)
    reviewed_at: datetime | None = strawberry.field(
        description="Its last review (its publication when never reviewed)."
    )
    days_since_review: int | None = strawberry.field(description="Whole days since then.")


@strawberry.enum(description="Why a link to an article does not work for its readers.")
class BrokenLinkReason(enum.Enum):
    MISSING = "missing"
    ARCHIVED = "archived"
    UNPUBLISHED = "unpublished"
    INTERNAL = "internal"


@strawberry.type(
    description="A link in a published article's body to an article that is missing, "
    "archived, never published, or internal while the linking article is public. Article "
    "links are http(s) URLs with an `/articles/<ref>` or `/kb/<ref>` path, where ref is the "
    "article's UUID (optionally followed by -slug) or its global ID."
)
class BrokenArticleLink:
    article: Article = strawberry.field(description="The article that contains the link.")
    href: str = strawberry.field(description="The link as written." + _PLAIN)
    target_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the linked article (null when the link names no valid ID)."
    )
    reason: BrokenLinkReason = strawberry.field(description="Why it is broken.")


@strawberry.type
class KbAnalyticsMutation:
    @mutation(
        description="Vote an article helpful or not (customers and staff, on an article they "
        "may read). One vote per person per article: voting again replaces it.",
        permission_classes=[IsAuthenticated],
    )
    async def vote_article(
        tx: MutationTx, article_id: strawberry.ID, helpful: bool
    ) -> VoteArticlePayload:
        article = await vote_on_article(tx, decode_id(article_id, "Article", "articleId"), helpful)
        return VoteArticlePayload(article=Article.from_row(article), helpful=helpful)

    @mutation(
        description="Count a view of an article: a help-centre front end calls it when a "
        "signed-in reader opens one. At most once per reader per article per day.",
        permission_classes=[IsAuthenticated],
    )
    async def record_article_view(
        tx: MutationTx, article_id: strawberry.ID
    ) -> RecordArticleViewPayload:
        counted = await record_article_view(tx, decode_id(article_id, "Article", "articleId"))
        return RecordArticleViewPayload(counted=counted)


@strawberry.type
class KbAnalyticsQuery:
    @strawberry.field(
        description="Content gaps (staff): searches without an answer in the range (default "
        "the last 30 days), grouped by wording, most frequent first.",
        permission_classes=[IsStaff],
    )
    async def kb_content_gaps(
        self,
        info: strawberry.Info[RequestContext],
        range: ReportRange | None = None,
        first: int = 20,
    ) -> list[KbContentGap]:
        gaps = await maintenance.content_gaps(
            info.context,
            range.from_ if range else None,
            range.to if range else None,
            first,
        )
        return [
            KbContentGap(
                query=g.normalized_query,
                example=g.example_query,
                count=g.count,
                first_seen=g.first_seen,
                last_seen=g.last_seen,
            )
            for g in gaps
        ]

    @strawberry.field(
        description="Published articles not reviewed within `days` days (staff), by category, "
        "the longest unreviewed first.",
        permission_classes=[IsStaff],
    )
    async def stale_articles(
        self,
        info: strawberry.Info[RequestContext],
        days: int = 180,
        category: str | None = None,
        first: int = 50,
    ) -> list[StaleArticle]:
        rows = await maintenance.stale_articles(info.context, days, category, first)
        return [
            StaleArticle(
                article=Article.from_row(r.article),
                category=r.article.category,
                reviewed_at=r.reviewed_at,
                days_since_review=r.days_since_review,
            )
            for r in rows
        ]

    @strawberry.field(
        description="Links between articles that readers cannot follow (staff).",
        permission_classes=[IsStaff],
    )
    async def broken_article_links(
        self, info: strawberry.Info[RequestContext], first: int = 50
    ) -> list[BrokenArticleLink]:
        links = await maintenance.broken_article_links(info.context, first)
        return [
            BrokenArticleLink(
                article=Article.from_row(link.article),
                href=link.href,
                target_id=strawberry.ID(encode_id("Article", link.target_id))
                if link.target_id
                else None,
                reason=BrokenLinkReason(link.reason.value),
            )
            for link in links
        ]
