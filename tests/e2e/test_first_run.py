"""A new user's first run: `autocrm serve` on embedded defaults, an admin, a login, a query."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from db.embedded import stop_embedded
from tests.smtp import free_port

AUTOCRM = str(Path(sys.executable).parent / "autocrm")
PASSWORD = "first-run-password"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`autocrm serve` in a fresh data folder, with nothing configured."""
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SMTP_URL"}
    }
    data_dir = tmp_path / "data"
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [AUTOCRM, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("server did not become ready:\n" + (tmp_path / "serve.log").read_text())
        yield base, data_dir
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        stop_embedded(data_dir)  # the embedded PostgreSQL outlives the server on purpose


def test_fresh_install_serves_graphiql_login_and_customers(served: tuple[str, Path]) -> None:
    base, data_dir = served

    created = subprocess.run(
        [
            AUTOCRM,
            "create-admin",
            "--email",
            "owner@example.com",
            "--name",
            "Owner",
            "--data-dir",
            str(data_dir),
        ],
        env={**os.environ, "AUTOCRM_ADMIN_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert created.returncode == 0, created.stderr

    page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()

    login = httpx.post(
        f"{base}/graphql",
        json={
            "query": "mutation ($i: LoginInput!) "
            "{ login(input: $i) { accessToken errors { code } } }",
            "variables": {"i": {"email": "owner@example.com", "password": PASSWORD}},
        },
    ).json()
    token = login["data"]["login"]["accessToken"]
    assert login["data"]["login"]["errors"] == []

    customers = httpx.post(
        f"{base}/graphql",
        json={"query": "{ customers(first: 5) { totalCount edges { node { name } } } }"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert customers["data"] == {"customers": {"totalCount": 0, "edges": []}}
