"""Hostile inputs of up to 1 MB each: how long ``publisher check`` / ``build`` take, and peak
memory (issue 14's target: each fails or builds within 10 s and 500 MB).

    .venv/bin/python bench/bench_hostile.py

Prints one line per input: outcome, seconds, peak RSS of the child process in MB.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

MINI = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "mini"
NOW = "2026-03-02T10:00:00+00:00"
FRONT = ("---\ntitle: {title}\ntype: unplanned-outage\nservices: {{email: major_outage}}\n"
         "status: investigating\nchannels: [status, rss]\nsend_at: {at}\nworkflow:\n"
         "  stage: approved\n---\n")


def message(body: str, title: str = "Bench", at: str = "2026-03-01T09:00") -> str:
    return FRONT.format(title=title, at=at) + body


def billion(root: Path) -> None:
    names = "abcdefghijklmnopqrstu"
    lines = ["a: &a [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"{n}: &{n} [" + ", ".join([f"*{p}"] * 9) + "]" for p, n in pairwise(names)]
    (root / "services.yml").write_text("\n".join(lines) + "\n")


def body(text: str):
    def make(root: Path) -> None:
        (root / "messages/2026/2026-03-01-bench.md").write_text(message(text))
    return make


def thread(updates: int):
    def make(root: Path) -> None:
        folder = root / "messages/2026/2026-03-01-long-thread"
        folder.mkdir(parents=True)
        (folder / "00000.md").write_text(message("Opening.\n"))
        for index in range(1, updates):
            hour, minute, second = 9 + index // 3600 % 10, index // 60 % 60, index % 60
            minute = f"2026-03-01T{hour:02d}:{minute:02d}:{second:02d}"
            (folder / f"{index:05d}.md").write_text(message("Update.\n", at=minute).replace(
                "type: unplanned-outage", "type: update"))
    return make


INPUTS = {
    "billion laughs services.yml": billion,
    "1 MB of '[a]('": body("[a](" * 250_000),
    "1 MB of '<a '": body("<a " * 330_000),
    "90 KB of '[a](' over 2,000 paragraphs": body(("[a](" * 10 + "\n\n") * 2000),
    "90 KB of '<a ' lines": body("Use a<b comparisons\n\n" * 4000),
    "500-deep nested list": body("".join(" " * i + "- x\n" for i in range(500))),
    "thread of 10,000 updates": thread(10_000),
}


def main() -> None:
    for name, make in INPUTS.items():
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder) / "content"
            shutil.copytree(MINI, root)
            make(root)
            for command in ("check", "build"):
                args = [sys.executable, "-m", "publisher", command, str(root), "--now", NOW]
                if command == "build":
                    args += ["-o", str(Path(folder) / "site")]
                before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                start = time.perf_counter()
                done = subprocess.run(args, capture_output=True, text=True, check=False)
                took = time.perf_counter() - start
                peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
                outcome = "ok" if done.returncode == 0 else f"exit {done.returncode}"
                if "Traceback" in done.stderr:
                    outcome = "TRACEBACK"
                print(f"{name:<40} {command:<6} {outcome:<10} {took:6.1f} s  "
                      f"{peak / 1024:6.0f} MB (peak so far)", flush=True)


if __name__ == "__main__":
    main()
