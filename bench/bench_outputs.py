"""Benchmark the non-page producers (feeds, API, banner, calendars, badges) and snippets.

Generates N valid messages (default 5,000) with ``bench/generate.py``, merges in the demo's
own messages (so there are open incidents, active maintenance and banners at the demo
moment), loads the content once, evaluates the status at the demo moment, then times each
producer in ``PRODUCERS`` (best of 3, each run cold: the Markdown cache they share is
emptied first), the whole ``static_outputs``, every message's SMS and
social snippet, and the snippet check. Prints files and bytes written per producer.

Usage: ``python bench/bench_outputs.py [--n 5000] [--runs 3] [--profile NAME]``
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generate import DEMO, generate  # noqa: E402

from publisher.content.load import load_content  # noqa: E402
from publisher.renderers import PRODUCERS, BuildContext, static_outputs  # noqa: E402
from publisher.renderers.common import body_html  # noqa: E402
from publisher.text.snippets import snippet, snippet_problems  # noqa: E402

NOW = datetime.fromisoformat("2026-11-18T10:30:00+00:00")


def best_of(runs: int, func: Callable[[], object]) -> tuple[float, object]:
    """Best wall time of ``runs`` cold runs (the shared Markdown cache emptied before each)."""
    best, result = float("inf"), None
    for _ in range(runs):
        body_html.cache_clear()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="generated messages")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    parser.add_argument("--profile", metavar="NAME",
                        help="profile one producer (e.g. produce_feeds) instead")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-outputs-") as tmp:
        root = generate(Path(tmp) / "content", args.n)
        shutil.copytree(DEMO / "messages", root / "messages", dirs_exist_ok=True)
        start = time.perf_counter()
        content, problems = load_content(root)
        loaded = time.perf_counter() - start
        if content is None or any(p.is_error for p in problems):
            print("generated content does not load:", *problems[:5], sep="\n")
            return 1
        start = time.perf_counter()
        ctx = BuildContext.at(content, NOW)
        evaluated = time.perf_counter() - start
        published = len(ctx.report.published)
        print(f"{len(content.messages)} messages ({published} published) in "
              f"{len(content.threads)} threads; load {loaded:.2f} s, status {evaluated:.3f} s")

        if args.profile:
            producer = next(p for p in PRODUCERS if p.__name__ == args.profile)
            profiler = cProfile.Profile()
            profiler.runcall(producer, ctx)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            return 0

        print(f"{'producer':<22}{'seconds':>9}{'files':>8}{'MB':>9}  (best of {args.runs})")
        total = 0.0
        for producer in PRODUCERS:
            seconds, files = best_of(args.runs, lambda p=producer: dict(p(ctx)))
            size = sum(len(v) for v in files.values()) / 1e6
            total += seconds
            print(f"{producer.__name__:<22}{seconds:>9.3f}{len(files):>8}{size:>9.2f}")
        seconds, files = best_of(args.runs, lambda: static_outputs(ctx))
        assert isinstance(files, dict)
        print(f"{'static_outputs (all)':<22}{seconds:>9.3f}{len(files):>8}"
              f"{sum(len(v) for v in files.values()) / 1e6:>9.2f}")
        messages = list(content.messages.values())
        seconds, _ = best_of(args.runs, lambda: [snippet(content, m) for m in messages])
        print(f"{'snippets (every msg)':<22}{seconds:>9.3f}{len(messages):>8}")
        seconds, _ = best_of(args.runs, lambda: snippet_problems(content))
        print(f"{'snippet check':<22}{seconds:>9.3f}")
        print(f"producers total {total:.2f} s for {published} published messages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
