"""Knowledge-base retrieval: chunking, indexing (chunks + embeddings) and hybrid search."""

from __future__ import annotations

from ai.retrieval.indexing import IndexResult, VersionNotFound, index_article_version
from ai.retrieval.reembed import count_stale_chunks, reembed_chunks
from ai.retrieval.result_cache import search_cache
from ai.retrieval.search import KbHit, SearchFilter, SearchOptions, SearchResult, search_kb

__all__ = [
    "IndexResult",
    "KbHit",
    "SearchFilter",
    "SearchOptions",
    "SearchResult",
    "VersionNotFound",
    "count_stale_chunks",
    "index_article_version",
    "reembed_chunks",
    "search_cache",
    "search_kb",
]
