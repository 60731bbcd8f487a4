"""The offline provider: an extractive responder. It generates nothing; it answers with the
sentences of the supplied context that best match the question, each citing its source."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import AsyncGenerator

from ai.providers.base import EmbeddingNotSupported, StreamEvent, estimate_tokens
from ai.requests import CompletionRequest, Usage

__all__ = ["NO_ANSWER", "ExtractiveResponder"]

NO_ANSWER = "None of the supplied sources answers this question."

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


class ExtractiveResponder:
    name = "offline"
    model = "extractive"
    embedding_model: str | None = None
    leaves_machine = False

    def __init__(self, max_sentences: int = 3) -> None:
        self._max_sentences = max_sentences

    def answer(self, request: CompletionRequest) -> str:
        question = _words(" ".join(m.content for m in request.messages if m.role == "user"))
        sentences = [
            (source, sentence.strip())
            for source, text in enumerate(request.context, 1)
            for sentence in _SENTENCE.split(text)
            if sentence.strip()
        ]
        if not question or not sentences:
            return NO_ANSWER
        bags = [Counter(_words(sentence)) for _, sentence in sentences]
        # Rare words say more about relevance than common ones (inverse sentence frequency).
        seen_in = Counter(word for bag in bags for word in bag)
        idf = {w: math.log(1 + len(sentences) / seen_in[w]) for w in seen_in}
        scores = [
            sum(idf[w] for w in set(question) if w in bag) / math.sqrt(1 + sum(bag.values()))
            for bag in bags
        ]
        ranked = sorted(
            (i for i, score in enumerate(scores) if score > 0), key=lambda i: -scores[i]
        )[: self._max_sentences]
        if not ranked:
            return NO_ANSWER
        return " ".join(f"{sentences[i][1]} [{sentences[i][0]}]" for i in sorted(ranked))

    async def complete(self, request: CompletionRequest) -> tuple[str, Usage]:
        text = self.answer(request)
        return text, Usage(estimate_tokens(request.prompt_text()), estimate_tokens(text))

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[StreamEvent, None]:
        text, usage = await self.complete(request)
        pieces = re.split(r"(?<=\]) ", text)
        for i, piece in enumerate(pieces):
            yield piece if i == len(pieces) - 1 else piece + " "
        yield usage

    async def embed(self, texts: list[str]) -> tuple[list[list[float]], Usage]:
        raise EmbeddingNotSupported("the extractive responder does not embed")

    async def close(self) -> None:
        return None
