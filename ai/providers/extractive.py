"""The offline provider: an extractive responder. It generates nothing: it answers with
sentences of the supplied context, each citing its source, or says it cannot answer.

Two modes. A plain request gets the best-matching sentences with `[n]` markers (word overlap
only). A request with a `json_schema` (reply drafts) gets the structured answer as JSON:

    {"text": "First sentence. [2] Second sentence. [2]", "citations": [2],
     "confidence": 0.71, "action": "REPLY", "language": "en"}

Sentences are scored by their similarity to the question (the local embedding model, cached
per sentence), how much of the question's terms they and their heading cover, and their
position; when no sentence is relevant enough the action is ESCALATE and the text says so
plainly. Context items in structured mode start with a topic line ("Title > Heading") that
is read for coverage and never quoted.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, OrderedDict
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass

import numpy as np

from ai.embeddings.base import Embedder
from ai.language import detect_language
from ai.providers.base import EmbeddingNotSupported, StreamEvent, estimate_tokens
from ai.requests import CompletionRequest, Usage

__all__ = ["CANNOT_ANSWER", "NO_ANSWER", "TOOL_TOPIC", "ExtractiveResponder", "Thresholds"]

# A context item whose topic line starts with this is a tool's result (live data the question
# was matched to): it is stated first, as one sentence, whatever the KB holds.
TOOL_TOPIC = "Tool result: "

NO_ANSWER = "None of the supplied sources answers this question."

# What the structured answer says when it escalates, by language (English otherwise).
CANNOT_ANSWER: dict[str, str] = {
    "en": "I could not find an answer to this in our help centre, so I am passing your "
    "question to a member of our team.",
    "de": "Ich habe dazu keine Antwort in unserem Hilfe-Center gefunden und gebe Ihre Frage "
    "an unser Team weiter.",
    "fr": "Je n'ai pas trouvé de réponse dans notre centre d'aide ; je transmets votre "
    "question à un membre de notre équipe.",
    "es": "No encontré una respuesta en nuestro centro de ayuda, así que paso su pregunta a "
    "un miembro de nuestro equipo.",
    "nl": "Ik heb hierop geen antwoord gevonden in ons helpcentrum en geef uw vraag door aan "
    "een collega.",
}
_CLARIFY: dict[str, str] = {
    "en": "Could you tell us a little more about what you need? For example, is it about "
    "{a} or {b}?",
}

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_PLACEHOLDER = re.compile(r"<[A-Z]+_\d+>")
_WORD = re.compile(r"\w+", re.UNICODE)
_MARKUP = re.compile(r"\*\*|__|`|^\s*(?:[-*+]|\d+[.)])\s+|^#+\s*", re.MULTILINE)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_STOPWORDS = _wordset(
    "a an and are as at be but by can could do does did for from has have how i if in is it "
    "its me my of on or our so that the their then there these this to was we what when where "
    "which who why will with would you your should get got am been being any some just also "
    "not no yes please thanks thank hi hello hey there im i'm dont don't want need"
)


# Stems of words that join a question's parts but ask nothing ("after", "must", "get"): a
# sentence sharing only these with the question does not answer another part of it.
_GLUE = _wordset(
    "after befor again also any get got just must need soon still some than very would could "
    "shoul want like pleas"
)


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


def _stem(word: str) -> str:
    # Five letters are a crude but language-neutral stem: invoice, invoices, invoicing.
    return word[:5]


def _terms(text: str) -> set[str]:
    return {_stem(w) for w in _words(text)}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Tuned on the draft question set in tests/ai/drafts (see the test's printed table)."""

    # Below this score for the best sentence, no sentence answers: ESCALATE.
    answer: float = 0.42
    # A further sentence joins the reply when its score is at least this share of the best,
    companion: float = 0.85
    # or, from a source already quoted, at least this share when it answers a part of the
    # question no chosen sentence does ("… damaged … Can I get a refund?").
    complement: float = 0.7
    # A question of one or two terms is asked back when another article's best sentence
    # scores at least this share of the best one.
    clarify: float = 0.9
    # Weights of the score: similarity, coverage of the question's terms, position.
    similarity_weight: float = 0.6
    coverage_weight: float = 0.3
    position_weight: float = 0.1


@dataclass(frozen=True, slots=True)
class _Sentence:
    source: int  # 1-based, as cited
    position: int  # within its source
    topic: str
    text: str


