"""The draft pipeline's tool step (issue 12): run the read-only tools a customer's question
needs and hand their results to `produce_draft` as Sources it may cite.

With a function-calling provider (OpenAI, Anthropic, an OpenAI-compatible `base_url`) the
model picks the tools: each allowed tool is offered as a function with its input schema,
what it asks for runs in a batch (one deadline, identical calls once) and the results go
back, for at most AI_TOOL_ROUNDS rounds. Offline, or when no provider answers, the intent
rule (ai/tools/intents.py) picks one tool whose examples match the question and fills its
input from the question; a tool whose required input cannot be filled is not run.

Only tools that only read are ever offered or run, only when enabled, and only those whose
manifest lists the requester's role (auth.policy.may_run_tool). Every run is a ToolRun row
(caller, ticket, job, duration, outcome, bytes), written like a `runTool` run."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from limits import parse as parse_rate
from limits.aio.strategies import RateLimiter
from sqlalchemy import select

from ai.drafts.contract import DraftInput, Source, ToolStep
from ai.functions import FunctionCall, FunctionResult, FunctionSpec
from ai.gateway import Gateway, GatewayError
from ai.requests import Caller, ChatMessage, CompletionRequest
from ai.tools.batch import ReadCache, ToolCall, run_batch
from ai.tools.intents import match_intent
from ai.tools.manifest import ManifestError, ToolManifest, check_io
from ai.tools.runtime import RunOutcome, execute, finish_run
from auth import policy
from auth.principal import Principal
from db.engine import Database
from db.models import Tool, ToolRun, ToolVersion, User
from db.models.accounts import Role
from settings import Settings

if TYPE_CHECKING:
    from workers.jobs.sender import JobSender

__all__ = ["PROMPT_VERSION", "DraftTools", "UsableTool", "tool_step_for", "usable_tools"]

PROMPT_VERSION = "draft-tools-v1"
OPERATION = "draft_tools"
_SYSTEM = (
    "You help a support agent answer a customer. Call the tools you need to look up facts "
    "the customer's question depends on (orders, accounts, statuses); never guess them. "
    "Call nothing when no tool fits. When you have what you need, say so in one sentence."
)
# A tool's answer as a source and as what the model is told: enough for a reply, bounded.
_MAX_SOURCE_CHARS = 4000
_log = logging.getLogger("autocrm.ai")


@dataclass(frozen=True, slots=True)
class UsableTool:
    """A tool the requester may have run in a draft, at its current version."""

    tool: Tool
    version: ToolVersion
    manifest: ToolManifest

    @property
    def function(self) -> FunctionSpec:
        return FunctionSpec(self.tool.name, self.manifest.description, self.manifest.input_schema)


class _RunFailed(Exception):
    """A tool run ended in failure or timeout (recorded on its row); never cached."""


async def usable_tools(db: Database, requested_by: uuid.UUID | None) -> list[UsableTool]:
    """The enabled, read-only tools whose manifest lets `requested_by`'s role run them."""
    if requested_by is None:
        return []
    async with db.sessions() as session:
        user = await session.get(User, requested_by)
        if user is None or not user.is_active:
            return []
        principal = Principal(role=Role(user.role), label=user.email, user_id=user.id)
        rows = (
            await session.execute(
                select(Tool, ToolVersion)
                .join(ToolVersion, ToolVersion.id == Tool.current_version_id)
                .where(Tool.enabled)
                .order_by(Tool.name)
            )
        ).all()
    usable: list[UsableTool] = []
    for tool, version in rows:
        manifest = ToolManifest.model_validate(version.manifest)
        if manifest.needs_approval or not policy.may_run_tool(principal, manifest.roles):
            continue
        # Function parameters must be an object schema (both APIs insist).
        if manifest.input_schema.get("type") != "object":
            continue
        usable.append(UsableTool(tool, version, manifest))
    return usable


