"""The customer view: one customer's timeline (everything that happened, newest first)
and their engagement figures (Customer.stats)."""

from __future__ import annotations

from resolvers.customer_view.stats import CustomerStats, customer_stats
from resolvers.customer_view.timeline import (
    TimelineEntry,
    TimelineKind,
    TimelinePage,
    timeline_page,
)

__all__ = [
    "CustomerStats",
    "TimelineEntry",
    "TimelineKind",
    "TimelinePage",
    "customer_stats",
    "timeline_page",
]
