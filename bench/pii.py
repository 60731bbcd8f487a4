"""PII redaction throughput: messages per second and milliseconds per message (p50/p95) for
PII_MODE=patterns, and for ner when the pii-ner extra is installed, over the shipped labelled
support messages; plus the one-off detector start-up and recall/precision per kind. Not a test.

    python bench/pii.py [--rounds 5] [--modes patterns,ner]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ai.pii import Detector, NerModelMissing, PiiMode, Redactor, check_ner_model, get_detector
from tests.ai.pii_scoring import labelled_set, score


def run(mode: PiiMode, rounds: int) -> None:
    started = time.perf_counter()
    detector = get_detector(mode)
    detector.find("warm-up: anna@example.de")
    start_up = time.perf_counter() - started
    short = [item.text for item in labelled_set()]
    # Ticket-sized messages: eight labelled texts in a row (~70 words, several values each).
    joined = [" ".join(short[i : i + 8]) for i in range(0, len(short), 8)]
    print(f"PII_MODE={mode.value}: start-up {start_up:.2f} s (once per process)")
    for texts in (short, joined):
        _throughput(detector, texts, rounds)
    for line in score(detector, labelled_set()).values():
        print("  " + line.line())


def _throughput(detector: Detector, texts: list[str], rounds: int) -> None:
    timings: list[float] = []
    began = time.perf_counter()
    for _ in range(rounds):
        redactor = Redactor(detector)  # one ticket per round: placeholders as in production
        for text in texts:
            t0 = time.perf_counter()
            redactor.redact(text, from_customer=True)
            timings.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(timings, n=20)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(
        f"  {len(timings)} messages of ~{words:.0f} words: {len(timings) / elapsed:.0f} msg/s, "
        f"p50 {statistics.median(timings):.1f} ms, p95 {cuts[18]:.1f} ms, "
        f"max {max(timings):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--modes", default="patterns,ner")
    args = parser.parse_args()
    for name in args.modes.split(","):
        mode = PiiMode(name.strip())
        if mode is PiiMode.NER:
            try:
                check_ner_model()
            except NerModelMissing as exc:
                print(f"PII_MODE=ner skipped: {exc}")
                continue
        run(mode, args.rounds)


if __name__ == "__main__":
    main()
