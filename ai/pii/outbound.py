"""What the gateway does before text leaves the machine: every part of a request (system
prompt, retrieved context, messages) and every text to embed is redacted, and the answer is
restored with the customer's own values. The offline provider gets the text as it is."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping

from ai.pii.detector import Detector, get_detector
from ai.pii.entities import PiiKind, PiiMode
from ai.pii.redactor import Redactor
from ai.requests import ChatMessage, CompletionRequest

__all__ = ["Outbound", "PiiGuard"]


@dataclasses.dataclass(frozen=True, slots=True)
class Outbound:
    """A request as a provider outside the machine receives it, and how to read its answer."""

    request: CompletionRequest
    redactor: Redactor


class PiiGuard:
    """Redaction for the gateway, by PII_MODE. The detector is built on first use (~2 s), so a
    server that only ever uses the offline provider never loads presidio."""

    def __init__(self, mode: PiiMode, thresholds: Mapping[PiiKind, float] | None = None) -> None:
        self.mode = mode
        self._thresholds = tuple(sorted((thresholds or {}).items()))

    def detector(self) -> Detector | None:
        if self.mode is PiiMode.OFF:
            return None
        return get_detector(self.mode, self._thresholds)

    async def warm_up(self) -> None:
        """Build the detector now (in a thread) rather than on the first external call."""
        await asyncio.to_thread(self.detector)

    async def outbound(self, request: CompletionRequest) -> Outbound:
        """`request` redacted. With a ticket's redactor (`request.pii`) its placeholders and
        its record of what the customer gave are used; without one, the request's `user`
        messages count as the customer's."""
        return await asyncio.to_thread(self._outbound, request)

    async def texts(self, texts: list[str]) -> list[str]:
        """Texts to embed, redacted (placeholders need not come back from vectors)."""
        return await asyncio.to_thread(self._texts, texts)

    def _outbound(self, request: CompletionRequest) -> Outbound:
        ticket = request.pii
        redactor = ticket if ticket is not None else Redactor(self.detector())
        if redactor.detector is None:
            redactor.detector = self.detector()
        # The conversation first: the customer's values get the low numbers (<EMAIL_1>).
        messages = tuple(
            ChatMessage(
                m.role,
                redactor.redact(m.content, from_customer=ticket is None and m.role == "user"),
            )
            for m in request.messages
        )
        sent = dataclasses.replace(
            request,
            system=redactor.redact(request.system),
            context=tuple(redactor.redact(text) for text in request.context),
            messages=messages,
            pii=None,
        )
        return Outbound(sent, redactor)

    def _texts(self, texts: list[str]) -> list[str]:
        redactor = Redactor(self.detector())
        return [redactor.redact(text) for text in texts]
