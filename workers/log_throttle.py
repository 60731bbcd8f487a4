"""Log a recurring complaint once per interval, not once per request.

While Redis is down every request (rate limit) and every event (publish) meets the same
failure; one line a minute, with a count of the ones held back, says as much as thousands.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LogThrottle"]


@dataclass(slots=True)
class _Window:
    logged_at: float
    held_back: int = 0


class LogThrottle:
    """At most one record per `interval` seconds per key; the next one counts the rest."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def warning(self, key: str, message: str, *args: object) -> None:
        self.log(logging.WARNING, key, message, *args)

    def log(self, level: int, key: str, message: str, *args: object) -> None:
        now = self._clock()
        window = self._windows.get(key)
        if window is not None and now - window.logged_at < self.interval:
            window.held_back += 1
            return
        held_back = window.held_back if window is not None else 0
        self._windows[key] = _Window(logged_at=now)
        if held_back:
            message += " (%d more like this since the last one were not logged)"
            args = (*args, held_back)
        self.logger.log(level, message, *args)
