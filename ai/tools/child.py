"""Runs inside the sandbox: call one tool function on a JSON input, print a JSON answer.

Started by `ai.tools.sandbox` as `python -I <path>/child.py` with an empty environment,
in a temporary folder, under rlimits and (where the kernel allows) in its own PID and
network namespaces. Reads `{"entry": "module:function", "input": {...}, "path": [...]}` on
stdin; writes `{"output": ...}` or `{"error": "..."}` on stdout.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import resource
import sys
from typing import Any

EXIT_ERROR = 1
EXIT_MEMORY = 3


def _call(entry: str, payload: Any) -> Any:
    module_name, _, function_name = entry.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    result = function(payload)
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


_RLIMITS = {
    "as": resource.RLIMIT_AS,
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
}


def _limit(limits: dict[str, int]) -> None:
    """Lower this process's limits before any tool code runs; the tool cannot raise them."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in limits.items():
        resource.setrlimit(_RLIMITS[name], (value, value))


def main() -> int:
    request = json.loads(sys.stdin.buffer.read())
    _limit(request.get("limits", {}))
    sys.path[:0] = [str(p) for p in request.get("path", [])]
    try:
        output = _call(str(request["entry"]), request.get("input"))
        text = json.dumps({"output": output})
    except MemoryError:
        return EXIT_MEMORY
    except Exception as exc:
        sys.stdout.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:2000]}))
        return EXIT_ERROR
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
