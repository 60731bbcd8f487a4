"""The `autocrm` command as an operator runs it (a real subprocess, the real database)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from db.engine import Database
from db.models import User


def _autocrm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "autocrm"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_help_lists_every_command() -> None:
    result = _autocrm("--help")

    assert result.returncode == 0
    for command in ("serve", "migrate", "create-admin", "export-schema", "seed-demo"):
        assert command in result.stdout


def test_each_command_has_its_own_help() -> None:
    for command in ("serve", "migrate", "create-admin", "export-schema", "seed-demo"):
        result = _autocrm(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


async def test_create_admin_makes_an_admin_who_can_sign_in(db: Database, database_url: str) -> None:
    result = _autocrm(
        "create-admin",
        "--email",
        "Boss@Example.com",
        "--name",
        "The Boss",
        env={"DATABASE_URL": database_url, "AUTOCRM_ADMIN_PASSWORD": "a-long-enough-password"},
    )

    assert result.returncode == 0, result.stderr
    assert "Created admin boss@example.com" in result.stdout
    async with db.sessions() as session:
        user = (
            await session.execute(select(User).where(User.email == "boss@example.com"))
        ).scalar_one()
    assert user.role == "admin"
    assert user.password_hash is not None
    assert "a-long-enough-password" not in user.password_hash


async def test_create_admin_refuses_a_weak_password_and_writes_nothing(
    db: Database, database_url: str
) -> None:
    result = _autocrm(
        "create-admin",
        "--email",
        "weak@example.com",
        "--name",
        "Weak",
        env={"DATABASE_URL": database_url, "AUTOCRM_ADMIN_PASSWORD": "short"},
    )

    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr
    async with db.sessions() as session:
        assert (await session.execute(select(User))).first() is None


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    output = tmp_path / "out.graphql"
    result = _autocrm("export-schema", "--output", str(output))

    assert result.returncode == 0, result.stderr
    assert "type Query" in output.read_text()
