"""Typed placeholders for one ticket's personal data, and the way back.

The same value gets the same placeholder everywhere in a ticket (`<EMAIL_1>` in the first
message and in the fifth), numbered in order of first appearance, so a ticket's thread
redacted from its first message on always reads the same. A reply is restored only with the
values the customer gave (and values of published material, such as the support line in a
knowledge-base article): a placeholder for anything else (an agent's note, another customer's
number, one the model made up) stays masked."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ai.pii.entities import PiiKind

if TYPE_CHECKING:
    from ai.pii.detector import Detector

__all__ = ["Redactor", "Restored", "StreamRestorer", "masked"]

_KINDS = "|".join(kind.value for kind in PiiKind)
# Models sometimes bend the brackets or add spaces; all of these are our placeholders.
_PLACEHOLDER = re.compile(rf"[<\[]\s*({_KINDS})_(\d+)\s*[>\]]")
# What may still grow into a placeholder at the end of a streamed piece.
_PARTIAL = re.compile(r"[<\[]\s*[A-Z]*(?:_\d*)?\s*$")
_LONGEST_PLACEHOLDER = 24


def masked(kind: PiiKind) -> str:
    """What stands in a restored reply for a value the customer did not give."""
    return f"[{kind.value.lower()} removed]"


def _key(kind: PiiKind, value: str) -> str:
    """Spellings of one value that must share a placeholder."""
    if kind in (PiiKind.PHONE, PiiKind.CARD, PiiKind.IBAN):
        return re.sub(r"[^0-9A-Za-z+]", "", value).upper()
    if kind in (PiiKind.EMAIL, PiiKind.PERSON, PiiKind.LOCATION):
        return " ".join(value.casefold().split())
    return value


@dataclass(slots=True)
class _Entry:
    placeholder: str
    kind: PiiKind
    value: str
    from_customer: bool
    public: bool = False


@dataclass(frozen=True, slots=True)
class Restored:
    text: str
    # Placeholders that were masked rather than restored (not the customer's, or unknown).
    withheld: tuple[str, ...] = ()


@dataclass
class Redactor:
    """One ticket's placeholders. `detector` None means PII_MODE=off: nothing is replaced."""

    detector: Detector | None
    _by_key: dict[tuple[PiiKind, str], _Entry] = field(default_factory=dict)
    _by_placeholder: dict[str, _Entry] = field(default_factory=dict)
    _counts: dict[PiiKind, int] = field(default_factory=dict)

    @classmethod
    def from_thread(
        cls, detector: Detector | None, messages: Iterable[tuple[str, bool]]
    ) -> tuple[Redactor, list[str]]:
        """A ticket's redactor and its redacted thread, from (text, written by the customer)
        pairs in thread order."""
        redactor = cls(detector)
        return redactor, [redactor.redact(text, from_customer=mine) for text, mine in messages]

    def redact(self, text: str, *, from_customer: bool = False, public: bool = False) -> str:
        """`text` with every value replaced by its placeholder. `public` text (a published
        article) may have its values back in a reply, like the customer's own."""
        if self.detector is None:
            return text
        parts: list[str] = []
        at = 0
        for found in self.detector.find(text):
            parts.append(text[at : found.start])
            value = text[found.start : found.end]
            parts.append(self._placeholder(found.kind, value, from_customer, public))
            at = found.end
        parts.append(text[at:])
        return "".join(parts)

    def restore(self, text: str) -> Restored:
        """`text` with the customer's own values back and every other placeholder masked."""
        withheld: list[str] = []

        def back(match: re.Match[str]) -> str:
            placeholder = f"<{match[1]}_{int(match[2])}>"
            entry = self._by_placeholder.get(placeholder)
            if entry is not None and (entry.from_customer or entry.public):
                return entry.value
            withheld.append(placeholder)
            return masked(PiiKind(match[1]))

        return Restored(_PLACEHOLDER.sub(back, text), tuple(withheld))

    def foreign(self, text: str) -> list[tuple[PiiKind, str]]:
        """Personal data in `text` (a reply) that neither the customer gave nor published
        material holds: what output validation must refuse."""
        if self.detector is None:
            return []
        allowed = {
            key for key, entry in self._by_key.items() if entry.from_customer or entry.public
        }
        found = [(f.kind, text[f.start : f.end]) for f in self.detector.find(text)]
        return [(kind, value) for kind, value in found if (kind, _key(kind, value)) not in allowed]

    def customer_values(self) -> dict[str, str]:
        """Placeholder -> value, for what the customer gave."""
        return {p: e.value for p, e in self._by_placeholder.items() if e.from_customer}

    def values(self) -> dict[str, str]:
        """Placeholder -> value, for everything redacted so far."""
        return {p: e.value for p, e in self._by_placeholder.items()}

    def fingerprint(self) -> str:
        """Tells apart redactors that would restore the same reply differently."""
        given = sorted(
            f"{p}={e.value}" for p, e in self._by_placeholder.items() if e.from_customer or e.public
        )
        return hashlib.sha256("\n".join(given).encode()).hexdigest()

    def _placeholder(self, kind: PiiKind, value: str, from_customer: bool, public: bool) -> str:
        key = (kind, _key(kind, value))
        entry = self._by_key.get(key)
        if entry is None:
            number = self._counts.get(kind, 0) + 1
            self._counts[kind] = number
            entry = _Entry(f"<{kind.value}_{number}>", kind, value, from_customer, public)
            self._by_key[key] = entry
            self._by_placeholder[entry.placeholder] = entry
        elif from_customer and not entry.from_customer:
            # First seen in staff text, now also given by the customer: it is theirs to get back.
            entry.from_customer = True
            entry.value = value
        entry.public = entry.public or public
        return entry.placeholder


class StreamRestorer:
    """Restores a streamed reply piece by piece, holding back a placeholder split across
    pieces (`<EMA` + `IL_1>`) until it is complete."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._pending = ""

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        cut = max(text.rfind("<"), text.rfind("["))
        tail = text[cut:] if cut >= 0 else ""
        if tail and len(tail) <= _LONGEST_PLACEHOLDER and _PARTIAL.fullmatch(tail):
            self._pending, text = tail, text[:cut]
        else:
            self._pending = ""
        return self._redactor.restore(text).text if text else ""

    def finish(self) -> str:
        text, self._pending = self._pending, ""
        return self._redactor.restore(text).text if text else ""