class ExtractiveResponder:
    name = "offline"
    model = "extractive"
    embedding_model: str | None = None
    leaves_machine = False

    def __init__(
        self,
        max_sentences: int = 3,
        *,
        embedder: Embedder | None = None,
        thresholds: Thresholds | None = None,
        cache_size: int = 8192,
    ) -> None:
        self._max_sentences = max_sentences
        self._embedder = embedder
        self.thresholds = thresholds or Thresholds()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size

    # -- plain answers ---------------------------------------------------------------------

    def answer(self, request: CompletionRequest) -> str:
        """The plain answer: the best-matching sentences by word overlap, `[n]`-cited."""
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

    # -- structured answers ------------------------------------------------------------------

    async def structured(self, request: CompletionRequest) -> dict[str, object]:
        """The draft structure (see the module docstring) for a request with a json_schema."""
        question = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        # A placeholder (<EMAIL_1>) says nothing about the topic; its kind's word would.
        question = " ".join(_PLACEHOLDER.sub(" ", question).split())
        language = detect_language(question)
        kb = await self._from_kb(question, language, request.context)
        facts = _tool_facts(request.context)
        if not facts:
            return kb
        # Live data from a tool the question asked for comes first; the KB adds to it.
        kb_text = str(kb["text"]) if kb["action"] == "REPLY" else ""
        kb_cited = [int(n) for n in kb["citations"]] if kb_text else []  # type: ignore[attr-defined]
        return {
            "text": " ".join([*(f"{fact} [{n}]" for n, fact in facts), kb_text]).strip(),
            "citations": sorted({n for n, _ in facts} | set(kb_cited)),
            "confidence": round(max(0.6, float(kb["confidence"]) if kb_text else 0.0), 3),  # type: ignore[arg-type]
            "action": "REPLY",
            "language": language,
        }

    async def _from_kb(
        self, question: str, language: str, context: Sequence[str]
    ) -> dict[str, object]:
        """The answer the KB items of the context give (tool results left out)."""
        sentences = _split([item if not item.startswith(TOOL_TOPIC) else "" for item in context])
        q_terms = _terms(question)
        if not question or not sentences or not q_terms:
            return _escalation(language)
        vectors = await self._embed([question, *(f"{s.topic}: {s.text}" for s in sentences)])
        similarity = vectors[1:] @ vectors[0]
        scores = self._scores(q_terms, sentences, similarity)
        order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
        best = order[0]
        if scores[best] < self.thresholds.answer:
            return _escalation(language)
        if len(q_terms) <= 2 and language in _CLARIFY:
            # A question of a word or two that two articles answer about equally well.
            close = [i for i in order[:8] if scores[i] >= scores[best] * self.thresholds.clarify]
            topics = list(dict.fromkeys(sentences[i].topic.split(" > ")[0] for i in close))
            if len(topics) >= 2:
                text = _CLARIFY[language].format(a=topics[0], b=topics[1])
                return {
                    "text": text,
                    "citations": [],
                    "confidence": round(float(scores[best]) / 2, 3),
                    "action": "ASK_CLARIFYING",
                    "language": language,
                }
        chosen = self._choose(order, sentences, scores, q_terms)
        # Sources in the order their best sentence was chosen, each in its own order.
        ranks = {src: n for n, src in enumerate(dict.fromkeys(sentences[i].source for i in chosen))}
        chosen.sort(key=lambda i: (ranks[sentences[i].source], sentences[i].position))
        text = " ".join(f"{sentences[i].text} [{sentences[i].source}]" for i in chosen)
        coverage = _coverage(q_terms, sentences[best])
        confidence = min(1.0, 0.5 * float(similarity[best]) / 0.7 + 0.5 * coverage)
        return {
            "text": text,
            "citations": sorted({sentences[i].source for i in chosen}),
            "confidence": round(max(0.0, confidence), 3),
            "action": "REPLY",
            "language": language,
        }

    def _scores(
        self, q_terms: set[str], sentences: list[_Sentence], similarity: np.ndarray
    ) -> list[float]:
        t = self.thresholds
        scores = []
        for i, sentence in enumerate(sentences):
            position = 1.0 / (1.0 + 0.25 * (sentence.source - 1) + 0.1 * sentence.position)
            scores.append(
                t.similarity_weight * float(similarity[i])
                + t.coverage_weight * _coverage(q_terms, sentence)
                + t.position_weight * position
            )
        return scores

    def _choose(
        self, order: list[int], sentences: list[_Sentence], scores: list[float], q_terms: set[str]
    ) -> list[int]:
        best = order[0]
        chosen = [best]
        seen_words = [set(_words(sentences[best].text))]
        covered = _terms(sentences[best].text) & q_terms
        for i in order[1:]:
            if len(chosen) >= self._max_sentences:
                break
            if scores[i] < scores[best] * self.thresholds.complement:
                break
            if scores[i] < scores[best] * self.thresholds.companion:
                new = (_terms(sentences[i].text) & q_terms) - covered - _GLUE
                answers_more = bool(new)
                quoted = sentences[i].source in {sentences[j].source for j in chosen}
                if not (answers_more and quoted):
                    continue
            # At most two sources: a reply stitched from many articles reads badly.
            if len({sentences[j].source for j in chosen} | {sentences[i].source}) > 2:
                continue
            words = set(_words(sentences[i].text))
            if any(len(words & w) > 0.7 * max(1, min(len(words), len(w))) for w in seen_words):
                continue  # says the same again
            chosen.append(i)
            seen_words.append(words)
            covered |= _terms(sentences[i].text) & q_terms
        return chosen

    async def _embed(self, texts: list[str]) -> np.ndarray:
        embedder = self._embedder_now()
        missing = [t for t in dict.fromkeys(texts[1:]) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, await embedder.embed_documents(missing), strict=True):
                self._vectors[text] = np.asarray(vector, dtype=np.float32)
                if len(self._vectors) > self._cache_size:
                    self._vectors.popitem(last=False)
        question = np.asarray(await embedder.embed_query(texts[0]), dtype=np.float32)
        rows = [question]
        for text in texts[1:]:
            known = self._vectors.get(text)
            if known is None:  # evicted while filling: embed it again
                known = np.asarray((await embedder.embed_documents([text]))[0], np.float32)
            else:
                self._vectors.move_to_end(text)
            rows.append(known)
        return np.vstack(rows)

    def _embedder_now(self) -> Embedder:
        if self._embedder is None:
            from ai.embeddings.factory import local_embedder

            self._embedder = local_embedder()
        return self._embedder

    # -- Provider ----------------------------------------------------------------------------

    async def _text(self, request: CompletionRequest) -> str:
        if request.json_schema is None:
            return self.answer(request)
        return json.dumps(await self.structured(request), ensure_ascii=False)

    async def complete(self, request: CompletionRequest) -> tuple[str, Usage]:
        text = await self._text(request)
        return text, Usage(estimate_tokens(request.prompt_text()), estimate_tokens(text))

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[StreamEvent, None]:
        text, usage = await self.complete(request)
        if request.json_schema is None:
            pieces = re.split(r"(?<=\]) ", text)
            for i, piece in enumerate(pieces):
                yield piece if i == len(pieces) - 1 else piece + " "
        else:
            for start in range(0, len(text), 48):
                yield text[start : start + 48]
        yield usage

    async def embed(self, texts: list[str]) -> tuple[list[list[float]], Usage]:
        raise EmbeddingNotSupported("the extractive responder does not embed")

    async def close(self) -> None:
        return None


