"""validate_draft: the checks a draft passes before anyone may send it. A failed report is
stored with its reasons and the draft is never offered as sendable."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ai.drafts.contract import DraftAction, DraftOutput, Source, ValidationReport
from ai.embeddings.base import Embedder
from ai.pii.redactor import Redactor
from ai.validation.content import abusive_words, foreign_links, injection_echoes, source_domains
from ai.validation.grounding import is_factual, supported

__all__ = ["ValidationPolicy", "validate_draft"]

_LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2})?$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    max_chars: int = 2000
    # A REPLY needs this share of its factual sentences supported by a cited source...
    min_groundedness: float = 0.75
    # ...and this share of its sentences carrying a citation.
    min_citation_coverage: float = 0.5
    # Supported: this share of the sentence's content words in the source, or (with an
    # embedder) this cosine similarity to one of the source's sentences.
    lexical_bound: float = 0.6
    similarity_bound: float = 0.72


async def validate_draft(
    output: DraftOutput,
    *,
    sources: Sequence[Source],
    redactor: Redactor | None = None,
    embedder: Embedder | None = None,
    policy: ValidationPolicy | None = None,
) -> ValidationReport:
    """Every check, every reason: a report lists all that is wrong, not the first thing."""
    policy = policy or ValidationPolicy()
    reasons: list[str] = []
    text = output.text.strip()
    by_id = {s.id: s for s in sources}

    # Structured fields: allowed values only.
    if not isinstance(output.action, DraftAction) and output.action not in set(DraftAction):
        reasons.append(f"action {output.action!r} is not one of {', '.join(DraftAction)}")
    if not isinstance(output.confidence, int | float) or not (
        math.isfinite(output.confidence) and 0.0 <= output.confidence <= 1.0
    ):
        reasons.append(f"confidence {output.confidence!r} is not between 0 and 1")
    if not isinstance(output.language, str) or not _LANGUAGE.match(output.language):
        reasons.append(f"language {output.language!r} is not a language code")

    # Form.
    if not text:
        reasons.append("the reply is empty")
    elif len(text) > policy.max_chars:
        reasons.append(f"the reply is {len(text)} characters long (at most {policy.max_chars})")

    # Citations name retrieved sources.
    cited = list(output.citations) + [c for _, ids in output.attributions for c in ids]
    for unknown in dict.fromkeys(c for c in cited if c not in by_id):
        reasons.append(f"cites unknown source {unknown}")

    # Grounding, measured per sentence.
    attributions = list(output.attributions) or [
        (s.strip(), tuple(output.citations)) for s in _SENTENCE.split(text) if s.strip()
    ]
    factual = [(s, ids) for s, ids in attributions if is_factual(s)]
    support = await supported(
        [s for s, _ in factual],
        [[by_id[c].text for c in ids if c in by_id] for _, ids in factual],
        lexical_bound=policy.lexical_bound,
        similarity_bound=policy.similarity_bound,
        embedder=embedder,
    )
    groundedness = sum(support) / len(factual) if factual else 1.0
    coverage = sum(1 for _, ids in attributions if ids) / len(attributions) if attributions else 0.0
    if output.action == DraftAction.REPLY:
        if not output.citations and not any(ids for _, ids in attributions):
            reasons.append("the reply cites no source")
        if groundedness < policy.min_groundedness:
            unsupported = [s for (s, _), ok in zip(factual, support, strict=True) if not ok]
            reasons.append(
                f"groundedness {groundedness:.2f} is below {policy.min_groundedness:.2f} "
                f"(unsupported: {unsupported[0][:80]!r})"
            )
        if coverage < policy.min_citation_coverage:
            reasons.append(
                f"citation coverage {coverage:.2f} is below {policy.min_citation_coverage:.2f}"
            )
    elif output.action == DraftAction.ASK_CLARIFYING and "?" not in text:
        reasons.append("a clarifying draft asks no question")

    # Personal data the customer did not give (published sources may hold some, such as a
    # support line: those are not foreign).
    if redactor is not None:
        published = " ".join(s.text for s in sources).casefold()
        leaked = [
            kind.value
            for kind, value in redactor.foreign(text)
            if value.casefold() not in published
        ]
        if leaked:
            reasons.append(
                "contains personal data the customer did not give: "
                + ", ".join(dict.fromkeys(leaked))
            )

    # Content filter.
    if words := abusive_words(text):
        reasons.append("abusive or unsafe language: " + ", ".join(words))
    if echoes := injection_echoes(text):
        reasons.append("echoes an instruction from its input: " + ", ".join(echoes))
    if links := foreign_links(text, source_domains(s.text for s in sources)):
        reasons.append("links to a domain no source mentions: " + ", ".join(links))

    return ValidationReport(
        passed=not reasons,
        reasons=tuple(reasons),
        groundedness=round(groundedness, 3),
        citation_coverage=round(coverage, 3),
    )
