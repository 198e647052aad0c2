"""Benchmark the comms-lead tools: ``python bench/tools_bench.py [--n 2000]``.

Generates N valid messages with bench/generate.py, commits them to a fresh git repository,
then times: the pipeline rows (policy pending steps for every message in flight) and its
HTML page; recording one step with the round-trip editor and diff guard; and
``verify-approvals`` over every approval (one ``git blame`` per file). Prints figures only.
"""

from __future__ import annotations

import argparse
import os
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

from publisher.content.load import load_content  # noqa: E402
from publisher.policy import provenance  # noqa: E402
from publisher.workflow import pipeline, record  # noqa: E402

NOW = datetime.fromisoformat("2026-11-18T10:30:00+00:00")


def timed(label: str, func, runs: int = 3):  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<44} {best * 1000:9.1f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        root = generate(repo / "content", args.n)
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        for cmd in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.name=Bench", "-c", "user.email=bench@example", "commit", "-qm",
                     "bench"]):
            subprocess.run(["git", *cmd], cwd=repo, env=env, check=True)
        content, _ = load_content(root)
        assert content is not None
        print(f"{len(content.messages)} messages in {len(content.threads)} threads")
        # stand mid-way through the generated year, so half the messages are still ahead
        sends = sorted(m.send_at for m in content.messages.values() if m.send_at)
        mid = sends[len(sends) // 2]
        rows = timed("pipeline rows (in flight, pending steps)",
                     lambda: pipeline.rows(content, mid))
        print(f"  {len(rows)} message(s) in flight")
        html = timed("pipeline HTML page", lambda: pipeline.render_html(content, rows, mid))
        print(f"  {len(html):,} bytes")
        draft = next((m for m in content.messages.values() if not m.approved), None)
        if draft is not None:
            def one_step() -> object:
                return record.record(content, draft.path, "draft", "a-okafor", NOW, write=False)
            try:
                timed("record one step (round trip + diff guard)", one_step)
            except Exception as exc:  # the generated draft may not take that step
                print(f"record one step: skipped ({exc})")
        claims = timed("verify-approvals (git blame per file)",
                       lambda: provenance.verify(content), runs=1)
        print(f"  {len(claims)} approval claim(s) in "
              f"{len({c.message.path for c in claims})} file(s)")


if __name__ == "__main__":
    main()
