"""``publisher check`` over exactly the files, instant and folder of the run before gives
that run's report without checking again; anything else is checked afresh."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

import publisher.check
from publisher import summary
from tests.conftest import DEMO, DEMO_NOW

MAJOR = "messages/2026/2026-03-09-online-exams-major-incident"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(DEMO, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PUBLISHER_CACHE_DIR", raising=False)
    return tmp_path


def no_check(*args: object, **kwargs: object) -> None:
    raise AssertionError("checked again")


def test_the_same_inputs_give_the_remembered_report_without_a_check(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = summary.summarise(project / "content", DEMO_NOW)
    assert first.messages > 50 and first.loaded and first.warnings
    monkeypatch.setattr(publisher.check, "check", no_check)
    assert summary.summarise(project / "content", DEMO_NOW) == first


@pytest.mark.parametrize("change", ["a file's bytes", "a new file", "a template", "instant",
                                    "working folder"])
def test_any_other_input_is_checked_afresh(project: Path, monkeypatch: pytest.MonkeyPatch,
                                           change: str) -> None:
    content, now = project / "content", DEMO_NOW
    summary.summarise(content, now)
    calls: list[object] = []
    real = publisher.check.check

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(publisher.check, "check", counted)
    if change == "a file's bytes":
        path = content / "services.yml"
        path.write_text(path.read_text() + "\n# other bytes\n")
    elif change == "a new file":
        shutil.copytree(content / MAJOR, content / "messages/2026/2026-03-10-exams-again")
    elif change == "a template":
        (project / "site_templates" / "messages").mkdir(parents=True)
        (project / "site_templates" / "messages" / "note.md").write_text("a wording")
    elif change == "instant":
        now = DEMO_NOW + timedelta(seconds=1)
    else:
        (project / "elsewhere").mkdir()
        monkeypatch.chdir(project / "elsewhere")  # problems name files relative to it
    again = summary.summarise(content, now)
    assert len(calls) == 1
    if change == "working folder":
        assert again.problems and all(Path(p.path).is_absolute() for p in again.problems)


def test_a_damaged_memo_is_checked_afresh(project: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = summary.summarise(project / "content", DEMO_NOW)
    (memo,) = (project / "build" / ".cache" / "runs").glob("*.json")
    memo.write_bytes(memo.read_bytes()[:-20])
    assert summary.summarise(project / "content", DEMO_NOW) == first
    (memo,) = (project / "build" / ".cache" / "runs").glob("*.json")
    monkeypatch.setattr(publisher.check, "check", no_check)
    assert summary.summarise(project / "content", DEMO_NOW) == first  # and written again


def test_with_approvals_verified_in_git_every_check_is_made(project: Path) -> None:
    """Git history is an input then, and no file of ours names it."""
    policy = project / "content" / "policy.yml"
    policy.write_text(policy.read_text().replace(
        "provenance:\n", "provenance:\n  require_verified_approvals: true\n", 1))
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    summary.summarise(project / "content", DEMO_NOW)
    assert not list((project / "build" / ".cache").glob("runs/*.json"))


def test_the_command_reports_the_same_twice(project: Path) -> None:
    def run() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "publisher", "check", "content", "--now",
             DEMO_NOW.isoformat(), "--format", "json"],
            capture_output=True, text=True, cwd=project, check=False)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    first = run()
    assert first["messages"] and first["warnings"]
    assert run() == first
    assert list((project / "build" / ".cache" / "runs").glob("*.json"))


def test_a_body_fault_is_reported_again_from_the_parsed_cache(project: Path) -> None:
    """The body's findings are kept with the parsed file: a second load, served from
    build/.cache/messages, reports the same fault at the same line."""
    from publisher.content.limits import MAX_BRACKETS

    content = project / "content"
    path = next((content / MAJOR).glob("*.md"))
    path.write_text(path.read_text() + "\n" + "[x] " * (MAX_BRACKETS + 1) + "\n")
    runs = [publisher.check.check(content, DEMO_NOW) for _ in range(2)]
    assert (project / "build" / ".cache" / "messages").exists()
    found = [[(p.line, p.field, p.message) for p in run.problems if p.rule == "L-body"]
             for run in runs]
    assert len(found[0]) == 1 and found[0] == found[1]
    assert found[0][0][0] == len(path.read_text().splitlines())


def test_a_cached_file_with_many_refused_characters_is_parsed_again_once(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parsed cache keeps no lines: a file served from it that has problems is parsed
    again for their lines, once however many problems it has (never once per problem)."""
    from publisher.content import reading

    content = project / "content"
    path = next((content / MAJOR).glob("*.md"))
    items = ", ".join(f'"topic{i}\\u0007"' for i in range(40))
    path.write_text(path.read_text().replace("---\n", f"---\ncategories: [{items}]\n", 1))
    first = publisher.check.check(content, DEMO_NOW)
    parses: list[str] = []
    real = reading.parse_front
    monkeypatch.setattr(reading, "parse_front", lambda front: parses.append(front) or real(front))
    second = publisher.check.check(content, DEMO_NOW)  # served from build/.cache/messages
    found = [[(p.line, p.field) for p in run.problems if p.rule == "L-text"]
             for run in (first, second)]
    assert len(found[0]) == 40 and found[0] == found[1]
    assert len(parses) == 1
