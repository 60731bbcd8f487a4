"""Hybrid knowledge-base search: the one function people (kbSearch) and the AI use.

Vector candidates come from the HNSW cosine index (vectors of the active model only),
full-text candidates from the GIN index (websearch_to_tsquery with its words OR-ed, ranked
by ts_rank, in the text-search configuration each chunk was indexed with). Both are
restricted to current published versions of live articles in the caller's audiences and
the filter, scored together in one statement, then fused (ai/retrieval/fusion.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import combinations

from sqlalchemy import (
    ColumnElement,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from ai.embeddings.base import Embedder
from ai.retrieval.fusion import Candidate, FusionMethod, fuse
from ai.retrieval.result_cache import ResultCache, kb_fingerprint, search_cache
from db.engine import Database
from db.kb_counters import record_retrievals
from db.models import Article, ArticleVersion, KbChunk, KbSearchMiss
from db.trigrams import words
from settings import Settings

__all__ = ["KbHit", "SearchFilter", "SearchOptions", "SearchResult", "search_kb"]


@dataclass(frozen=True, slots=True)
class SearchFilter:
    locale: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()  # any of them
    audience: str | None = None  # narrows the caller's audiences, never widens them


@dataclass(frozen=True, slots=True)
class SearchOptions:
    method: FusionMethod = "convex"
    vector_weight: float = 0.7
    rrf_k: int = 60
    candidates: int = 40
    no_answer_similarity: float = 0.40
    # One hit per article (its best chunk): what a person scanning results wants.
    per_article: bool = True

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> SearchOptions:
        values: dict[str, object] = {
            "method": settings.kb_fusion,
            "vector_weight": settings.kb_fusion_vector_weight,
            "rrf_k": settings.kb_rrf_k,
            "candidates": settings.kb_search_candidates,
            "no_answer_similarity": settings.kb_no_answer_similarity,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class KbHit:
    article_id: uuid.UUID
    version_id: uuid.UUID
    chunk_id: uuid.UUID
    title: str
    text: str
    heading_path: tuple[str, ...]
    score: float  # fused
    vector_score: float | None  # cosine similarity
    text_score: float  # ts_rank (0: no query word in the chunk)


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: tuple[KbHit, ...]
    # Cosine similarity of the closest chunk; below the threshold the KB has no answer.
    best_similarity: float | None
    answered: bool
    cached: bool = field(default=False, compare=False)


def normalized_query(query: str) -> str:
    return " ".join(words(query))[:500]


# Terms of a question taken into the pair query (8 terms: 28 pairs).
_MAX_TERMS = 8
_MAX_RANKED = 2000


def _two_terms(parsed: str) -> str:
    """`a & b & c` → `(a & b) | (a & c) | (b & c)`: chunks sharing at least two of the
    question's terms (all of them for a one-term question). A customer's question rarely
    shares every word with the answer, so AND finds too little; a plain OR of common words
    ("invoice" in an invoicing help centre) matches most of the knowledge base, and ranking
    all of it costs more than the whole rest of the search."""
    terms = [t.strip() for t in parsed.split(" & ") if t.strip()][:_MAX_TERMS]
    if len(terms) < 2:
        return terms[0] if terms else ""
    return " | ".join(f"( {a} & {b} )" for a, b in combinations(terms, 2))


async def _prepare(session: AsyncSession, query: str, k: int) -> tuple[str, str]:
    """One round trip before the search: the question as tsquery text in English and in
    'simple' (parsed once, so the search compares against constants and can use the GIN
    index), and the HNSW settings for this transaction: a filtered scan stops at ef_search
    rows, the iterative scan goes on until k rows pass the filter (pgvector >= 0.8)."""
    parsed = [
        cast(func.websearch_to_tsquery(cast(literal(config), REGCONFIG), literal(query)), Text)
        for config in ("english", "simple")
    ]
    row = (
        await session.execute(
            select(
                *parsed,
                func.set_config("hnsw.iterative_scan", "relaxed_order", True),
                func.set_config("hnsw.ef_search", str(max(40, k)), True),
            )
        )
    ).one()
    return _two_terms(str(row[0])), _two_terms(str(row[1]))


def _scope(audiences: Collection[str], search_filter: SearchFilter) -> list[ColumnElement[bool]]:
    allowed = set(audiences)
    if search_filter.audience is not None:
        allowed &= {search_filter.audience}
    conditions: list[ColumnElement[bool]] = [
        Article.published_version_id == KbChunk.article_version_id,
        Article.archived_at.is_(None),
        Article.audience.in_(sorted(allowed)),
    ]
    if search_filter.locale is not None:
        conditions.append(Article.locale == search_filter.locale)
    if search_filter.category is not None:
        conditions.append(Article.category == search_filter.category)
    if search_filter.tags:
        conditions.append(Article.tags.overlap(list(search_filter.tags)))
    return conditions


async def _candidates(
    session: AsyncSession,
    query: str,
    vector: list[float],
    model: str,
    audiences: Collection[str],
    search_filter: SearchFilter,
    k: int,
) -> list[tuple[Candidate, KbHit]]:
    english_text, simple_text = await _prepare(session, query, k)
    # A scalar sub-query, not EXISTS: the planner would turn EXISTS into a join, misjudge
    # how many chunks pass it, and sort every chunk by distance instead of walking HNSW.
    live = (
        select(literal(True))
        .where(Article.id == KbChunk.article_id, *_scope(audiences, search_filter))
        .scalar_subquery()
        .is_(True)
    )
    distance = KbChunk.embedding.cosine_distance(vector)
    # The HNSW index drives this: nearest first, each checked against the scope (a join
    # here makes the planner sort every chunk by distance instead).
    nearest = (
        select(KbChunk.id)
        .where(KbChunk.embedding_model == model, live)
        .order_by(distance)
        .limit(k)
        .cte("nearest")
    )
    english = cast(literal(english_text), TSQUERY)
    simple = cast(literal(simple_text), TSQUERY)
    matched = case((KbChunk.search_config == "english", english), else_=simple)
    rank = func.ts_rank(KbChunk.search_vector, matched)
    # Ranking is per matching row: past _MAX_RANKED matches (a word nearly every chunk
    # has) the first ones the GIN index yields are ranked, which bounds the cost.
    matched_rows = (
        select(KbChunk.id, KbChunk.search_vector, KbChunk.search_config)
        .where(
            or_(
                and_(KbChunk.search_config == "english", KbChunk.search_vector.op("@@")(english)),
                and_(KbChunk.search_config == "simple", KbChunk.search_vector.op("@@")(simple)),
            ),
            live,
        )
        .limit(_MAX_RANKED)
        .subquery("matched")
    )
    matched_query = case((matched_rows.c.search_config == "english", english), else_=simple)
    matching = (
        select(matched_rows.c.id)
        .order_by(func.ts_rank(matched_rows.c.search_vector, matched_query).desc())
        .limit(k)
        .cte("matching")
    )
    similarity = case((KbChunk.embedding_model == model, 1.0 - distance), else_=literal(None))
    rows = (
        await session.execute(
            select(
                KbChunk.id,
                KbChunk.article_id,
                KbChunk.article_version_id,
                ArticleVersion.title,
                KbChunk.text,
                KbChunk.heading_path,
                similarity.label("vector_score"),
                rank.label("text_score"),
                KbChunk.id.in_(select(nearest.c.id)).label("in_vector"),
                KbChunk.id.in_(select(matching.c.id)).label("in_text"),
            )
            .join(ArticleVersion, ArticleVersion.id == KbChunk.article_version_id)
            .where(KbChunk.id.in_(union(select(nearest.c.id), select(matching.c.id))))
        )
    ).all()
    found: list[tuple[Candidate, KbHit]] = []
    for row in rows:
        vector_score = None if row.vector_score is None else float(row.vector_score)
        text_score = float(row.text_score or 0.0)
        candidate = Candidate(row.id, vector_score, text_score, row.in_vector, row.in_text)
        hit = KbHit(
            article_id=row.article_id,
            version_id=row.article_version_id,
            chunk_id=row.id,
            title=row.title,
            text=row.text,
            heading_path=tuple(row.heading_path or ()),
            score=0.0,
            vector_score=vector_score,
            text_score=text_score,
        )
        found.append((candidate, hit))
    return found


def _rank(
    found: list[tuple[Candidate, KbHit]], options: SearchOptions, first: int
) -> tuple[KbHit, ...]:
    hits = {id(c): h for c, h in found}
    fused = fuse(
        [c for c, _ in found],
        options.method,
        vector_weight=options.vector_weight,
        rrf_k=options.rrf_k,
    )
    ranked: list[KbHit] = []
    seen: set[uuid.UUID] = set()
    for candidate, score in fused:
        hit = hits[id(candidate)]
        if options.per_article and hit.article_id in seen:
            continue
        seen.add(hit.article_id)
        ranked.append(
            KbHit(
                article_id=hit.article_id,
                version_id=hit.version_id,
                chunk_id=hit.chunk_id,
                title=hit.title,
                text=hit.text,
                heading_path=hit.heading_path,
                score=round(score, 6),
                vector_score=hit.vector_score,
                text_score=hit.text_score,
            )
        )
        if len(ranked) >= first:
            break
    return tuple(ranked)


_SEARCH_OPERATOR = re.compile(r"(^|\s)-+(?=\w)")


async def search_kb(
    db: Database,
    query: str,
    *,
    embedder: Embedder,
    audiences: Collection[str],
    search_filter: SearchFilter | None = None,
    first: int = 5,
    options: SearchOptions | None = None,
    record_miss_as: str | None = None,
    cache: ResultCache | None = search_cache,
    count_retrievals: bool = True,
) -> SearchResult:
    """The best `first` hits for `query` among what `audiences` may read.

    `record_miss_as` ("customer", "staff", "ai" …): a search whose best hit is below the
    no-answer threshold is written to kb_search_misses (the content-gaps report) under it.
    `count_retrievals`: each article among the returned hits counts one retrieval
    (Article.retrievalCount), cached result or not.
    """
    search_filter = search_filter or SearchFilter()
    options = options or SearchOptions()
    # A leading '-' is websearch syntax for "without"; OR-ed, it would match everything.
    query = _SEARCH_OPERATOR.sub(r"\1", query.strip())
    key = (
        normalized_query(query),
        query,
        embedder.model_name,
        tuple(sorted(audiences)),
        search_filter,
        first,
        options,
    )
    fingerprint: tuple[object, ...] = ()
    result: SearchResult | None = None
    if cache is not None:
        async with db.transaction() as session:
            fingerprint = await kb_fingerprint(session)
        cached = cache.get(key, fingerprint)
        if cached is not None:
            result = SearchResult(cached.hits, cached.best_similarity, cached.answered, True)
    # Embedding happens outside any transaction: no connection waits on the model.
    vector = await embedder.embed_query(query) if result is None else None
    if result is not None and (result.answered or record_miss_as is None):
        if count_retrievals:
            await record_retrievals(db, _article_ids(result))
        return result
    async with db.transaction() as session:
        if vector is not None:
            found = await _candidates(
                session,
                query,
                vector,
                embedder.model_name,
                audiences,
                search_filter,
                max(options.candidates, first),
            )
            similarities = [c.vector_score for c, _ in found if c.vector_score is not None]
            best = max(similarities) if similarities else None
            result = SearchResult(
                hits=_rank(found, options, first),
                best_similarity=best,
                answered=best is not None and best >= options.no_answer_similarity,
            )
            if cache is not None:
                cache.put(key, fingerprint, result)
        assert result is not None
        if record_miss_as is not None and not result.answered:
            session.add(
                KbSearchMiss(
                    query=query[:500],
                    normalized_query=normalized_query(query),
                    locale=search_filter.locale,
                    source=record_miss_as[:20],
                    hits=len(result.hits),
                    best_similarity=result.best_similarity,
                )
            )
        if count_retrievals:
            await record_retrievals(session, _article_ids(result))
    return result


def _article_ids(result: SearchResult) -> list[uuid.UUID]:
    return list(dict.fromkeys(hit.article_id for hit in result.hits))
