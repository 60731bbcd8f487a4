"""Imports every module that registers job kinds, so server and workers know the same set."""

from __future__ import annotations

from workers.jobs import (
    ai_compare,
    ai_draft,
    ai_triage,
    kb_import,
    kb_index,
    mail,
    probes,
    tool_run,
)

__all__ = [
    "ai_compare",
    "ai_draft",
    "ai_triage",
    "kb_import",
    "kb_index",
    "mail",
    "probes",
    "tool_run",
]
