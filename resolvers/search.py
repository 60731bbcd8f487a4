"""The one rule for search arguments (tickets, customers, teams, users).

Blank (empty or only spaces) is no search. Otherwise the text must hold a letter or a digit
(searches match words, and punctuation alone is no word: it used to mean "everything" for
tickets and "nobody" for customers) and at most MAX_SEARCH_LENGTH characters; anything
else is BAD_USER_INPUT, so a caller never mistakes an ignored search for a result.
"""

from __future__ import annotations

from db.customer_search import MAX_SEARCH_LENGTH
from db.trigrams import words
from resolvers.error_codes import CommonErrorCode
from resolvers.errors import ValidationFailed

__all__ = ["MAX_SEARCH_LENGTH", "NO_TERMS", "search_text"]

NO_TERMS = "Search has no letters or digits."


def search_text(value: str | None, field: str) -> str | None:
    """The stripped search, None for no search, or `ValidationFailed` on `field`."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise ValidationFailed.one(
            field, f"Search with at most {MAX_SEARCH_LENGTH} characters.", CommonErrorCode.INVALID
        )
    if not words(text):
        raise ValidationFailed.one(field, NO_TERMS, CommonErrorCode.INVALID)
    return text
