"""Running a recorded tool run, shared by the `tools.run` job and the AI drafts' tool step:
a `python` tool in the sandbox, an `http` tool through the egress-checked client with its
connection's credentials; the output checked against the manifest; the outcome written on
the ToolRun row; the circuit breaker kept (admins are mailed when it opens).

Credentials and mail come from resolvers/ and workers/ (imported where used, as before this
moved out of workers/jobs/tool_run.py: they need the database layer's use cases)."""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
from prometheus_client import Counter
from sqlalchemy import select

from ai.tools.egress import EgressRefused, ResponseTooLarge, fetch
from ai.tools.manifest import HttpRunner, ManifestError, PythonRunner, ToolManifest, check_io
from ai.tools.oauth import OAuthConnectionError
from ai.tools.sandbox import SandboxLimits, SandboxOutcome, run_python
from db.base import utcnow
from db.engine import Database
from db.models import Tool, ToolRun, User
from settings import Settings

if TYPE_CHECKING:
    from workers.jobs.sender import JobSender

__all__ = ["TOOL_RUNS", "RunOutcome", "execute", "fill_url", "finish_run"]

_log = logging.getLogger("autocrm.tools")
# Failures and timeouts per tool, for /metrics (the default registry).
TOOL_RUNS = Counter("autocrm_tool_runs", "Finished tool runs by outcome.", ["tool", "status"])
_REVOKED = (
    "The tool's authorization was refused by its server (HTTP {status}): it may have been "
    "revoked or expired; an admin must reconnect the tool."
)


@dataclass(slots=True)
class RunOutcome:
    status: str  # succeeded | failed | timeout
    output: Any = None
    error: str | None = None
    duration_ms: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0


