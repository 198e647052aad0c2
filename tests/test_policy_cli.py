"""The policy on the command line: ``publisher check`` shows rule ids and next actions;
``publisher steps FILE`` shows done and pending steps, who must act, and a cascade plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO, REPO

NOW = "2026-11-18T10:30:00+00:00"
PHONE = DEMO / "messages" / "2026" / "2026-12-09-phone-system-change.md"
MI = DEMO / "messages" / "2026" / "2026-03-09-online-exams-major-incident" / "02-update.md"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "publisher", *args], capture_output=True,
                          text=True, check=False, cwd=REPO, env=env)


def test_check_shows_rule_and_next_action_by_message() -> None:
    done = run("check", "content", "--now", NOW)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    header = lines.index("content/messages/2026/2026-12-09-phone-system-change.md  "
                         "2026-12-09-phone-system-change")
    assert "[R14]" in lines[header + 3] and "next step 'sme-review'" in lines[header + 3]
    assert lines[header + 4].strip() == ("next: needs sme-review by the service manager; "
                                         "first available: Eleanor Morgan")
    assert "0 error(s), 2 warning(s)" in lines[-1]


def test_steps_shows_done_pending_and_who_must_act() -> None:
    done = run("steps", str(PHONE), "--now", NOW)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "workflow: Planned messages" in out
    assert "✔ done" in out and "Amara Okafor, 2026-11-17 15:30" in out
    assert "○ to do" in out and "first available: Eleanor Morgan, due 2026-12-09 18:00" in out
    assert "first available: Rosa Castellano" in out  # the director is on leave that week
    assert "next: needs sme-review by the service manager" in out
    assert "Cascade plan" not in out


def test_steps_json_and_cascade_plan_of_a_major_incident() -> None:
    done = run("steps", str(MI), "--now", NOW, "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["workflow"] == "major-incident"
    assert [s["step"] for s in data["steps"]] == ["intake", "confirm-need", "draft",
                                                 "approval", "distribution"]
    assert all(s["done"] for s in data["steps"])
    assert data["steps"][3]["by"] == "d-whitfield"
    cascade = {c["audience_id"]: c for c in data["cascade"]}
    assert cascade["library-staff"]["role"] == "local-comms-lead"
    assert cascade["it-support-staff"]["person"] == "Callum Fairweather"
    text = run("steps", str(MI), "--now", NOW).stdout
    assert "Cascade plan" in text and "local communications lead" in text


def test_steps_of_a_file_outside_content_is_a_message(tmp_path: Path) -> None:
    stray = tmp_path / "note.md"
    stray.write_text("---\ntype: news\n---\nx\n")
    done = run("steps", str(stray), "--now", NOW)
    assert done.returncode == 1
    assert "not inside a content directory's messages/ folder" in done.stderr
    assert "Traceback" not in done.stderr
