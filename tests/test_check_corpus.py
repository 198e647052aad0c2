"""`publisher check` on a corpus of broken content: every problem precise, all in one run.

Each case under tests/fixtures/broken/<case>/ is a few files laid over tests/fixtures/mini
(``DELETE`` lists files to remove) and ``EXPECTED`` lists, one a line, the exact
``path:line: field: message`` the check must print (paths relative to the content dir).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_NOW, MINI

from publisher.content.load import load_content

BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())
POLICY_SUFFIX = re.compile(r" \[[^\]]+\]$")
"""Policy problems end in ``[R…]``; this corpus is about the loader, so they are ignored."""


def build(case: str, target: Path) -> Path:
    """The mini content with the case's files laid over it, at ``target/content``."""
    root = target / "content"
    shutil.copytree(MINI, root)
    source = BROKEN / case
    for path in source.rglob("*"):
        if path.is_file() and path.name not in {"EXPECTED", "DELETE"}:
            destination = root / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
    if (source / "DELETE").exists():
        for name in (source / "DELETE").read_text().split():
            (root / name).unlink()
    return root


def run_check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", "check", *args, "--now", DEMO_NOW.isoformat()],
        capture_output=True, text=True, check=False, cwd=cwd,
    )


def problem_lines(stdout: str) -> list[str]:
    """The problems printed by the text format, without their error/warning label."""
    found = []
    for line in stdout.splitlines():
        label, _, rest = line.strip().partition(" ")
        if label in {"error", "warning"} and not POLICY_SUFFIX.search(rest):
            found.append(rest.strip())
    return found


def test_corpus_is_large_and_every_case_has_expectations() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        expected = (BROKEN / case / "EXPECTED").read_text().splitlines()
        assert expected, case
        for line in expected:
            # path:line: field: message, every part present
            assert re.match(r"^[^:]+(:\d+)?: [^:]+: .+", line), (case, line)


@pytest.mark.parametrize("case", CASES)
def test_broken_case_reports_exactly_its_problems(case: str, tmp_path: Path) -> None:
    build(case, tmp_path)
    done = run_check(tmp_path, "content")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    expected = ["content/" + line for line in (BROKEN / case / "EXPECTED").read_text().splitlines()]
    assert problem_lines(done.stdout) == expected


def test_problems_in_several_files_are_all_reported_in_one_run(tmp_path: Path) -> None:
    root = build("several-files", tmp_path)
    # and more, in yet other files, on top of the case's own three
    shutil.copytree(BROKEN / "unknown-key-nested" / "messages", root / "messages",
                    dirs_exist_ok=True)
    (root / "settings.yml").write_text("theme: dark\n")
    done = run_check(tmp_path, "content", "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    paths = {p["path"] for p in report["problems"]}
    assert paths >= {
        "content/audiences.yml", "content/settings.yml",
        "content/messages/2026/2026-04-01-a.md", "content/messages/2026/2026-04-02-b.md",
        "content/messages/2026/2026-04-01-typo.md",
    }
    assert report["errors"] >= 5


def test_check_json_shape(tmp_path: Path) -> None:
    build("unknown-key-servcies", tmp_path)
    done = run_check(tmp_path, "content", "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert set(report) == {"ok", "now", "errors", "warnings", "messages", "held", "problems"}
    assert report["held"] == ["2026-04-01-typo"]
    assert report["ok"] is False
    assert report["now"] == DEMO_NOW.isoformat()
    assert report["errors"] == 1 and report["warnings"] == 0
    assert report["messages"] == 4  # the four valid mini messages still load
    (problem,) = [p for p in report["problems"] if p["rule"].startswith("L-")]
    assert problem == {
        "path": "content/messages/2026/2026-04-01-typo.md", "line": 4, "field": "servcies",
        "message": "unknown field 'servcies' (did you mean 'services'?)", "severity": "error",
        "rule": "L-schema", "action": "", "message_id": "2026-04-01-typo",
    }


MAJOR_FIELDS_ON_OUTAGE = """---
title: Email slow
type: unplanned-outage
services: {email: degraded_performance}
send_at: 2026-04-01T09:10
major_incident:
  criteria: [reputation]
workflow:
  stage: approved
---
Slow.
"""


def test_warnings_exit_0_but_1_with_strict(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(MINI, root)
    (root / "messages" / "2026" / "2026-04-01-email-slow.md").write_text(MAJOR_FIELDS_ON_OUTAGE)
    done = run_check(tmp_path, "content")
    assert done.returncode == 0, done.stdout
    assert ("content/messages/2026/2026-04-01-email-slow.md:6: major_incident: major-incident "
            "fields on a thread that was not declared a major incident") in done.stdout
    assert "warning" in done.stdout
    strict = run_check(tmp_path, "content", "--strict")
    assert strict.returncode == 1
    report = json.loads(run_check(tmp_path, "content", "--strict", "--format", "json").stdout)
    assert report["ok"] is False and report["errors"] == 0 and report["warnings"] >= 1


def test_valid_mini_content_exits_0(tmp_path: Path) -> None:
    done = run_check(Path(MINI).parent, "mini")
    assert done.returncode == 0, done.stdout
    assert "0 error(s)" in done.stdout


def test_date_without_offset_is_organisation_local_time(mini_copy: Path) -> None:
    """Naive times are Europe/London wall-clock times: GMT in winter, BST in summer."""
    folder = mini_copy / "messages" / "2026"
    (folder / "2026-07-08-summer-news.md").write_text(
        "---\ntitle: Summer\ntype: news\nsend_at: 2026-07-08T09:10\nworkflow: {stage: approved}"
        "\n---\nHi.\n")
    (folder / "2026-01-08-winter-news.md").write_text(
        "---\ntitle: Winter\ntype: news\nsend_at: 2026-01-08T09:10\nworkflow: {stage: approved}"
        "\n---\nHi.\n")
    (folder / "2026-07-09-explicit-news.md").write_text(
        "---\ntitle: Explicit\ntype: news\nsend_at: 2026-07-09T09:10:00+00:00\n"
        "workflow: {stage: approved}\n---\nHi.\n")
    content, problems = load_content(mini_copy)
    assert [str(p) for p in problems if p.is_error] == []
    assert content is not None
    summer = content.messages["2026-07-08-summer-news"].send_at
    winter = content.messages["2026-01-08-winter-news"].send_at
    explicit = content.messages["2026-07-09-explicit-news"].send_at
    assert summer is not None and winter is not None and explicit is not None
    assert summer.isoformat() == "2026-07-08T09:10:00+01:00"
    assert winter.isoformat() == "2026-01-08T09:10:00+00:00"
    assert explicit.utcoffset().total_seconds() == 0  # an explicit offset is kept
    assert content.local(explicit).hour == 10


def test_authoring_docs_say_naive_times_are_organisation_time() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "authoring.md").read_text()
    assert "A time written without an offset is read\nin the organisation's time zone" in text


def test_message_lines_are_exact_with_blank_lines_and_comments(mini_copy: Path) -> None:
    """Line numbers survive blank lines and comments after the opening ---."""
    path = mini_copy / "messages" / "2026" / "2026-04-01-spaced.md"
    path.write_text("---\n\n# a comment\ntitle: Spaced\n\ntype: news\nservcies: [email]\n---\n"
                    "Body.\n")
    _, problems = load_content(mini_copy)
    (problem,) = [p for p in problems if p.path.endswith("2026-04-01-spaced.md")]
    assert (problem.line, problem.field) == (7, "servcies")
