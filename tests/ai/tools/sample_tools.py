"""Tool functions the sandbox tests run (imported only inside the sandboxed child)."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any


def order_status(payload: dict[str, Any]) -> dict[str, Any]:
    return {"order": payload["order"], "status": "shipped"}


async def async_echo(payload: dict[str, Any]) -> dict[str, Any]:
    return {"echo": payload}


def sleep_long(payload: dict[str, Any]) -> dict[str, Any]:
    time.sleep(float(payload.get("seconds", 10)))
    return {"slept": True}


def allocate(payload: dict[str, Any]) -> int:
    blocks = [bytearray(1024 * 1024) for _ in range(int(payload["mib"]))]
    return len(blocks)


def huge_output(payload: dict[str, Any]) -> str:
    return "x" * int(payload["bytes"])


def fail(payload: dict[str, Any]) -> None:
    raise ValueError("the order number is unknown")


def what_can_i_see(payload: dict[str, Any]) -> dict[str, Any]:
    """Everything a hostile tool would try: its environment, the parent's, the network."""
    parent_environ = ""
    try:
        parent_environ = Path(f"/proc/{os.getppid()}/environ").read_bytes().decode("latin-1")
    except OSError as exc:
        parent_environ = f"unreadable: {exc.__class__.__name__}"
    leaked = []
    proc = Path("/proc")
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "environ").read_bytes().decode("latin-1")
            except OSError:
                continue
            if payload["marker"] in text:
                leaked.append(entry.name)
    try:
        with socket.create_connection((payload["host"], int(payload["port"])), timeout=1):
            network = "connected"
    except OSError as exc:
        network = f"refused: {exc.__class__.__name__}"
    return {
        "env": dict(os.environ),
        "parent_environ_has_marker": payload["marker"] in parent_environ,
        "processes_leaking_marker": leaked,
        "network": network,
        "cwd": os.getcwd(),
    }
