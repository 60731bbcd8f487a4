"""presidio's phone recognizer (libphonenumber) minus the support-desk identifiers it takes for
phone numbers: the digits inside `INV-2024-000123`, an order or tracking number."""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

__all__ = ["SupportPhoneRecognizer"]

# National formats of the regions our customers write from, plus any `+` international number.
REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "CH", "AT", "IE", "CA", "AU", "IN", "BR")

CONTEXT = [
    *PhoneRecognizer.CONTEXT,
    "tel",
    "telefon",
    "téléphone",
    "fax",
    "landline",
    "whatsapp",
    "reach",
]

# A number glued to letters or an id separator belongs to an identifier (INV-2024-000123,
# A-1234567, ref#5551234, /orders/2125550143).
_GLUED_BEFORE = re.compile(r"(?:[\w.]|[\w][-/#_])$")
_GLUED_AFTER = re.compile(r"^(?:[\w]|[-/_][\w])")
# A word just before the number saying what it is when it is not a phone.
_IDENTIFIER_WORDS = re.compile(
    r"\b(?:order|orders|invoice|inv|ticket|tracking|track|parcel|shipment|ref|reference|case|"
    r"sku|serial|s/n|po|version|build|customer number|account number|"
    r"contract|licen[cs]e|batch|item|article|receipt|transaction|booking|confirmation)"
    r"\W{0,3}(?:number|no\.?|nr\.?|id|code|#)?\W{0,3}$",
    re.IGNORECASE,
)


class SupportPhoneRecognizer(PhoneRecognizer):
    def __init__(self) -> None:
        # presidio's words, plus what support messages say; "call" cannot count: spaCy
        # treats it as a stop word, and presidio skips those.
        super().__init__(context=CONTEXT, supported_regions=REGIONS)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts)
        return [r for r in results if not _identifier(text, r.start, r.end)]


def _identifier(text: str, start: int, end: int) -> bool:
    before, after = text[max(0, start - 40) : start], text[end : end + 2]
    if text[start] != "+" and text[start] != "(" and _GLUED_BEFORE.search(before):
        return True
    if _GLUED_AFTER.match(after):
        return True
    return bool(_IDENTIFIER_WORDS.search(before))