def _compact(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= _MAX_SOURCE_CHARS else text[: _MAX_SOURCE_CHARS - 1] + "…"


class DraftTools:
    """A ToolStep (call it with the question and the draft); its runs are kept in `runs`."""

    def __init__(
        self,
        tools: Sequence[UsableTool],
        *,
        db: Database,
        gateway: Gateway,
        settings: Settings,
        requested_by: uuid.UUID | None,
        ticket_id: uuid.UUID | None,
        job_id: uuid.UUID | None = None,
        sender: JobSender | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.tools = {t.tool.name: t for t in tools}
        self._rate_limiter = rate_limiter
        self._db = db
        self._gateway = gateway
        self._settings = settings
        self._requested_by = requested_by
        self._ticket_id = ticket_id
        self._job_id = job_id
        self._sender = sender
        # Identical calls within one draft (the same order asked twice) run once.
        self._cache: ReadCache[tuple[uuid.UUID, Any]] = ReadCache(ttl_seconds=60.0)
        self.sources: list[Source] = []
        self.runs: list[uuid.UUID] = []

    async def __call__(self, question: str, draft: DraftInput) -> list[Source]:
        self.sources, self.runs = [], []
        if self._gateway.calls_functions:
            try:
                await self._with_model(question, draft)
                return list(self.sources)
            except GatewayError as exc:
                if self.runs:  # a later turn failed: keep what the earlier rounds found
                    _log.warning("draft tools: the model stopped answering (%s)", exc)
                    return list(self.sources)
                _log.warning("draft tools: no model picked tools (%s); using the intent rule", exc)
        await self._by_intent(question, draft)
        return list(self.sources)

    # -- the model picks ---------------------------------------------------------------

    async def _with_model(self, question: str, draft: DraftInput) -> None:
        request = CompletionRequest(
            messages=(ChatMessage("user", question),),
            operation=OPERATION,
            prompt_version=PROMPT_VERSION,
            system=_SYSTEM,
            caller=self._caller(draft),
        )
        functions = [t.function for t in self.tools.values()]
        await self._gateway.complete_with_tools(
            request, functions, self._answer_calls, max_rounds=self._settings.ai_tool_rounds
        )

    async def _answer_calls(self, calls: Sequence[FunctionCall]) -> list[FunctionResult]:
        """One round: refuse what may not run, run the rest in one batch."""
        results: dict[int, FunctionResult] = {}
        runnable: list[tuple[int, FunctionCall, UsableTool]] = []
        for index, call in enumerate(calls):
            problem = self._problem(call, len(runnable))
            if problem is not None:
                results[index] = FunctionResult(call.id, call.name, _error(problem), True)
            else:
                runnable.append((index, call, self.tools[call.name]))
        outcomes = await self._run([(t, call.arguments or {}) for _, call, t in runnable])
        for (index, call, _), (source, error) in zip(runnable, outcomes, strict=True):
            if source is not None:
                results[index] = FunctionResult(call.id, call.name, source.text)
            else:
                results[index] = FunctionResult(call.id, call.name, _error(error or "failed"), True)
        return [results[i] for i in range(len(calls))]

    def _problem(self, call: FunctionCall, runnable: int) -> str | None:
        usable = self.tools.get(call.name)
        if usable is None:
            # Never run what was not offered: a changing tool, another role's, a made-up name.
            return f"There is no tool named {call.name!r}."
        if call.arguments is None:
            return "The arguments are not a JSON object."
        if runnable >= self._settings.ai_tool_calls_per_round:
            return "Too many tool calls in one round."
        try:
            check_io(usable.manifest.input_schema, call.arguments, "input")
        except ManifestError as exc:
            return str(exc)
        return None

    # -- offline: the intent rule ------------------------------------------------------

    async def _by_intent(self, question: str, draft: DraftInput) -> None:
        match = match_intent(question, [t.manifest for t in self.tools.values()])
        if match is None or match.missing:
            return
        try:
            check_io(match.tool.input_schema, match.arguments, "input")
        except ManifestError:
            return
        await self._run([(self.tools[match.tool.name], match.arguments)], score=match.score)

    # -- running -----------------------------------------------------------------------

    def _caller(self, draft: DraftInput) -> Caller:
        return Caller(
            user_id=self._requested_by,
            job_id=self._job_id or draft.job_id,
            ticket_id=self._ticket_id or draft.ticket_id,
        )

    async def _run(
        self, calls: Sequence[tuple[UsableTool, dict[str, Any]]], *, score: float = 1.0
    ) -> list[tuple[Source | None, str | None]]:
        """Run `calls` in one batch; each gives a Source (added to `sources`) or an error."""
        if not calls:
            return []
        batch = [
            ToolCall(f"{t.tool.name}@{t.version.version}", arguments, read_only=True)
            for t, arguments in calls
        ]
        by_key = {c.tool: t for c, (t, _) in zip(batch, calls, strict=True)}

        async def run_one(call: ToolCall) -> tuple[uuid.UUID, Any]:
            return await self._run_one(by_key[call.tool], dict(call.input))

        outcomes = await run_batch(
            batch,
            run_one,
            concurrency=self._settings.ai_tool_calls_per_round,
            deadline_seconds=self._settings.ai_tool_deadline_seconds,
            cache=self._cache,
        )
        answers: list[tuple[Source | None, str | None]] = []
        for outcome in outcomes:
            if outcome.result is None:
                error = (outcome.error or "failed").removeprefix(f"{_RunFailed.__name__}: ")
                answers.append((None, error))
                continue
            run_id, output = outcome.result
            source = Source(
                id=f"tool:{run_id}",
                kind="tool",
                title=by_key[outcome.call.tool].tool.name,
                text=_compact(output),
                score=score,
                tool_run_id=run_id,
            )
            if all(s.id != source.id for s in self.sources):
                self.sources.append(source)
            answers.append((source, None))
        return answers

    async def _run_one(self, usable: UsableTool, payload: dict[str, Any]) -> tuple[uuid.UUID, Any]:
        """One recorded run, as `runTool` records it; raises when it did not succeed."""
        rate, limiter = usable.manifest.rate_limit, self._rate_limiter
        # The same budget runTool counts (the tool's server's limit); like there, a refused
        # call is not a run.
        if (
            rate is not None
            and limiter is not None
            and not await limiter.hit(parse_rate(rate), "tool", usable.tool.name)
        ):
            raise _RunFailed(f"The tool's rate limit ({rate}) is used up.")
        run_id = uuid.uuid4()
        async with self._db.transaction() as session:
            session.add(
                ToolRun(
                    id=run_id,
                    tool_id=usable.tool.id,
                    tool_version_id=usable.version.id,
                    caller_id=self._requested_by,
                    ticket_id=self._ticket_id,
                    job_id=self._job_id,
                    input=payload,
                    status="running",
                )
            )
        self.runs.append(run_id)
        try:
            outcome = await execute(self._db, self._settings, usable.tool, usable.manifest, payload)
        except asyncio.CancelledError:
            # The round's deadline passed: the run is recorded as a timeout all the same.
            deadline = self._settings.ai_tool_deadline_seconds
            timeout = RunOutcome("timeout", error=f"No answer within the round's {deadline:g} s.")
            await finish_run(self._db, self._settings, run_id, usable.tool, timeout)
            raise
        await finish_run(
            self._db, self._settings, run_id, usable.tool, outcome, sender=self._sender
        )
        if outcome.status != "succeeded":
            raise _RunFailed(f"{outcome.status}: {outcome.error}")
        return run_id, outcome.output


def _error(message: str) -> str:
    return json.dumps({"error": message}, ensure_ascii=False)


async def tool_step_for(
    *,
    db: Database,
    gateway: Gateway,
    settings: Settings,
    requested_by: uuid.UUID | None,
    ticket_id: uuid.UUID | None,
    job_id: uuid.UUID | None = None,
    sender: JobSender | None = None,
    rate_limiter: RateLimiter | None = None,
) -> ToolStep | None:
    """The tool step for one draft, or None when no tool is usable (tools switched off by
    AI_DRAFT_TOOLS, no requester, or no enabled read-only tool the requester's role may run).

    In the draft job: `tools=await tool_step_for(db=run.db, gateway=run.ai,
    settings=run.env.settings, requested_by=run.requested_by, ticket_id=ticket_id,
    job_id=run.id, sender=run.env.sender)`; pass the server's `rate_limiter` (the one
    `runTool` uses) to apply manifests' `rate_limit` to draft runs too."""
    if not settings.ai_draft_tools:
        return None
    tools = await usable_tools(db, requested_by)
    if not tools:
        return None
    return DraftTools(
        tools,
        db=db,
        gateway=gateway,
        settings=settings,
        requested_by=requested_by,
        ticket_id=ticket_id,
        job_id=job_id,
        sender=sender,
        rate_limiter=rate_limiter,
    )
