"""A per-operation memo of role-only decisions.

A permission class on a field of a list type runs once per row (a page of 100 tickets
asks "is this staff?" 100 times per guarded field); the answer cannot change within an
operation, so the request context keeps one `RoleDecisions` and asks it instead.
"""

from __future__ import annotations

from collections.abc import Callable

from auth.principal import Principal

__all__ = ["RoleCheck", "RoleDecisions"]

RoleCheck = Callable[[Principal | None], bool]


class RoleDecisions:
    """Answers each role check once for a principal; a different principal starts afresh
    (a context whose principal is replaced never reuses the old answers)."""

    __slots__ = ("_memo", "_principal", "evaluations")

    def __init__(self) -> None:
        self._principal: Principal | None = None
        self._memo: dict[RoleCheck, bool] = {}
        # How many checks were actually evaluated (not served from the memo).
        self.evaluations = 0

    def allows(self, principal: Principal | None, check: RoleCheck) -> bool:
        if principal is not self._principal:
            self._principal = principal
            self._memo.clear()
        decided = self._memo.get(check)
        if decided is None:
            decided = check(principal)
            self._memo[check] = decided
            self.evaluations += 1
        return decided
