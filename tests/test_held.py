"""One bad message holds only itself: through ``publisher build`` and ``publisher send`` on
copies of the demo, with a real mkdocs build and a real aiosmtpd server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mail_helpers import DEMO_THREAD, SmtpServer, point_at
from site_build import REPO, mkdocs_build

from tests.conftest import DEMO_NOW

EXTENSION = f"messages/2026/{DEMO_THREAD}/03-extension.md"
STORY = "messages/2026/2026-11-10-cirrus-gpu-expansion.md"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("PUBLISHER_CONTENT", None)
    return subprocess.run([sys.executable, "-m", "publisher", *args, "--now",
                           DEMO_NOW.isoformat()], env=env, capture_output=True, text=True,
                          cwd=REPO, check=False)


def build(content: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli("build", str(content), "--out", str(out), "--config-file",
               str(REPO / "mkdocs.yml"), *extra)


def break_extension(content: Path) -> None:
    """An error in one approved follow-up: a service id typo."""
    path = content / EXTENSION
    path.write_text(path.read_text().replace(
        "type: extension", "type: extension\nservices: {student-recrods: major_outage}", 1))


def typo_in_story(content: Path) -> None:
    """A key typo: the file does not even load."""
    path = content / STORY
    path.write_text(path.read_text().replace("title:", "servcies: [email]\ntitle:", 1))


def site_text(site: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(site.rglob("*"))
                     if p.is_file() and p.suffix in {".html", ".json", ".xml", ".ics", ".js"})


def test_check_still_fails_but_build_publishes_the_rest(demo_copy: Path, tmp_path: Path) -> None:
    break_extension(demo_copy)
    typo_in_story(demo_copy)
    assert cli("check", str(demo_copy)).returncode == 1  # the pull-request gate stays shut
    out = tmp_path / "site"
    result = build(demo_copy, out)
    assert result.returncode == 0, result.stderr
    assert "held 2 message(s)" in result.stderr
    assert f"{DEMO_THREAD}/03-extension" in result.stderr and "student-recrods" in result.stderr
    assert "cirrus-gpu-expansion.md" in result.stderr and "servcies" in result.stderr
    # The held follow-up leaves the thread at its last good state: the update, not 13:00.
    page = (out / "incidents" / DEMO_THREAD / "index.html").read_text()
    assert "We have found the cause" in page
    assert "back by <strong>13:00</strong>" not in page
    assert "every record\nis being checked" not in site_text(out)
    assert "every record is being checked" not in site_text(out)
    assert "More GPUs for research" not in site_text(out)
    assert not list(out.rglob("*cirrus-gpu*"))
    incidents = json.loads((out / "api" / "v2" / "incidents.json").read_text())
    thread = next(i for i in incidents["incidents"] if i["id"] == DEMO_THREAD)
    assert len(thread["incident_updates"]) == 2
    # Everything else is still there: other threads, the home page.
    assert (out / "index.html").is_file()
    assert (out / "maintenance" / "2026-11-18-library-catalogue-upgrade" / "index.html").is_file()


def test_strict_build_exits_1_on_a_held_message(demo_copy: Path, tmp_path: Path) -> None:
    break_extension(demo_copy)
    result = build(demo_copy, tmp_path / "site", "--strict")
    assert result.returncode == 1
    assert "03-extension" in result.stderr


def test_mkdocs_build_strict_fails_on_a_held_message(demo_copy: Path, tmp_path: Path) -> None:
    break_extension(demo_copy)
    assert mkdocs_build(demo_copy, DEMO_NOW, tmp_path / "a").returncode == 0
    env = dict(os.environ, PUBLISHER_NOW=DEMO_NOW.isoformat(), PUBLISHER_CONTENT=str(demo_copy),
               NO_MKDOCS_2_WARNING="1")
    strict = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
         str(REPO / "mkdocs.yml"), "-d", str(tmp_path / "b")],
        env=env, capture_output=True, text=True, cwd=REPO, check=False)
    assert strict.returncode == 1
    assert "03-extension" in strict.stderr


def test_config_error_blocks_the_build_and_keeps_the_site(demo_copy: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert build(demo_copy, out).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    services = demo_copy / "services.yml"
    services.write_text(services.read_text().replace("groups:", "groups:\n  - id: [", 1))
    result = build(demo_copy, out)
    assert result.returncode == 1
    assert "services.yml" in result.stderr and "unchanged" in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_send_sends_the_rest_and_reports_the_held(demo_copy: Path) -> None:
    break_extension(demo_copy)
    typo_in_story(demo_copy)
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        result = cli("send", str(demo_copy))
        subjects = sorted(r.message["Subject"] for r in server.received)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[Update: extended] Student records unavailable" not in subjects
    assert "[Outage] Student records unavailable" in subjects
    assert "[Update] Student records unavailable" in subjects
    assert "03-extension" in result.stdout and "student-recrods" in result.stdout
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        strict = cli("send", str(demo_copy), "--strict")
        assert server.received == []  # the rest went on the first run; the held never goes
    assert strict.returncode == 1


def test_held_all_clear_leaves_the_incident_open(demo_copy: Path, tmp_path: Path) -> None:
    thread = demo_copy / "messages" / "2026" / DEMO_THREAD
    (thread / "04-all-clear.md").write_text("""---
type: all-clear
status: resolved
window: {actual_end: 2026-11-18T10:25}
services: {student-records: operational, no-such-service: operational}
send_at: 2026-11-18T10:26
workflow:
  requested_by: b-harrington
  intake: 2026-11-18T10:24
  stage: approved
  steps:
    - {step: intake, by: b-harrington, at: 2026-11-18T10:24}
    - {step: draft, by: a-okafor, at: 2026-11-18T10:25}
    - {step: approval, by: a-okafor, at: 2026-11-18T10:25}
---
Student records are back.
""")
    out = tmp_path / "site"
    result = build(demo_copy, out)
    assert result.returncode == 0, result.stderr
    assert f"{DEMO_THREAD}/04-all-clear" in result.stderr
    summary = json.loads((out / "api" / "v2" / "summary.json").read_text())
    assert DEMO_THREAD in [i["id"] for i in summary["incidents"]]  # still open
    assert "Student records are back" not in site_text(out)
