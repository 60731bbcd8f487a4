"""libpq's TLS parameters in DATABASE_URL become asyncpg's `ssl` argument (the end-to-end
behaviour against a real server is in tests/e2e/test_external_postgres.py)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from db.engine import connect_options
from tests.external_postgres import make_certificates

BASE = "postgresql+asyncpg://app:pw@db.example.com:5432/autocrm"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {}),
        ("?sslmode=disable", {"ssl": False}),
        ("?sslmode=prefer", {"ssl": "prefer"}),
        ("?sslmode=require", {"ssl": "require"}),
        ("?ssl=true", {"ssl": "require"}),
    ],
)
def test_plain_modes_pass_through(query: str, expected: dict[str, object]) -> None:
    url, args = connect_options(BASE + query)

    assert url == BASE
    assert args == expected


def test_verify_full_checks_the_chain_and_the_host_name(tmp_path: Path) -> None:
    ca = make_certificates(tmp_path).ca

    url, args = connect_options(f"{BASE}?sslmode=verify-full&sslrootcert={ca}&application_name=x")

    context = args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname is True
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert url == BASE + "?application_name=x"


def test_require_with_a_root_certificate_verifies_the_chain_as_libpq_does(tmp_path: Path) -> None:
    ca = make_certificates(tmp_path).ca

    _, args = connect_options(f"{BASE}?sslmode=require&sslrootcert={ca}")

    context = args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname is False
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_unknown_sslmode_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="sslmode=sometimes is not one of"):
        connect_options(f"{BASE}?sslmode=sometimes")
