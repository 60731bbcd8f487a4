"""Output validation for AI drafts: structure, citations, grounding, personal data and the
content filter (ai/validation/draft.py holds the rules, content.py and grounding.py the
checks)."""

from __future__ import annotations

from ai.validation.draft import ValidationPolicy, validate_draft

__all__ = ["ValidationPolicy", "validate_draft"]
