"""Is a reply's sentence supported by the sources it cites? Word overlap first (an extractive
reply quotes its sources); the embedding model for paraphrases when it is given."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ai.embeddings.base import Embedder

__all__ = ["content_terms", "is_factual", "lexical_support", "source_sentences", "supported"]

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _wordset(
    "a an and are as at be but by can could do does did for from has have how i if in is it "
    "its me my of on or our so that the their then there these this to was we what when where "
    "which who why will with would you your should also just not any some"
)
# Courtesy that states nothing: greetings, thanks, offers of more help.
_COURTESY = re.compile(
    r"^(?:hi|hello|hey|dear|thanks?|thank you|best|kind regards|regards|cheers|sorry|"
    r"i hope this helps|hope this helps|let us know|let me know|feel free|happy to help|"
    r"we(?:'re| are) happy|please reach out|if you have any)",
    re.IGNORECASE,
)


def content_terms(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS}


def is_factual(sentence: str) -> bool:
    """A sentence that states something a source must back (not a question or courtesy)."""
    stripped = sentence.strip()
    if stripped.endswith("?") or _COURTESY.match(stripped):
        return False
    return len(content_terms(stripped)) >= 3


def source_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if len(s.split()) >= 3]


def lexical_support(sentence: str, source_text: str) -> float:
    """Share of the sentence's content words the source has."""
    terms = content_terms(sentence)
    if not terms:
        return 1.0
    return len(terms & content_terms(source_text)) / len(terms)


async def supported(
    sentences: Sequence[str],
    cited_texts: Sequence[Sequence[str]],
    *,
    lexical_bound: float,
    similarity_bound: float,
    embedder: Embedder | None,
) -> list[bool]:
    """For each sentence, whether one of its cited texts supports it."""
    result = [
        any(lexical_support(s, text) >= lexical_bound for text in texts)
        for s, texts in zip(sentences, cited_texts, strict=True)
    ]
    unsure = [i for i, ok in enumerate(result) if not ok and cited_texts[i]]
    if not unsure or embedder is None:
        return result
    pieces = sorted({p for i in unsure for t in cited_texts[i] for p in source_sentences(t)})
    if not pieces:
        return result
    vectors = np.asarray(
        await embedder.embed_documents([sentences[i] for i in unsure] + pieces), np.float32
    )
    claims, evidence = vectors[: len(unsure)], vectors[len(unsure) :]
    index = {p: n for n, p in enumerate(pieces)}
    for row, i in enumerate(unsure):
        mine = [index[p] for t in cited_texts[i] for p in source_sentences(t)]
        if mine and float(np.max(evidence[mine] @ claims[row])) >= similarity_bound:
            result[i] = True
    return result
