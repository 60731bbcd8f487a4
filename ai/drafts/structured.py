"""Reading a provider's structured answer: the JSON checked against DRAFT_SCHEMA, its `[n]`
markers turned into per-sentence citations of Source ids, and the reply's text pulled out of
the JSON as it streams (so staff watching aiSuggestionTokens read text, not JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ai.drafts.contract import DraftAction, DraftOutput, Source
from ai.drafts.prompts import DRAFT_SCHEMA
from ai.model_json import unfenced

__all__ = ["DraftFormatError", "TextStreamer", "parse_answer", "split_marked", "to_output"]

_VALIDATOR = Draft202012Validator(DRAFT_SCHEMA)
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
# A marker still being written at the end of streamed text, or whitespace a marker may eat.
_PARTIAL_MARKER = re.compile(r"(?:\s*\[[\d,\s]*|\s+)$")
# Markers after a sentence's full stop belong to that sentence: "card. [2]" -> "card [2]."
_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


class DraftFormatError(ValueError):
    """The answer is not one JSON object valid against the draft schema."""


def parse_answer(text: str) -> dict[str, Any]:
    """The answer's JSON object, or DraftFormatError saying what is wrong (sent back to the
    provider in the repair request)."""
    try:
        data = json.loads(unfenced(text))
    except json.JSONDecodeError as exc:
        raise DraftFormatError(f"not JSON ({exc.msg} at character {exc.pos})") from exc
    error = best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the object"
        raise DraftFormatError(f"{where}: {error.message}")
    assert isinstance(data, dict)
    return data


def split_marked(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The sentences of a marked reply, each without its markers and with the numbers cited."""
    moved = _AFTER_STOP.sub(r"\2\1", text)
    sentences: list[tuple[str, tuple[int, ...]]] = []
    for raw in _SENTENCE.split(moved):
        numbers = tuple(
            dict.fromkeys(int(n) for group in _MARKER.findall(raw) for n in group.split(","))
        )
        clean = " ".join(_MARKER.sub("", raw).split())
        if clean:
            sentences.append((clean, numbers))
        elif numbers and sentences:  # a marker alone on a line: it cites the sentence before
            last, cited = sentences[-1]
            sentences[-1] = (last, tuple(dict.fromkeys(cited + numbers)))
    return sentences


def strip_markers(text: str) -> str:
    return _MARKER.sub("", text)


def _source_id(number: int, sources: Sequence[Source]) -> str:
    # A number outside the context is kept visibly wrong: validation refuses it.
    return sources[number - 1].id if 0 < number <= len(sources) else f"#{number}"


def to_output(data: dict[str, Any], sources: Sequence[Source]) -> DraftOutput:
    """The DraftOutput of a schema-valid answer; citations as Source ids."""
    marked = split_marked(str(data["text"]))
    attributions = tuple(
        (sentence, tuple(_source_id(n, sources) for n in numbers)) for sentence, numbers in marked
    )
    numbers = [int(n) for n in data["citations"]] + [n for _, ns in marked for n in ns]
    return DraftOutput(
        text=strip_markers(str(data["text"])).strip(),
        citations=tuple(dict.fromkeys(_source_id(n, sources) for n in numbers)),
        confidence=float(data["confidence"]),
        action=DraftAction(data["action"]),
        language=str(data["language"]),
        attributions=attributions,
    )


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_TEXT_KEY = re.compile(r'"text"\s*:\s*"')


class TextStreamer:
    """Feeds on the raw JSON deltas of a streamed answer and gives back the deltas of its
    `text` field, decoded and without citation markers."""

    def __init__(self) -> None:
        self._raw = ""
        self._start: int | None = None  # where the text value's characters begin
        self._read = 0  # raw characters of the value decoded so far
        self._decoded = ""
        self._closed = False
        self._sent = 0  # characters of the cleaned text handed out
        self.sent_any = False

    def feed(self, delta: str) -> str:
        self._raw += delta
        if self._closed:
            return ""
        if self._start is None:
            found = _TEXT_KEY.search(self._raw)
            if found is None:
                return ""
            self._start = self._read = found.end()
        self._decode()
        clean = strip_markers(self._decoded)
        if not self._closed:
            held = _PARTIAL_MARKER.search(clean)
            clean = clean[: held.start()] if held else clean
        return self._hand_out(clean)

    def finish(self) -> str:
        if self._start is None:
            return ""
        return self._hand_out(strip_markers(self._decoded).rstrip())

    def _hand_out(self, clean: str) -> str:
        if len(clean) <= self._sent:
            return ""
        piece, self._sent = clean[self._sent :], len(clean)
        self.sent_any = True
        return piece

    def _decode(self) -> None:
        raw, i = self._raw, self._read
        out: list[str] = []
        while i < len(raw):
            char = raw[i]
            if char == '"':
                self._closed = True
                i += 1
                break
            if char != "\\":
                out.append(char)
                i += 1
                continue
            if i + 1 >= len(raw):
                break  # the escape is not complete yet
            kind = raw[i + 1]
            if kind == "u":
                if i + 6 > len(raw):
                    break
                out.append(chr(int(raw[i + 2 : i + 6], 16)))
                i += 6
            else:
                out.append(_ESCAPES.get(kind, kind))
                i += 2
        self._read = i
        self._decoded += "".join(out)