def _coverage(q_terms: set[str], sentence: _Sentence) -> float:
    own = _terms(sentence.text)
    topic = _terms(sentence.topic)
    hits = sum(1.0 if t in own else 0.5 if t in topic else 0.0 for t in q_terms)
    return hits / len(q_terms)


def _split(context: Sequence[str]) -> list[_Sentence]:
    """Quotable sentences of each context item (its first line is the topic)."""
    found: list[_Sentence] = []
    for source, item in enumerate(context, 1):
        topic, _, body = item.partition("\n")
        position = 0
        for line in _MARKUP.sub("", body).splitlines():
            line = " ".join(line.split())
            words = len(_WORD.findall(line))
            # A short line without a full stop is a heading kept as text: not an answer.
            if words < 8 and not line.endswith((".", "!", "?")):
                continue
            for raw in _SENTENCE.split(line):
                sentence = raw.strip()
                if len(_WORD.findall(sentence)) < 4 or sentence.endswith(":"):
                    continue
                if not sentence.endswith((".", "!", "?", ")")):
                    sentence += "."
                found.append(_Sentence(source, position, topic.strip(), sentence))
                position += 1
    return found


def _tool_facts(context: Sequence[str]) -> list[tuple[int, str]]:
    """(source number, one sentence) per tool result in the context: its JSON object's
    scalar fields as "name: key value, key value." (anything else as it came)."""
    facts: list[tuple[int, str]] = []
    for number, item in enumerate(context, 1):
        if not item.startswith(TOOL_TOPIC):
            continue
        topic, _, body = item.partition("\n")
        name = topic.removeprefix(TOOL_TOPIC).strip().replace("_", " ")
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            fields = [
                f"{str(key).replace('_', ' ')} {value}"
                for key, value in data.items()
                if isinstance(value, str | int | float | bool) and str(value).strip()
            ]
            detail = ", ".join(fields) if fields else body.strip()
        else:
            detail = " ".join(body.split())
        if detail:
            facts.append((number, f"{name[:1].upper()}{name[1:]}: {detail.rstrip('.')}."))
    return facts


def _escalation(language: str) -> dict[str, object]:
    return {
        "text": CANNOT_ANSWER.get(language, CANNOT_ANSWER["en"]),
        "citations": [],
        "confidence": 0.0,
        "action": "ESCALATE",
        "language": language,
    }
