"""Imports every module that registers job kinds, so server and workers know the same set."""

from __future__ import annotations

from workers.jobs import kb_import, kb_index, mail, probes

__all__ = ["kb_import", "kb_index", "mail", "probes"]
