"""Time the policy over a large generated content: ``python bench/bench_policy.py [N]``.

Generates N messages (default 5,000) with bench/generate.py over the demo's configuration and
policy, loads them once, then times ``policy.evaluate`` (every rule R1–R14) and, for
comparison, the loader. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from publisher import policy
from publisher.content.load import load_content

NOW = datetime.fromisoformat("2026-11-18T10:30:00+00:00")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = generate(Path(tmp) / "content", args.n, seed=1)
        started = time.perf_counter()
        content, problems = load_content(root)
        load_s = time.perf_counter() - started
        assert content is not None, problems
        times, findings = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            findings = policy.evaluate(content, NOW)
            times.append(time.perf_counter() - started)
        pol = policy.load_policy(content)
        started = time.perf_counter()
        for message in content.messages.values():
            policy.pending(content, pol, message, NOW)
        pending_s = time.perf_counter() - started
    best, median = min(times), statistics.median(times)
    n = len(content.messages)
    print(f"messages: {n} in {len(content.threads)} threads; rules: {len(pol.rules)}")
    print(f"load_content: {load_s:.2f} s")
    print(f"policy.evaluate: best {best:.2f} s, median {median:.2f} s of {args.runs} "
          f"({best / n * 1e6:.0f} µs a message); findings: {len(findings)} "
          f"({sum(p.is_error for p in findings)} errors)")
    print(f"policy.pending for every message: {pending_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
