"""Error codes, one enum per domain: every domain can report what the shared helpers raise."""

from __future__ import annotations

import pytest

from resolvers.error_codes import SHARED, ErrorCode


def _domain_enums() -> list[type[ErrorCode]]:
    return [code for code in ErrorCode.__subclasses__() if code.__name__ != "CommonErrorCode"]


@pytest.mark.parametrize("codes", _domain_enums(), ids=lambda c: c.__name__)
def test_every_domain_enum_holds_the_shared_codes(codes: type[ErrorCode]) -> None:
    assert sorted(SHARED - {member.value for member in codes}) == []


@pytest.mark.parametrize("codes", _domain_enums(), ids=lambda c: c.__name__)
def test_codes_are_lowercase_names_of_their_members(codes: type[ErrorCode]) -> None:
    assert [m.value for m in codes] == [m.name.lower() for m in codes]
