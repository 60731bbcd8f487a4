"""Several server processes, one scrape: counters are summed over every process that ran,
gauges over the processes still alive."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from workers.metrics import MULTIPROC_ENV, channel_kind, operation_label, render

# A process that counts as a server process would, then waits for its stdin to close.
COUNTING = """
import sys
from workers.metrics import GRAPHQL_REQUESTS, WEBSOCKETS_ACTIVE
GRAPHQL_REQUESTS.labels("Me", "query").inc(int(sys.argv[1]))
WEBSOCKETS_ACTIVE.inc()
print("counted", flush=True)
sys.stdin.read()
"""


def _process(folder: Path, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, MULTIPROC_ENV: str(folder)}
    process = subprocess.Popen(
        [sys.executable, "-c", COUNTING, str(count)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "counted"
    return process


def _samples(folder: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = render(directory=folder).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _stop(process: subprocess.Popen[str]) -> None:
    process.communicate(timeout=30)  # closes its stdin: it exits
    assert process.returncode == 0


def test_two_processes_counters_are_summed_and_dead_ones_gauges_dropped(tmp_path: Path) -> None:
    first = _process(tmp_path, 3)
    second = _process(tmp_path, 4)
    try:
        both = _samples(tmp_path)
        _stop(second)
        one_left = _samples(tmp_path)
    finally:
        for process in (first, second):
            if process.poll() is None:
                _stop(process)

    requests = ("autocrm_graphql_requests_total", (("operation", "Me"), ("type", "query")))
    sockets = ("autocrm_websockets_active", ())
    assert both[requests] == 7
    assert both[sockets] == 2
    assert one_left[requests] == 7  # a finished process's counts stay in the totals
    assert one_left[sockets] == 1


def test_labels_stay_bounded() -> None:
    assert operation_label(None) == "anonymous"
    assert operation_label("not a name; DROP") == "anonymous"
    assert operation_label("TicketList") == "TicketList"
    assert channel_kind("ticket_messages:3f1c") == "ticket_messages"
