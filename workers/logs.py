"""Structured logs (structlog): one JSON object per line when stderr is not a terminal, a
readable console line on a terminal. Our stdlib loggers and uvicorn's go through the same
formatter, and every line carries what is bound in the context (request id, operation, job).

Secrets never reach the output: values under secret-looking keys, bearer tokens and the
password of a URL are replaced before rendering.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import IO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = ["MASK", "configure_logging", "new_request_id", "redact_secrets", "request_id_from"]

MASK = "**********"
_HANDLER_NAME = "autocrm"
_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|authorization|api_?key|cookie", re.I)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@/\s]+@", re.I)
_API_KEY = re.compile(r"\bacrm_[A-Za-z0-9_-]{8,}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The caller's request id (a proxy's or client's X-Request-Id) when it is well formed
    (up to 64 letters, digits and `._:-`), so it can be searched for across systems; a new
    one otherwise (nothing a client sends can forge a log line)."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return new_request_id()


def _scrub(text: str) -> str:
    text = _BEARER.sub(rf"\g<1>{MASK}", text)
    text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
    return _API_KEY.sub(f"acrm_{MASK}", text)


def redact_secrets(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """Mask secret-looking keys and the secrets a message may quote (tokens, URL passwords)."""
    for key, value in list(event.items()):
        if key.startswith("_") or value is None:
            continue
        if key != "event" and _SECRET_KEYS.search(key) and not isinstance(value, bool):
            event[key] = MASK
        elif isinstance(value, str):
            event[key] = _scrub(value)
    return event


def _scrub_rendered(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """A formatted traceback may quote a secret too."""
    exception = event.get("exception")
    if isinstance(exception, str):
        event["exception"] = _scrub(exception)
    return event


def _shared() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]


def configure_logging(
    level: str = "INFO", fmt: str = "auto", *, stream: IO[str] | None = None
) -> logging.Handler:
    """Send all logging (stdlib and structlog) through one formatter on `stream` (stderr).

    `fmt` (LOG_FORMAT): `json`, `console`, or `auto` (JSON unless `stream` is a terminal).
    Replaces the handler an earlier call installed, leaves other handlers alone.
    """
    stream = stream or sys.stderr
    as_json = fmt == "json" or (fmt == "auto" and not _is_terminal(stream))
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if as_json:
        final += [
            structlog.processors.format_exc_info,
            _scrub_rendered,
            structlog.processors.JSONRenderer(default=str),
        ]
    else:
        final.append(structlog.dev.ConsoleRenderer(colors=_is_terminal(stream)))
    formatter = structlog.stdlib.ProcessorFormatter(foreign_pre_chain=_shared(), processors=final)
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()  # uvicorn's own formatter would bypass ours
        uvicorn_logger.propagate = True
    structlog.configure(
        processors=[*_shared(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    return handler


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
