"""Fewer commands per notice: several steps in one `review`, `new --slug`, slugs cut at a word,
`new --justification`, follow-ups that are not overdue at birth, automatic steps that are
nobody's to-do, and the stage moving to review with the first review step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tools_support import Repo, front_matter, make_repo

DRAFT = Path("content/messages/2026/2026-12-09-phone-system-change.md")
THREAD = "2026-11-18-student-records-outage"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def test_review_records_several_steps_in_one_go_and_moves_the_draft_to_review(
        repo: Repo) -> None:
    done = repo.run("review", str(DRAFT), "--by", "e-morgan", "--step", "sme-review",
                    "--note", "porting date confirmed")
    assert done.returncode == 0, done.stderr
    assert "  -   stage: draft\n  +   stage: review\n" in done.stdout
    assert front_matter(repo.root / DRAFT)["workflow"]["stage"] == "review"
    done = repo.run("review", str(DRAFT), "--by", "a-okafor", "--step", "second-draft",
                    "--step", "final-draft")
    assert done.returncode == 0, done.stderr
    steps = [s["step"] for s in front_matter(repo.root / DRAFT)["workflow"]["steps"]]
    assert steps[-3:] == ["sme-review", "second-draft", "final-draft"]
    assert "recorded 2026-12-09-phone-system-change: second-draft by a-okafor" in done.stdout
    assert "recorded 2026-12-09-phone-system-change: final-draft by a-okafor" in done.stdout
    assert "still to do: comms-control-review by Rachel Dunmore" in done.stdout
    assert "distribution" not in done.stdout  # the pipeline's step, nobody's to-do


def test_a_refused_step_leaves_the_file_as_it_was(repo: Repo) -> None:
    before = (repo.root / DRAFT).read_bytes()
    done = repo.run("review", str(DRAFT), "--by", "e-morgan", "--step", "sme-review",
                    "--step", "second-draft")
    assert done.returncode == 1
    assert "e-morgan may not record 'second-draft'" in done.stderr
    assert "nothing recorded" in done.stderr
    assert (repo.root / DRAFT).read_bytes() == before


def test_steps_shows_distribution_as_automatic_not_to_do(repo: Repo) -> None:
    done = repo.run("steps", str(DRAFT), "--format", "json")
    rows = {r["step"]: r for r in json.loads(done.stdout)["steps"]}
    assert rows["distribution"]["automatic"] is True
    assert rows["distribution"]["overdue"] is False
    text = repo.run("steps", str(DRAFT)).stdout
    line = next(row for row in text.splitlines() if "distribution" in row)
    assert "to do" not in line and "auto" in line


def test_a_new_follow_up_does_not_report_its_own_intake_overdue(repo: Repo) -> None:
    done = repo.run("new", "update", "--thread", THREAD)
    assert done.returncode == 0, done.stderr
    assert "next step 'intake'" in done.stdout
    assert "overdue" not in done.stdout
    report = json.loads(repo.run("pipeline", "content", "--format", "json",
                                 "--no-html").stdout)
    row = next(m for m in report["messages"] if m["message_id"] == f"{THREAD}/04-update")
    assert row["overdue"] is False


def test_slug_sets_the_thread_id(repo: Repo) -> None:
    done = repo.run("new", "planned-maintenance", "--title", "Desk phones: Teams calling",
                    "--slug", "teams-calling", "--service", "phones", "--audience",
                    "all-staff", "--start", "2026-12-10T18:00", "--end", "2026-12-10T20:00")
    assert done.returncode == 0, done.stderr
    assert "(message 2026-12-10-teams-calling)" in done.stdout
    assert (repo.root / "content/messages/2026/2026-12-10-teams-calling.md").exists()
    bad = repo.run("new", "planned-maintenance", "--title", "X", "--slug", "Teams Calling",
                   "--service", "phones", "--audience", "all-staff",
                   "--start", "2026-12-10T18:00", "--end", "2026-12-10T20:00")
    assert bad.returncode == 1 and "--slug: 'Teams Calling' is not a slug" in bad.stderr


def test_generated_slugs_end_on_a_whole_word(repo: Repo) -> None:
    title = "Upgrade of the university library catalogue and the reading list system"
    done = repo.run("new", "news", "--title", title, "--audience", "students")
    assert done.returncode == 0, done.stderr
    assert "(message 2026-11-18-upgrade-of-the-university-library-catalogue-and)" \
        in done.stdout


def test_new_says_how_to_keep_email_and_justification_keeps_it(repo: Repo) -> None:
    args = ("new", "outage", "--title", "Wi-Fi down in the Library", "--service",
            "wifi=major_outage", "--start", "2026-11-18T10:00", "--audience", "students")
    done = repo.run(*args)
    assert done.returncode == 0, done.stderr
    assert "left out email" in done.stdout
    assert '--justification "why email suits this message"' in done.stdout
    assert "email" not in front_matter(
        repo.root / "content/messages/2026/2026-11-18-wi-fi-down-in-the-library.md")["channels"]
    kept = repo.run(*args, "--slug", "wifi-library", "--justification",
                    "students off campus read email first")
    assert kept.returncode == 0, kept.stderr
    meta = front_matter(repo.root / "content/messages/2026/2026-11-18-wifi-library.md")
    assert "email" in meta["channels"]
    assert meta["workflow"]["justification"] == "students off campus read email first"
    assert "left out email" not in kept.stdout
    check = json.loads(repo.run("check", "content", "--format", "json").stdout)
    assert check["errors"] == 0

