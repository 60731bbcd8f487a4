"""Cost of a call from its token counts and the per-model price table (USD per 1M tokens)."""

from __future__ import annotations

from decimal import Decimal

from ai.requests import Usage
from settings import Settings

__all__ = ["call_cost"]

_MILLION = Decimal(1_000_000)
_PLACES = Decimal("0.00000001")  # the ai_calls.cost_usd column's scale


def call_cost(settings: Settings, model: str, usage: Usage) -> Decimal | None:
    """Exact decimal cost, or None when the model has no price (recorded as unknown, not 0)."""
    price = settings.model_price(model)
    if price is None:
        return None
    cost = (usage.tokens_in * price.input + usage.tokens_out * price.output) / _MILLION
    return cost.quantize(_PLACES)
