"""kbSearch: hybrid knowledge-base search for people and integrators (the AI calls
ai.retrieval.search_kb, the same function, directly).

The query must say something: blank, or no letter or digit, or longer than
MAX_SEARCH_LENGTH is BAD_USER_INPUT, never an empty list the caller might trust. What a
caller may find is the policy's `kb_search_audiences` (customers: public articles only),
always of published versions. Searches with no hit above the no-answer threshold are
recorded for the content-gaps report.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai.embeddings import EmbeddingUnavailable, active_embedder
from ai.retrieval import SearchFilter, SearchOptions, SearchResult, search_kb
from auth import policy
from db.customer_search import MAX_SEARCH_LENGTH
from db.trigrams import words
from resolvers.context import RequestContext
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import FieldProblem, ValidationFailed
from resolvers.search import NO_TERMS

__all__ = ["MAX_KB_HITS", "KbSearchArgs", "kb_search"]

MAX_KB_HITS = 50
_MAX_TAGS = 20
AUDIENCES = ("public", "internal")


@dataclass(frozen=True, slots=True)
class KbSearchArgs:
    query: str
    first: int = 5
    locale: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    audience: str | None = None


def _blank_is_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _validated(args: KbSearchArgs) -> tuple[str, SearchFilter]:
    problems: list[FieldProblem] = []
    query = args.query.strip()
    if not query:
        problems.append(FieldProblem("query", "Type what to search for.", CommonErrorCode.INVALID))
    elif len(query) > MAX_SEARCH_LENGTH:
        problems.append(
            FieldProblem(
                "query",
                f"Search with at most {MAX_SEARCH_LENGTH} characters.",
                CommonErrorCode.INVALID,
            )
        )
    elif not words(query):
        problems.append(FieldProblem("query", NO_TERMS, CommonErrorCode.INVALID))
    if not 1 <= args.first <= MAX_KB_HITS:
        problems.append(
            FieldProblem(
                "first", f"`first` must be between 1 and {MAX_KB_HITS}.", CommonErrorCode.INVALID
            )
        )
    locale, category = _blank_is_none(args.locale), _blank_is_none(args.category)
    if locale is not None and len(locale) > 16:
        problems.append(
            FieldProblem("filter.locale", "A locale such as en or pt-BR.", CommonErrorCode.INVALID)
        )
    if category is not None and len(category) > 100:
        problems.append(
            FieldProblem("filter.category", "At most 100 characters.", CommonErrorCode.INVALID)
        )
    tags = tuple(dict.fromkeys(t.strip() for t in args.tags if t.strip()))
    if len(tags) > _MAX_TAGS or any(len(t) > 50 for t in tags):
        problems.append(
            FieldProblem(
                "filter.tags",
                f"At most {_MAX_TAGS} tags of at most 50 characters.",
                CommonErrorCode.INVALID,
            )
        )
    if args.audience is not None and args.audience not in AUDIENCES:
        problems.append(
            FieldProblem("filter.audience", "public or internal.", CommonErrorCode.INVALID)
        )
    if problems:
        raise ValidationFailed(*problems)
    return query, SearchFilter(locale, category, tags, args.audience)


def _asker(ctx: RequestContext) -> str:
    if ctx.principal is None:
        return "visitor"
    if ctx.allows(policy.is_staff):
        return "staff"
    return "customer"


async def kb_search(ctx: RequestContext, args: KbSearchArgs) -> SearchResult:
    query, search_filter = _validated(args)
    audiences = policy.kb_search_audiences(ctx.principal)
    try:
        embedder = active_embedder(ctx.settings)
    except EmbeddingUnavailable as exc:
        raise RuntimeError(f"knowledge-base search is unavailable: {exc}") from exc
    return await search_kb(
        ctx.db,
        query,
        embedder=embedder,
        audiences=audiences,
        search_filter=search_filter,
        first=args.first,
        options=SearchOptions.from_settings(ctx.settings),
        record_miss_as=_asker(ctx),
    )
