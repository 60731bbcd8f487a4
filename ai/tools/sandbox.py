"""Run a `python` tool in a separate, limited process and always get an answer back.

Each run is a fresh interpreter (`python -I`: no user site, no PYTHON* variables) with:
- an empty environment plus only the tool's own variables (its credentials), never the
  server's;
- a temporary working folder, removed afterwards;
- rlimits on address space, CPU seconds, written file size and open files;
- a hard wall-clock timeout: the whole process group is killed with SIGKILL;
- a cap on the bytes it may print;
- where the kernel allows unprivileged namespaces (`unshare`), its own PID namespace with
  a private /proc (the server's /proc/<pid>/environ is out of sight) and an empty network
  namespace (a python tool computes; tools that need the network are `http` tools, which
  go through the egress-checked client).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ai.tools.child import EXIT_MEMORY

__all__ = ["SandboxLimits", "SandboxOutcome", "SandboxResult", "namespaces_available", "run_python"]

_STDERR_KEEP = 4096
_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")


class SandboxOutcome(enum.StrEnum):
    OK = "ok"
    ERROR = "error"  # the tool raised; `error` says what
    TIMEOUT = "timeout"  # killed at the wall-clock limit
    MEMORY = "memory"  # ran out of its address-space limit
    OUTPUT_TOO_LARGE = "output_too_large"
    INVALID_OUTPUT = "invalid_output"  # printed something that is not our JSON answer
    CRASHED = "crashed"  # died by a signal or an unexpected exit code


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    timeout_seconds: float = 5.0
    memory_bytes: int = 512 * 1024 * 1024
    max_output_bytes: int = 1024 * 1024
    max_file_bytes: int = 16 * 1024 * 1024
    max_open_files: int = 64


@dataclass(frozen=True, slots=True)
class SandboxResult:
    outcome: SandboxOutcome
    output: Any = None
    error: str | None = None
    duration_ms: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0
    stderr_tail: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome is SandboxOutcome.OK


@functools.cache
def namespaces_available() -> bool:
    """Whether `unshare` can give a tool its own user, PID and network namespaces here."""
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return False
    try:
        probe = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            [unshare, *_UNSHARE_FLAGS, "true"], capture_output=True, timeout=5, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


_UNSHARE_FLAGS = ("--user", "--map-root-user", "--net", "--pid", "--fork", "--mount-proc")


def _command() -> list[str]:
    # The child script by path: it needs only the standard library, and `-I` keeps the
    # server's environment variables and working folder out of its imports.
    python = [sys.executable, "-I", _CHILD]
    unshare = shutil.which("unshare")
    if unshare and namespaces_available():
        return [unshare, *_UNSHARE_FLAGS, "--kill-child", *python]
    return python


def _rlimits(limits: SandboxLimits) -> dict[str, int]:
    """What the child applies to itself before it imports the tool (no preexec_fn: that
    is unsafe in a threaded server)."""
    return {
        "as": limits.memory_bytes,
        "cpu": max(1, int(limits.timeout_seconds) + 1),
        "fsize": limits.max_file_bytes,
        "nofile": limits.max_open_files,
    }


def _environment(tool_env: Mapping[str, str], home: str) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": home, "TMPDIR": home}
    env.update(tool_env)
    return env


async def _read_capped(
    stream: asyncio.StreamReader, cap: int, process: asyncio.subprocess.Process
) -> tuple[bytes, bool]:
    """Read all of `stream`, or kill the tool the moment it has printed more than `cap`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size > cap:
            _kill_group(process)
            return b"", True
        chunks.append(chunk)


async def _drain(process: asyncio.subprocess.Process) -> None:
    """Read the killed tool's pipes to their end, so they are closed (not left to the GC)."""
    for stream in (process.stdout, process.stderr):
        if stream is None:
            continue
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1):
                while await stream.read(65536):
                    pass


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


async def run_python(
    entry: str,
    payload: Any,
    *,
    limits: SandboxLimits | None = None,
    env: Mapping[str, str] | None = None,
    search_path: Sequence[str] = (),
) -> SandboxResult:
    """Call `entry` ("package.module:function") with `payload` in a fresh sandboxed process.

    Never raises for anything the tool does: the outcome says what happened.
    """
    limits = limits or SandboxLimits()
    request = json.dumps(
        {
            "entry": entry,
            "input": payload,
            "path": list(search_path),
            "limits": _rlimits(limits),
        }
    ).encode()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="autocrm-tool-") as workdir:
        process = await asyncio.create_subprocess_exec(
            *_command(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=workdir,
            env=_environment(env or {}, workdir),
            start_new_session=True,
        )
        result = await _supervise(process, request, limits)
    duration = (time.perf_counter() - started) * 1000
    return SandboxResult(
        outcome=result.outcome,
        output=result.output,
        error=result.error,
        duration_ms=duration,
        bytes_in=len(request),
        bytes_out=result.bytes_out,
        stderr_tail=result.stderr_tail,
    )


async def _supervise(
    process: asyncio.subprocess.Process, request: bytes, limits: SandboxLimits
) -> SandboxResult:

    async def feed() -> None:
        assert process.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(request)
            await process.stdin.drain()
            process.stdin.close()

    async def communicate() -> tuple[bytes, bool, bytes, int]:
        assert process.stdout is not None
        assert process.stderr is not None
        _, (out, too_large), err = await asyncio.gather(
            feed(),
            _read_capped(process.stdout, limits.max_output_bytes, process),
            process.stderr.read(_STDERR_KEEP * 4),
        )
        code = await process.wait()
        return out, too_large, err, code

    try:
        out, too_large, err, code = await asyncio.wait_for(
            communicate(), timeout=limits.timeout_seconds
        )
    except TimeoutError:
        _kill_group(process)
        await process.wait()
        return SandboxResult(
            SandboxOutcome.TIMEOUT, error=f"Killed after {limits.timeout_seconds:g} s."
        )
    finally:
        _kill_group(process)  # stray grandchildren of a finished tool go too
        await _drain(process)
    stderr_tail = err.decode("utf-8", "replace")[-_STDERR_KEEP:]
    if too_large:
        return SandboxResult(
            SandboxOutcome.OUTPUT_TOO_LARGE,
            error=f"The tool printed more than {limits.max_output_bytes} bytes.",
            stderr_tail=stderr_tail,
        )
    if code == EXIT_MEMORY or "MemoryError" in stderr_tail:
        return SandboxResult(
            SandboxOutcome.MEMORY,
            error=f"The tool ran out of its {limits.memory_bytes // (1024 * 1024)} MiB limit.",
            stderr_tail=stderr_tail,
        )
    if code < 0 or code > 1:
        return SandboxResult(
            SandboxOutcome.CRASHED,
            error=f"The tool process ended with code {code}.",
            bytes_out=len(out),
            stderr_tail=stderr_tail,
        )
    try:
        answer = json.loads(out)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not ({"output", "error"} & answer.keys()):
        return SandboxResult(
            SandboxOutcome.INVALID_OUTPUT,
            error="The tool's answer is not valid JSON output.",
            bytes_out=len(out),
            stderr_tail=stderr_tail,
        )
    if "error" in answer:
        return SandboxResult(
            SandboxOutcome.ERROR,
            error=str(answer["error"]),
            bytes_out=len(out),
            stderr_tail=stderr_tail,
        )
    return SandboxResult(
        SandboxOutcome.OK, output=answer["output"], bytes_out=len(out), stderr_tail=stderr_tail
    )
