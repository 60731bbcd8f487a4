"""The LLM gateway: one async interface (complete, stream, embed) over a fallback chain of
providers, with a response cache, quotas and a usage row for every call.

Fallback: a provider that errors, answers 429 (then skipped for its `retry-after`), or sends
no first token within AI_FIRST_TOKEN_TIMEOUT hands the request to the next one. Once a stream
has produced text it is committed to that provider. AI_TOTAL_TIMEOUT bounds the whole call.
A non-streaming call has no first token before its whole answer, so each remaining provider
gets an equal share of the time left instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ai.cache import ResponseCache, cache_key
from ai.costs import call_cost
from ai.pii.entities import PiiMode
from ai.pii.outbound import Outbound, PiiGuard
from ai.pii.redactor import StreamRestorer
from ai.providers.base import (
    EmbeddingNotSupported,
    Provider,
    ProviderFailed,
    ProviderRateLimited,
    StreamEvent,
    estimate_tokens,
)
from ai.quotas import Quotas
from ai.recorder import CallRecord, CallRecorder
from ai.requests import Caller, Completion, CompletionRequest, Embeddings, Usage
from settings import Settings

__all__ = [
    "AllProvidersFailed",
    "CompletionStream",
    "Gateway",
    "GatewayError",
    "GatewayTimeout",
]

_log = logging.getLogger("autocrm.ai")
_Answer = TypeVar("_Answer", Completion, Embeddings)


class GatewayError(Exception):
    """No answer: every provider failed, or the total deadline passed."""


class AllProvidersFailed(GatewayError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        # Set when every provider is rate-limited: the soonest one may be asked again then.
        self.retry_after = retry_after


class GatewayTimeout(GatewayError):
    """AI_TOTAL_TIMEOUT passed before an answer was complete."""


@dataclass(slots=True)
class _Attempt:
    """Timing of one provider attempt, on the event loop's clock."""

    provider: Provider
    started: float
    first_token: float | None = None


class CompletionStream:
    """Async iterable of text deltas; `result` holds the whole Completion once exhausted."""

    def __init__(self, gateway: Gateway, request: CompletionRequest) -> None:
        self.result: Completion | None = None
        self._events = gateway._stream(request, self)

    def __aiter__(self) -> AsyncGenerator[str, None]:
        return self._events

    async def aclose(self) -> None:
        await self._events.aclose()


