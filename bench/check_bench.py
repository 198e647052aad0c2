"""Benchmark ``publisher check`` on a large generated content directory.

Generates N valid messages (default 5,000) with ``bench/generate.py`` in a temporary
directory, then prints:

- the loader alone (``load_content``), in-process, best of 3;
- the whole check (loader + policy, what ``publisher check`` runs), in-process, best of 3;
- ``python -m publisher check DIR`` as a subprocess: wall time, best of 3 (includes start-up),
  cold (an empty build cache each run) and warm (the cache of the run before).

Targets (issue 18): the subprocess check of 5,000 messages in at most 1.5 s cold and 0.7 s
warm on a 2-core machine.
Usage: ``python bench/check_bench.py [--n 5000] [--content DIR] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402
from procenv import bench_env  # noqa: E402

from publisher.check import check  # noqa: E402
from publisher.content.load import load_content  # noqa: E402

NOW = "2026-11-18T10:30:00+00:00"
TARGET = 1.5
TARGET_WARM = 0.7


def best_of(runs: int, func) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="messages to generate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one load")
    parser.add_argument("--content", type=Path,
                        help="a content folder bench/generate.py wrote earlier (else a new one)")
    args = parser.parse_args()
    now = datetime.fromisoformat(NOW)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.content or Path(tmp) / "content"
        if args.content is None:
            started = time.perf_counter()
            generate(root, args.n)
            print(f"generated {args.n} messages in {time.perf_counter() - started:.2f} s")

        content, problems = load_content(root)
        errors = [p for p in problems if p.is_error]
        assert content is not None and not errors, errors[:5]
        if args.content is not None:
            args.n = len(content.messages)
        assert len(content.messages) == args.n

        os.environ["PUBLISHER_CACHE_DIR"] = "off"  # in-process figures: no cache
        load_time = best_of(args.runs, lambda: load_content(root))
        check_time = best_of(args.runs, lambda: check(root, now))
        cache = Path(tmp) / "cache"
        env = bench_env(PUBLISHER_CACHE_DIR=str(cache))
        command = [sys.executable, "-m", "publisher", "check", str(root), "--now", NOW]

        def run(cold: bool) -> None:
            if cold:
                shutil.rmtree(cache, ignore_errors=True)
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

        wall = best_of(args.runs, lambda: run(cold=True))
        run(cold=False)
        warm = best_of(args.runs, lambda: run(cold=False))
        startup = best_of(args.runs, lambda: subprocess.run(
            [sys.executable, "-m", "publisher", "--help"], capture_output=True, env=env,
            check=True))
        print(f"messages:                       {args.n}")
        print(f"load_content (in-process):      {load_time:.3f} s  (best of {args.runs})")
        print(f"check = load + policy (in-proc): {check_time:.3f} s  (best of {args.runs})")
        print(f"publisher check, cold cache:    {wall:.3f} s  wall (best of {args.runs}; "
              f"target <= {TARGET} s: {'met' if wall <= TARGET else 'NOT met'})")
        print(f"publisher check, warm cache:    {warm:.3f} s  wall (best of {args.runs}; "
              f"target <= {TARGET_WARM} s: {'met' if warm <= TARGET_WARM else 'NOT met'})")
        print(f"  of which start-up (--help):   {startup:.3f} s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            check(root, now)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
