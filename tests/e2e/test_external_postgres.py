"""The scaled mode's database: `DATABASE_URL` pointing at a PostgreSQL server started on
its own (the wheel's pgvector-enabled binaries, initdb in a temp folder, a free TCP port),
reached over TCP with SCRAM passwords, with TLS off and on as the URL says."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from tests.external_postgres import Certificates, ExternalPostgres, TlsFront, make_certificates
from tests.test_cli import _autocrm, _one_line_error

pytestmark = pytest.mark.scaled


_databases = iter(range(1000))


@pytest.fixture
async def database(postgres: ExternalPostgres) -> str:
    """A fresh database owned by the application role, pgvector enabled by the admin."""
    name = f"autocrm_{next(_databases)}"
    await postgres.create_app_database(name=name)
    return name


async def public_tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {row["tablename"] for row in rows}


def migrate(url: str, tmp_path: Path) -> tuple[int, str, str]:
    done = _autocrm("migrate", "--data-dir", str(tmp_path), env={"DATABASE_URL": url})
    return done.returncode, done.stdout, done.stderr


async def test_migrate_over_tcp_with_a_scram_password_and_no_tls(
    postgres: ExternalPostgres, database: str, tmp_path: Path
) -> None:
    url = postgres.url(database=database) + "?sslmode=disable"

    code, out, err = migrate(url, tmp_path)

    assert code == 0, err
    assert "Database is up to date." in out
    assert {"tickets", "jobs", "attachments", "alembic_version"} <= await public_tables(url)
    assert not (tmp_path / "pg").exists()  # no embedded server was started


async def test_wrong_password_is_one_clear_line(
    postgres: ExternalPostgres, database: str, tmp_path: Path
) -> None:
    url = postgres.url(database=database).replace(postgres.app_password, "not-the-password")

    line = _one_line_error(
        _autocrm("migrate", "--data-dir", str(tmp_path), env={"DATABASE_URL": url})
    )

    assert "password authentication failed for user" in line
    assert "not-the-password" not in line
    assert "DATABASE_URL" in line


async def test_migrate_over_tls_verifying_the_servers_certificate(
    postgres: ExternalPostgres,
    tls: TlsFront,
    certificates: Certificates,
    database: str,
    tmp_path: Path,
) -> None:
    sessions_before = tls.tls_sessions
    url = (
        postgres.url(database=database, port=tls.port)
        + f"?sslmode=verify-full&sslrootcert={certificates.ca}"
    )

    code, _, err = migrate(url, tmp_path)

    assert code == 0, err
    assert tls.tls_sessions > sessions_before
    assert "tickets" in await public_tables(postgres.url(database=database))


async def test_server_certificate_from_an_unknown_authority_is_refused(
    postgres: ExternalPostgres, tls: TlsFront, database: str, tmp_path: Path
) -> None:
    stranger = make_certificates(tmp_path / "other-ca", name="someone-else")
    url = (
        postgres.url(database=database, port=tls.port)
        + f"?sslmode=verify-full&sslrootcert={stranger.ca}"
    )

    line = _one_line_error(
        _autocrm("migrate", "--data-dir", str(tmp_path), env={"DATABASE_URL": url})
    )

    assert "certificate verify failed" in line
    assert await public_tables(postgres.url(database=database)) == set()


async def test_sslmode_disable_against_a_tls_only_server_is_refused(
    postgres: ExternalPostgres, tls: TlsFront, database: str, tmp_path: Path
) -> None:
    refused_before = tls.refused_plaintext
    url = postgres.url(database=database, port=tls.port) + "?sslmode=disable"

    line = _one_line_error(
        _autocrm("migrate", "--data-dir", str(tmp_path), env={"DATABASE_URL": url})
    )

    assert line.startswith("Error: cannot use the database at")
    assert tls.refused_plaintext > refused_before


async def test_application_role_that_may_not_enable_pgvector_is_told_to_ask_an_admin(
    postgres: ExternalPostgres, tmp_path: Path
) -> None:
    # given: a database whose owner is not a superuser, and nobody enabled pgvector
    await postgres.create_app_database(name="autocrm_plain", with_pgvector=False)

    line = _one_line_error(
        _autocrm(
            "migrate",
            "--data-dir",
            str(tmp_path),
            env={"DATABASE_URL": postgres.url(database="autocrm_plain")},
        )
    )

    assert "has pgvector, but this user may not enable it" in line
    assert "CREATE EXTENSION vector;" in line
