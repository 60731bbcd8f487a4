"""Writes one ai_calls row per provider attempt or cache hit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from ai.requests import Caller, Usage
from db.engine import Database
from db.models import AiCall

__all__ = ["CallRecord", "CallRecorder"]

_log = logging.getLogger("autocrm.ai")


@dataclass(frozen=True, slots=True)
class CallRecord:
    provider: str
    model: str
    call: str
    operation: str
    prompt_version: str
    caller: Caller
    usage: Usage
    cost_usd: Decimal | None
    first_token_ms: int | None
    total_ms: int
    cache_hit: bool
    outcome: str
    error: str | None = None


class CallRecorder:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, rec: CallRecord) -> None:
        row = AiCall(
            provider=rec.provider,
            model=rec.model,
            call=rec.call,
            operation=rec.operation,
            prompt_version=rec.prompt_version,
            tokens_in=rec.usage.tokens_in,
            tokens_out=rec.usage.tokens_out,
            cost_usd=rec.cost_usd,
            first_token_ms=rec.first_token_ms,
            total_ms=rec.total_ms,
            cache_hit=rec.cache_hit,
            outcome=rec.outcome,
            error=rec.error,
            user_id=rec.caller.user_id,
            api_key_id=rec.caller.api_key_id,
            job_id=rec.caller.job_id,
            ticket_id=rec.caller.ticket_id,
        )
        try:
            async with self._db.transaction() as session:
                session.add(row)
        except Exception:
            # The answer has been produced and paid for; losing its usage row must not
            # turn it into a failure. Say so loudly instead.
            _log.exception("could not record AI usage (%s %s)", rec.provider, rec.model)
