"""`kbSearch`: hybrid (vector + full-text) search over published knowledge-base articles.

The hit names its article by global ID (`Article:…`); the Article type itself lives with
the knowledge-base workflow (schema of articles), which adds `article` to the hit.
"""

from __future__ import annotations

import enum
from typing import Annotated

import strawberry

from ai.retrieval import KbHit
from resolvers.context import RequestContext
from resolvers.kb_search import MAX_KB_HITS, KbSearchArgs, kb_search
from schema.ids import encode_id

__all__ = ["KbAudience", "KbSearchFilter", "KbSearchHit", "KbSearchQuery"]


@strawberry.enum(description="Who an article is written for.")
class KbAudience(enum.Enum):
    PUBLIC = "public"
    INTERNAL = "internal"


@strawberry.input(description="Narrows a knowledge-base search; every field is optional.")
class KbSearchFilter:
    locale: str | None = strawberry.field(
        default=None, description="Only articles in this locale, e.g. `en`."
    )
    category: str | None = strawberry.field(
        default=None, description="Only articles in this category (exact name)."
    )
    tags: list[str] | None = strawberry.field(
        default=None, description="Only articles with at least one of these tags."
    )
    audience: KbAudience | None = strawberry.field(
        default=None,
        description="Only public or only internal articles (customers only ever get public).",
    )


@strawberry.type(description="A passage of a published article that answers the search.")
class KbSearchHit:
    article_id: strawberry.ID = strawberry.field(description="Global ID of the Article.")
    title: str = strawberry.field(
        description="The article's published title. Plain text: escape before rendering as HTML."
    )
    text: str = strawberry.field(
        description="The matching passage. Plain text: escape before rendering as HTML."
    )
    heading_path: list[str] = strawberry.field(
        description="The headings above the passage, outermost first. "
        "Plain text: escape before rendering as HTML."
    )
    score: float = strawberry.field(
        description="Fused relevance, higher is better; comparable within one search only."
    )
    vector_score: float | None = strawberry.field(
        description="Cosine similarity of the passage to the question (-1 to 1)."
    )
    text_score: float = strawberry.field(
        description="Full-text rank (ts_rank); 0 when no word of the question occurs."
    )

    @classmethod
    def from_hit(cls, hit: KbHit) -> KbSearchHit:
        return cls(
            article_id=strawberry.ID(encode_id("Article", hit.article_id)),
            title=hit.title,
            text=hit.text,
            heading_path=list(hit.heading_path),
            score=hit.score,
            vector_score=hit.vector_score,
            text_score=hit.text_score,
        )


@strawberry.type
class KbSearchQuery:
    @strawberry.field(
        description="Search the knowledge base the way the AI does: semantic and keyword "
        "matches fused, published versions only. Customers and visitors find public "
        "articles; staff also internal ones. Best first, one passage per article. Blank or "
        "punctuation-only queries are BAD_USER_INPUT."
    )
    async def kb_search(
        self,
        info: strawberry.Info[RequestContext],
        query: Annotated[
            str, strawberry.argument(description="The question, at most 200 characters.")
        ],
        first: Annotated[
            int, strawberry.argument(description=f"How many hits (1 to {MAX_KB_HITS}).")
        ] = 5,
        filter: KbSearchFilter | None = None,
    ) -> list[KbSearchHit]:
        f = filter or KbSearchFilter()
        result = await kb_search(
            info.context,
            KbSearchArgs(
                query=query,
                first=first,
                locale=f.locale,
                category=f.category,
                tags=tuple(f.tags or ()),
                audience=f.audience.value if f.audience is not None else None,
            ),
        )
        return [KbSearchHit.from_hit(hit) for hit in result.hits]
