"""The document cache stays bounded by entries and by the size of the texts it keeps,
evicting the least recently used first."""

from __future__ import annotations

from graphql import parse

from schema.caches import CachedDocument, DocumentCache


def _entry(text: str) -> CachedDocument:
    return CachedDocument(parse(text))


def test_least_recently_used_document_is_evicted_at_the_entry_limit() -> None:
    cache = DocumentCache(max_entries=2)
    for text in ("{ a }", "{ b }"):
        cache.put(text, _entry(text))
    cache.get("{ a }")

    cache.put("{ c }", _entry("{ c }"))

    assert cache.get("{ b }") is None
    assert cache.get("{ a }") is not None
    assert len(cache) == 2


def test_many_large_texts_stay_within_the_size_budget() -> None:
    cache = DocumentCache(max_entries=1000, max_chars=8000)

    for i in range(50):
        text = "{ " + f"f{i} " * 200 + "}"  # ~1 kB each
        cache.put(text, _entry(text))

    assert cache.chars <= 8000
    assert len(cache) < 10


def test_text_larger_than_an_eighth_of_the_budget_is_not_kept() -> None:
    cache = DocumentCache(max_chars=800)
    small, huge = "{ a }", "{ " + "f " * 100 + "}"
    cache.put(small, _entry(small))

    cache.put(huge, _entry(huge))

    assert cache.get(huge) is None
    assert cache.get(small) is not None
