"""A small HTTP/1.1 load generator, run as its own process by the benches.

CONCURRENCY keep-alive connections each POST the same JSON body back to back for DURATION
seconds; prints one JSON line: requests, requests/s, latency p50/p95/max (ms). Written on
bare asyncio streams so that the generator, not the server, is the lighter side on a small
machine.

    python bench/load_driver.py --url http://127.0.0.1:8000/graphql --body '{"query": …}'
        [--token T] [--duration 10] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from urllib.parse import urlsplit


async def _client(
    host: str, port: int, request: bytes, stop_at: float, latencies: list[float]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if status != b"200" or b'"errors"' in body:
                raise RuntimeError(f"bad answer {status!r}: {body[:300]!r}")
    finally:
        writer.close()


async def run(url: str, body: str, token: str | None, duration: float, concurrency: int) -> dict:
    parts = urlsplit(url)
    payload = body.encode()
    headers = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.hostname}:{parts.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
    ]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode() + payload
    latencies: list[float] = []
    stop_at = time.perf_counter() + duration
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _client(parts.hostname or "127.0.0.1", parts.port or 80, request, stop_at, latencies)
            for _ in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    return {
        "requests": len(ms),
        "rps": len(ms) / elapsed,
        "p50": statistics.median(ms),
        "p95": ms[int(0.95 * (len(ms) - 1))],
        "max": ms[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--body", required=True)
    parser.add_argument("--token")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.body, args.token, args.duration, args.concurrency))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