def fill_url(template: str, payload: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`{name}` placeholders from the input (URL-encoded); the rest of the input is the body."""
    rest = dict(payload)
    url = template
    for key in list(rest):
        marker = "{" + key + "}"
        if marker in url:
            url = url.replace(marker, quote(str(rest.pop(key)), safe=""))
    return url, rest


async def _python(
    db: Database,
    settings: Settings,
    tool: Tool,
    manifest: ToolManifest,
    runner: PythonRunner,
    payload: Any,
) -> RunOutcome:
    from resolvers.tools.credentials import python_env

    async with db.transaction() as session:
        env = await python_env(session, settings, tool, manifest)
    limits = SandboxLimits(
        timeout_seconds=manifest.timeout_seconds, max_output_bytes=settings.tool_max_output_bytes
    )
    result = await run_python(
        runner.entry, payload, limits=limits, env=env, search_path=settings.tool_python_path
    )
    if result.outcome is SandboxOutcome.TIMEOUT:
        status = "timeout"
    else:
        status = "succeeded" if result.ok else "failed"
    return RunOutcome(
        status, result.output, result.error, result.duration_ms, result.bytes_in, result.bytes_out
    )


async def _http(
    db: Database,
    settings: Settings,
    tool: Tool,
    manifest: ToolManifest,
    runner: HttpRunner,
    payload: dict[str, Any],
) -> RunOutcome:
    from resolvers.tools.common import egress_policy
    from resolvers.tools.credentials import auth_headers

    async with db.transaction() as session:  # a refreshed token is stored at once
        headers = await auth_headers(session, settings, tool, manifest)
    url, body = fill_url(runner.url, payload)
    sent = json.dumps(body).encode() if runner.method != "GET" else b""
    started = time.perf_counter()
    try:
        response = await fetch(
            runner.method,
            url,
            policy=egress_policy(settings),
            json=body if runner.method != "GET" else None,
            headers=headers,
            deadline=manifest.timeout_seconds,
            max_bytes=settings.tool_max_output_bytes,
        )
    except TimeoutError:
        took = (time.perf_counter() - started) * 1000
        return RunOutcome(
            "timeout", None, f"No answer within {manifest.timeout_seconds:g} s.", took, len(sent)
        )
    took = (time.perf_counter() - started) * 1000
    size = len(response.content)
    if response.status_code in (401, 403) and headers:
        return RunOutcome(
            "failed", None, _REVOKED.format(status=response.status_code), took, len(sent), size
        )
    if response.status_code >= 400:
        return RunOutcome(
            "failed",
            None,
            f"The tool's server answered HTTP {response.status_code}.",
            took,
            len(sent),
            size,
        )
    try:
        output = response.json()
    except ValueError:
        return RunOutcome(
            "failed", None, "The tool's server did not answer JSON.", took, len(sent), size
        )
    return RunOutcome("succeeded", output, None, took, len(sent), size)


async def execute(
    db: Database, settings: Settings, tool: Tool, manifest: ToolManifest, payload: dict[str, Any]
) -> RunOutcome:
    """Run the tool once (sandbox or egress-checked HTTP) and check its output; never
    raises for what the tool does: the outcome says what happened."""
    runner = manifest.runner
    try:
        if isinstance(runner, PythonRunner):
            outcome = await _python(db, settings, tool, manifest, runner, payload)
        else:
            outcome = await _http(db, settings, tool, manifest, runner, payload)
    except OAuthConnectionError as exc:
        return RunOutcome("failed", error=str(exc))
    except (EgressRefused, ResponseTooLarge) as exc:
        return RunOutcome("failed", error=str(exc))
    except httpx.HTTPError as exc:  # refused connection, reset, protocol error
        return RunOutcome("failed", error=f"The tool's server could not be reached: {exc!r}")
    if outcome.status == "succeeded":
        try:
            check_io(manifest.output_schema, outcome.output, "output")
        except ManifestError as exc:
            outcome.status, outcome.output = "failed", None
            outcome.error = f"The tool's answer does not match its output schema: {exc}"
    return outcome


async def _notify_admins(
    db: Database, settings: Settings, sender: JobSender | None, tool: Tool, reason: str
) -> None:
    from resolvers.mail import queue_mail
    from workers.jobs.mail import delivery_job
    from workers.jobs.sender import send_pending

    async with db.transaction() as session:
        admins = (
            await session.execute(select(User).where(User.role == "admin", User.is_active))
        ).scalars()
        for admin in admins:
            queue_mail(
                session,
                to=admin.email,
                subject=f"Tool {tool.name} was disabled",
                body=f"The tool {tool.name} was disabled automatically: {reason}\n"
                "Fix the cause, then enable it again (enableTool).",
                kind="tool_disabled",
                user_id=admin.id,
            )
        job = await delivery_job(session) if settings.smtp_url is not None else None
    if job is not None:
        await send_pending(db, sender, [job])


async def finish_run(
    db: Database,
    settings: Settings,
    run_id: uuid.UUID,
    tool: Tool,
    outcome: RunOutcome,
    *,
    sender: JobSender | None = None,
) -> None:
    """Write `outcome` on the run and keep the tool's breaker: a success resets it,
    TOOL_BREAKER_FAILURES failures in a row disable the tool and mail the admins."""
    disabled_now: str | None = None
    async with db.transaction() as session:
        record = await session.get(ToolRun, run_id, with_for_update=True)
        locked = await session.get(Tool, tool.id, with_for_update=True)
        assert record is not None
        assert locked is not None
        record.status = outcome.status
        record.output = outcome.output
        record.error = (outcome.error or "")[:2000] or None
        record.duration_ms = outcome.duration_ms
        record.bytes_in, record.bytes_out = outcome.bytes_in, outcome.bytes_out
        record.finished_at = utcnow()
        if outcome.status == "succeeded":
            locked.consecutive_failures = 0
        elif locked.enabled:
            locked.consecutive_failures += 1
            limit = settings.tool_breaker_failures
            if locked.consecutive_failures >= limit:
                locked.enabled = False
                disabled_now = f"{limit} runs in a row failed or timed out (last: {record.error})."
                locked.disabled_reason = disabled_now[:500]
    TOOL_RUNS.labels(tool.name, outcome.status).inc()
    if disabled_now is not None:
        _log.warning("tool %s disabled by its circuit breaker", tool.name)
        await _notify_admins(db, settings, sender, tool, disabled_now)
