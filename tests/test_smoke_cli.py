"""The demo through the real CLI: the two things `make run` does before the site exists."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import DEMO, DEMO_NOW


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args, "--now", DEMO_NOW.isoformat()],
        capture_output=True, text=True, check=False, cwd=Path(DEMO).parent,
    )


def test_demo_checks_clean() -> None:
    done = run("check", "content", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert report["errors"] == 0
    assert report["messages"] >= 60


def test_demo_status_shows_red_amber_and_blue() -> None:
    done = run("status", "content", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    statuses = set(report["services"].values())
    assert "under_maintenance" in statuses
    assert statuses & {"partial_outage", "major_outage"}
    assert statuses & {"degraded_performance", "partial_outage"}
    assert report["open_incidents"] and report["active_maintenance"]