class Gateway:
    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        settings: Settings,
        cache: ResponseCache,
        recorder: CallRecorder | None = None,
        quotas: Quotas | None = None,
        pii: PiiGuard | None = None,
        on_call: Callable[[CallRecord], None] | None = None,
    ) -> None:
        if not providers:
            raise ValueError("the AI gateway needs at least one provider")
        self.providers = list(providers)
        self._settings = settings
        self._cache = cache
        self._recorder = recorder
        self._quotas = quotas
        # Redaction is on unless switched off explicitly (PII_MODE=off).
        self._pii = pii if pii is not None else PiiGuard(PiiMode.PATTERNS)
        # Told of every attempt and cache hit as it is recorded (operations metrics).
        self._on_call = on_call
        # provider name -> loop time before which it is not asked again (its retry-after).
        self._cooling: dict[str, float] = {}

    # -- public interface ------------------------------------------------------------------

    @property
    def pii_guard(self) -> PiiGuard:
        """The redaction the gateway applies (callers build a ticket's Redactor with its
        detector, so placeholders and restoring agree)."""
        return self._pii

    def only(self, name: str) -> Gateway:
        """The same gateway (cache, quotas, usage rows, redaction, cool-downs) asking one
        provider by name, without fallback (compareDrafts). Close the original, not this."""
        chosen = [p for p in self.providers if p.name == name]
        if not chosen:
            raise AllProvidersFailed(f"AI provider {name!r} is not in AI_PROVIDERS")
        view = Gateway(
            chosen,
            settings=self._settings,
            cache=self._cache,
            recorder=self._recorder,
            quotas=self._quotas,
            pii=self._pii,
            on_call=self._on_call,
        )
        view._cooling = self._cooling
        return view

    async def complete(self, request: CompletionRequest) -> Completion:
        """The whole answer in one response from the first provider that gives one."""
        if self._quotas is not None:
            await self._quotas.admit(request.caller)
        cached = await self._cached_completion(request, "complete")
        if cached is not None:
            return cached
        outbound = await self._outbound(request, self.providers)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.ai_total_timeout

        async def attempt(provider: Provider) -> Completion:
            if outbound is None or not provider.leaves_machine:
                text, usage = await provider.complete(request)
            else:
                text, usage = await provider.complete(outbound.request)
                text = outbound.redactor.restore(text).text
            return Completion(text, provider.name, provider.model, usage)

        completion = await self._first_answer(request, "complete", deadline, attempt)
        await self._finish(request, completion)
        return completion

    def stream(self, request: CompletionRequest) -> CompletionStream:
        """The answer as it is generated (`async for delta in gateway.stream(request)`)."""
        return CompletionStream(self, request)

    async def embed(
        self,
        texts: list[str],
        *,
        operation: str,
        prompt_version: str = "v1",
        caller: Caller | None = None,
    ) -> Embeddings:
        """Vectors from the first provider that embeds. Recorded, not quota-limited: embedding
        is background work (knowledge base, search), not a user's request."""
        request = CompletionRequest(
            messages=(),
            operation=operation,
            prompt_version=prompt_version,
            context=tuple(texts),
            caller=caller or Caller(),
        )
        digest = request.inputs_digest()
        capable = [p for p in self.providers if p.embedding_model is not None]
        if not capable:
            raise AllProvidersFailed("no provider in AI_PROVIDERS can embed")
        for provider in capable:
            assert provider.embedding_model is not None
            key = cache_key(
                "embed", provider.name, provider.embedding_model, prompt_version, digest
            )
            hit = await self._cache.get(key)
            if hit is not None:
                result = Embeddings(hit["vectors"], provider.name, hit["model"], Usage(0, 0), True)
                self._record_cache_hit(request, "embed", result.provider, result.model)
                return result
        leaving = self._pii.mode is not PiiMode.OFF and any(p.leaves_machine for p in capable)
        redacted = await self._pii.texts(texts) if leaving else texts
        deadline = asyncio.get_running_loop().time() + self._settings.ai_total_timeout

        async def attempt(provider: Provider) -> Embeddings:
            vectors, usage = await provider.embed(redacted if provider.leaves_machine else texts)
            return Embeddings(vectors, provider.name, provider.embedding_model or "", usage)

        embeddings = await self._first_answer(request, "embed", deadline, attempt, capable)
        if self._settings.ai_cache_ttl:
            key = cache_key("embed", embeddings.provider, embeddings.model, prompt_version, digest)
            value = {"vectors": embeddings.vectors, "model": embeddings.model}
            await self._cache.set(key, value, self._settings.ai_cache_ttl)
        return embeddings

    async def flush(self) -> None:
        """Wait until the usage rows of the calls made so far are written."""
        if self._recorder is not None:
            await self._recorder.flush()

    async def close(self) -> None:
        if self._recorder is not None:
            await self._recorder.close()
        for provider in self.providers:
            await provider.close()
        await self._cache.close()

    # -- fallback ----------------------------------------------------------------------------

    def _available(self, providers: Sequence[Provider]) -> list[Provider]:
        now = asyncio.get_running_loop().time()
        ready = [p for p in providers if self._cooling.get(p.name, 0.0) <= now]
        if not ready:
            wait = min(self._cooling[p.name] for p in providers) - now
            raise AllProvidersFailed(
                f"every AI provider is rate-limited; retry in {wait:.0f} s", retry_after=wait
            )
        return ready

    async def _first_answer(
        self,
        request: CompletionRequest,
        call: str,
        deadline: float,
        attempt: Callable[[Provider], Awaitable[_Answer]],
        providers: Sequence[Provider] | None = None,
    ) -> _Answer:
        loop = asyncio.get_running_loop()
        chain = self._available(providers or self.providers)
        problems: list[str] = []
        for i, provider in enumerate(chain):
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            started = loop.time()
            try:
                async with asyncio.timeout(remaining / (len(chain) - i)):
                    answer = await attempt(provider)
            except Exception as exc:
                problem = self._failed(request, call, _Attempt(provider, started), exc)
                problems.append(problem)
                continue
            elapsed = _ms(loop.time() - started)
            self._record(request, call, provider, answer.usage, elapsed, elapsed, "ok")
            return answer
        if loop.time() >= deadline:
            raise GatewayTimeout(f"no answer within {self._settings.ai_total_timeout} s")
        raise AllProvidersFailed("no AI provider answered: " + "; ".join(problems))

    def _failed(
        self, request: CompletionRequest, call: str, attempt: _Attempt, exc: Exception
    ) -> str:
        """Record a failed attempt (and cool a rate-limited provider down); say what failed."""
        loop = asyncio.get_running_loop()
        provider = attempt.provider
        if isinstance(exc, TimeoutError):
            waiting_first = call == "stream" and attempt.first_token is None
            outcome = "first_token_timeout" if waiting_first else "timeout"
            error = "no answer in time"
        elif isinstance(exc, ProviderRateLimited):
            self._cooling[provider.name] = loop.time() + exc.retry_after
            outcome, error = "rate_limited", str(exc)
        elif isinstance(exc, EmbeddingNotSupported):
            return f"{provider.name}: {exc}"
        elif isinstance(exc, ProviderFailed):
            outcome, error = "error", str(exc)
        else:
            _log.exception("AI provider %s raised unexpectedly", provider.name, exc_info=exc)
            outcome, error = "error", type(exc).__name__
        _log.warning("AI provider %s failed (%s): %s; falling back", provider.name, outcome, error)
        first = _ms(attempt.first_token - attempt.started) if attempt.first_token else None
        self._record(
            request,
            call,
            provider,
            Usage(0, 0),
            first,
            _ms(loop.time() - attempt.started),
            outcome,
            error,
        )
        return f"{provider.name}: {error}"

    # -- streaming ---------------------------------------------------------------------------

    async def _stream(
        self, request: CompletionRequest, handle: CompletionStream
    ) -> AsyncGenerator[str, None]:
        if self._quotas is not None:
            await self._quotas.admit(request.caller)
        cached = await self._cached_completion(request, "stream")
        if cached is not None:
            handle.result = cached
            yield cached.text
            return
        outbound = await self._outbound(request, self.providers)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settings.ai_total_timeout
        first_token_timeout = self._settings.ai_first_token_timeout
        problems: list[str] = []
        for provider in self._available(self.providers):
            if loop.time() >= deadline:
                break
            attempt = _Attempt(provider, loop.time())
            if outbound is None or not provider.leaves_machine:
                events = provider.stream(request)
            else:
                events = _restoring(provider.stream(outbound.request), outbound)
            usage: Usage | None = None
            first = ""
            try:
                # Wait for the first text (usage may come before it, Anthropic sends it first).
                first_deadline = min(attempt.started + first_token_timeout, deadline)
                while not first:
                    event = await _next(events, first_deadline)
                    if isinstance(event, Usage):
                        usage = event
                    else:
                        first = event
                attempt.first_token = loop.time()
            except StopAsyncIteration:
                attempt.first_token = loop.time()  # an empty answer is still an answer
            except Exception as exc:
                await events.aclose()
                problems.append(self._failed(request, "stream", attempt, exc))
                continue
            # Committed: text has reached the caller, so no other provider may add to it.
            parts = [first] if first else []
            try:
                if first:
                    yield first
                while True:
                    try:
                        event = await _next(events, deadline)
                    except StopAsyncIteration:
                        break
                    if isinstance(event, Usage):
                        usage = event
                    elif event:
                        parts.append(event)
                        yield event
            except (GeneratorExit, asyncio.CancelledError):
                # The caller stopped reading: the provider was paid for what it sent so far.
                spent = usage or Usage(
                    estimate_tokens(request.prompt_text()), estimate_tokens("".join(parts))
                )
                self._record(
                    request,
                    "stream",
                    provider,
                    spent,
                    _ms(attempt.first_token - attempt.started) if attempt.first_token else None,
                    _ms(loop.time() - attempt.started),
                    "abandoned",
                )
                raise
            except Exception as exc:
                await events.aclose()
                self._failed(request, "stream", attempt, exc)
                if isinstance(exc, TimeoutError):
                    raise GatewayTimeout(
                        f"answer not complete within {self._settings.ai_total_timeout} s"
                    ) from exc
                raise GatewayError(f"{provider.name} failed mid-answer: {exc}") from exc
            finally:
                await events.aclose()
            usage = usage or Usage(0, 0)
            assert attempt.first_token is not None
            self._record(
                request,
                "stream",
                provider,
                usage,
                _ms(attempt.first_token - attempt.started),
                _ms(loop.time() - attempt.started),
                "ok",
            )
            completion = Completion("".join(parts), provider.name, provider.model, usage)
            await self._finish(request, completion)
            handle.result = completion
            return
        if loop.time() >= deadline:
            raise GatewayTimeout(f"no answer within {self._settings.ai_total_timeout} s")
        raise AllProvidersFailed("no AI provider answered: " + "; ".join(problems))

    # -- personal data -----------------------------------------------------------------------

    async def _outbound(
        self, request: CompletionRequest, providers: Sequence[Provider]
    ) -> Outbound | None:
        """The request as providers outside the machine get it (None: sent as it is)."""
        if self._pii.mode is PiiMode.OFF or not any(p.leaves_machine for p in providers):
            return None
        return await self._pii.outbound(request)

    # -- cache, quotas, records ------------------------------------------------------------

    async def _cached_completion(self, request: CompletionRequest, call: str) -> Completion | None:
        """An answer cached for any provider of the chain, in chain order."""
        if not self._settings.ai_cache_ttl:
            return None
        digest = request.inputs_digest()
        for provider in self.providers:
            key = cache_key("chat", provider.name, provider.model, request.prompt_version, digest)
            hit = await self._cache.get(key)
            if hit is not None:
                self._record_cache_hit(request, call, provider.name, provider.model)
                return Completion(hit["text"], provider.name, provider.model, Usage(0, 0), True)
        return None

    async def _finish(self, request: CompletionRequest, completion: Completion) -> None:
        """Cache a fresh answer and charge its tokens to the caller's budgets."""
        if self._settings.ai_cache_ttl:
            key = cache_key(
                "chat",
                completion.provider,
                completion.model,
                request.prompt_version,
                request.inputs_digest(),
            )
            await self._cache.set(key, {"text": completion.text}, self._settings.ai_cache_ttl)
        if self._quotas is not None:
            used = completion.usage.tokens_in + completion.usage.tokens_out
            await self._quotas.charge(request.caller, used)

    def _emit(self, rec: CallRecord) -> None:
        if self._on_call is not None:
            try:
                self._on_call(rec)
            except Exception:  # metrics must never fail a call
                _log.exception("AI call observer failed")
        if self._recorder is not None:
            self._recorder.record_soon(rec)

    def _record_cache_hit(
        self, request: CompletionRequest, call: str, provider: str, model: str
    ) -> None:
        self._emit(
            CallRecord(
                provider=provider,
                model=model,
                call=call,
                operation=request.operation,
                prompt_version=request.prompt_version,
                caller=request.caller,
                usage=Usage(0, 0),
                cost_usd=call_cost(self._settings, model, Usage(0, 0)),
                first_token_ms=0,
                total_ms=0,
                cache_hit=True,
                outcome="ok",
            )
        )

    def _record(
        self,
        request: CompletionRequest,
        call: str,
        provider: Provider,
        usage: Usage,
        first_token_ms: int | None,
        total_ms: int,
        outcome: str,
        error: str | None = None,
    ) -> None:
        model = provider.embedding_model if call == "embed" else provider.model
        model = model or provider.model
        self._emit(
            CallRecord(
                provider=provider.name,
                model=model,
                call=call,
                operation=request.operation,
                prompt_version=request.prompt_version,
                caller=request.caller,
                usage=usage,
                cost_usd=call_cost(self._settings, model, usage),
                first_token_ms=first_token_ms,
                total_ms=total_ms,
                cache_hit=False,
                outcome=outcome,
                error=error,
            )
        )


async def _restoring(
    events: AsyncGenerator[StreamEvent, None], outbound: Outbound
) -> AsyncGenerator[StreamEvent, None]:
    """A provider's stream with the customer's values back in its text."""
    restorer = StreamRestorer(outbound.redactor)
    try:
        async for event in events:
            if isinstance(event, Usage):
                yield event
            elif text := restorer.feed(event):
                yield text
        if tail := restorer.finish():
            yield tail
    finally:
        await events.aclose()


async def _next(events: AsyncGenerator[StreamEvent, None], deadline: float) -> StreamEvent:
    async with asyncio.timeout_at(deadline):
        return await anext(events)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
