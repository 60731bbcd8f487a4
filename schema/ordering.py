"""What every `orderBy` input shares: the direction. Each domain adds its own field enum."""

from __future__ import annotations

import enum

import strawberry

__all__ = ["OrderDirection"]


@strawberry.enum(description="Sort direction of a list.")
class OrderDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"
