"""The python-tool sandbox: a tool gets its answer through, and nothing else gets out."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ai.tools.sandbox import SandboxLimits, SandboxOutcome, namespaces_available, run_python

ROOT = str(Path(__file__).resolve().parents[3])
TOOLS = "tests.ai.tools.sample_tools"


async def test_a_tool_returns_its_json_answer() -> None:
    result = await run_python(f"{TOOLS}:order_status", {"order": "A-17"}, search_path=[ROOT])
    assert result.outcome is SandboxOutcome.OK
    assert result.output == {"order": "A-17", "status": "shipped"}
    assert result.bytes_in > 0
    assert result.bytes_out > 0


async def test_an_async_tool_is_awaited() -> None:
    result = await run_python(f"{TOOLS}:async_echo", {"q": "ü"}, search_path=[ROOT])
    assert result.output == {"echo": {"q": "ü"}}


async def test_a_tool_that_sleeps_is_killed_at_its_timeout() -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await run_python(
        f"{TOOLS}:sleep_long",
        {"seconds": 10},
        limits=SandboxLimits(timeout_seconds=1.0),
        search_path=[ROOT],
    )
    assert result.outcome is SandboxOutcome.TIMEOUT
    assert "1 s" in (result.error or "")
    # Killed, not waited for: far less than the 10 s the tool asked for.
    assert loop.time() - started < 9


async def test_a_tool_over_its_memory_limit_fails_cleanly() -> None:
    result = await run_python(
        f"{TOOLS}:allocate",
        {"mib": 400},
        limits=SandboxLimits(memory_bytes=128 * 1024 * 1024),
        search_path=[ROOT],
    )
    assert result.outcome is SandboxOutcome.MEMORY
    assert "128 MiB" in (result.error or "")


async def test_a_huge_output_is_cut_off() -> None:
    result = await run_python(
        f"{TOOLS}:huge_output",
        {"bytes": 5_000_000},
        limits=SandboxLimits(max_output_bytes=100_000),
        search_path=[ROOT],
    )
    assert result.outcome is SandboxOutcome.OUTPUT_TOO_LARGE
    assert result.output is None


async def test_a_raising_tool_reports_its_error() -> None:
    result = await run_python(f"{TOOLS}:fail", {}, search_path=[ROOT])
    assert result.outcome is SandboxOutcome.ERROR
    assert result.error == "ValueError: the order number is unknown"


async def test_an_unknown_entry_point_is_an_error_not_a_crash() -> None:
    result = await run_python(f"{TOOLS}:no_such_function", {}, search_path=[ROOT])
    assert result.outcome is SandboxOutcome.ERROR
    assert "no_such_function" in (result.error or "")


@pytest.fixture
def server_secret() -> Iterator[str]:
    marker = "sk-test-server-secret-7f3a"
    os.environ["AUTOCRM_TEST_SANDBOX_SECRET"] = marker
    yield marker
    del os.environ["AUTOCRM_TEST_SANDBOX_SECRET"]


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


async def test_a_tool_sees_only_its_own_environment(
    server_secret: str, listening_port: int
) -> None:
    result = await run_python(
        f"{TOOLS}:what_can_i_see",
        {"marker": server_secret, "host": "127.0.0.1", "port": listening_port},
        env={"TOOL_API_KEY": "the-tool-key"},
        search_path=[ROOT],
    )
    assert result.outcome is SandboxOutcome.OK, result.error
    seen = result.output
    assert isinstance(seen, dict)
    assert seen["env"]["TOOL_API_KEY"] == "the-tool-key"
    assert server_secret not in str(seen["env"])
    assert "AUTOCRM_TEST_SANDBOX_SECRET" not in seen["env"]
    assert "autocrm-tool-" in seen["cwd"]
    if not namespaces_available():
        pytest.skip("no unprivileged namespaces here: /proc and the network stay visible")
    assert seen["parent_environ_has_marker"] is False
    assert seen["processes_leaking_marker"] == []
    assert seen["network"].startswith("refused")
