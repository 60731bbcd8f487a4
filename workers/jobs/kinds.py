"""The job kinds a worker can run: a name, an async handler and its limits.

Handlers are plain async functions registered with `@job_kind`; the Dramatiq actor and the
in-process worker both look them up here, so one kind behaves the same in either mode.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workers.jobs.runner import JobRun

__all__ = ["KINDS", "JobKind", "TransientJobError", "job_kind", "kind_of"]

Handler = Callable[["JobRun"], Coroutine[Any, Any, str | None]]


class TransientJobError(Exception):
    """Raise for a failure worth retrying (a service away, a lock taken); anything else
    fails the job at once, since retrying a bug only repeats it."""


@dataclass(frozen=True, slots=True)
class JobKind:
    name: str
    handler: Handler
    queue: str = "default"
    # Seconds one attempt may run before it is stopped (and retried as transient).
    time_limit: float = 300.0
    max_attempts: int = 5


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, queue: str = "default", time_limit: float = 300.0, max_attempts: int = 5
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        KINDS[name] = JobKind(name, handler, queue, time_limit, max_attempts)
        return handler

    return register


def kind_of(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown job kind {name!r}") from None
