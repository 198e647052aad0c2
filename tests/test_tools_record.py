"""`publisher review` / `publisher approve` end to end: steps recorded without disturbing the
file, and refused for a person who does not hold the role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tools_support import Repo, front_matter, make_repo

DRAFT = Path("content/messages/2026/2026-12-09-phone-system-change.md")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def only_added(before: str, after: str, added: list[str]) -> None:
    """``after`` is ``before`` with exactly the ``added`` lines inserted (byte for byte)."""
    after_lines = after.splitlines(keepends=True)
    for line in added:
        after_lines.remove(line + "\n")
    assert "".join(after_lines) == before


def test_review_appends_the_step_and_changes_nothing_else(repo: Repo) -> None:
    path = repo.root / DRAFT
    before = path.read_text()
    done = repo.run("review", str(DRAFT), "--step", "sme-review", "--by", "e-morgan",
                    "--note", "number porting date confirmed")
    assert done.returncode == 0, done.stderr
    line = ("    - {step: sme-review, by: e-morgan, at: 2026-11-18T10:30, note: number porting "
            "date confirmed}")
    # the first review step also moves the draft to review (that line is the edit's own)
    only_added(before.replace("  stage: draft\n", "  stage: review\n"), path.read_text(),
               [line])
    assert f"+ {line}" in done.stdout
    steps = front_matter(path)["workflow"]["steps"]
    assert steps[-1] == {"step": "sme-review", "by": "e-morgan", "at": "2026-11-18T10:30",
                         "note": "number porting date confirmed"}


def test_comments_quoting_and_order_survive(repo: Repo) -> None:
    path = repo.root / "content/messages/2026/2026-11-18-student-records-outage/04-update.md"
    before = ("---\n# Written by hand: keep this comment\ntype: update\n"
              "status: \"monitoring\"   # quoted on purpose\n"
              "send_at: '2026-11-18T11:00'\n"
              "workflow:\n  requested_by: b-harrington  # service manager\n"
              "  stage: draft\n  steps: []\n"
              "internal_notes: >-\n  folded\n  text\n---\nWe are monitoring.\n")
    path.write_text(before)
    done = repo.run("review", str(path.relative_to(repo.root)), "--step", "draft",
                    "--by", "a-okafor")
    assert done.returncode == 0, done.stderr
    after = path.read_text()
    expected = before.replace("  steps: []\n", "  steps:\n    - {step: draft, by: a-okafor, "
                              "at: 2026-11-18T10:30}\n")
    assert after == expected


def test_a_person_without_the_role_is_refused_and_nothing_is_written(repo: Repo) -> None:
    path = repo.root / DRAFT
    before = path.read_text()
    done = repo.run("review", str(DRAFT), "--step", "sme-review", "--by", "k-patel")
    assert done.returncode == 1
    assert f"{DRAFT}: k-patel may not record 'sme-review'" in done.stderr
    unknown = repo.run("review", str(DRAFT), "--step", "sme-review", "--by", "nobody")
    assert unknown.returncode == 1 and "unknown person 'nobody'" in unknown.stderr
    assert path.read_text() == before


def test_approve_sets_stage_and_send_time_and_the_message_publishes(repo: Repo) -> None:
    path = repo.root / "content/messages/2026/2026-11-18-student-records-outage/04-extension.md"
    made = repo.run("new", "extension", "--thread", "2026-11-18-student-records-outage",
                    "--end", "2026-11-18T15:00")
    assert made.returncode == 0, made.stderr
    rel = str(path.relative_to(repo.root))
    early = repo.run("approve", rel, "--by", "r-castellano", "--send-at", "2026-11-18T10:40")
    assert early.returncode == 1
    assert f"{rel}:" in early.stderr and "step 'intake' (Ben Harrington) is still to do " \
        "before approval" in early.stderr
    for step, person in (("intake", "b-harrington"), ("draft", "a-okafor")):
        assert repo.run("review", rel, "--step", step, "--by", person).returncode == 0
    before = path.read_text()
    done = repo.run("approve", rel, "--by", "r-castellano", "--send-at", "2026-11-18T10:40")
    assert done.returncode == 0, done.stderr
    after = path.read_text()
    meta = front_matter(path)
    assert meta["workflow"]["stage"] == "approved"
    assert meta["send_at"] == "2026-11-18T10:40"
    assert meta["workflow"]["steps"][-1]["by"] == "r-castellano"
    assert before.replace("  stage: draft\n", "  stage: approved\n") != before
    removed = set(before.splitlines()) - set(after.splitlines())
    assert removed == {"  stage: draft"}
    check = repo.run("check", "content", "--format", "json", now="2026-11-18T10:45:00+00:00")
    assert json.loads(check.stdout)["errors"] == 0, check.stdout
    status = repo.run("status", "content", "--format", "json", now="2026-11-18T10:45:00+00:00")
    assert status.returncode == 0


def test_approve_refuses_placeholders_and_a_missing_send_time(repo: Repo) -> None:
    path = repo.root / DRAFT
    before = path.read_text()
    done = repo.run("approve", str(DRAFT), "--by", "r-castellano")
    assert done.returncode == 1
    assert f"{DRAFT}:2: send_at: an approved message needs a send time" in done.stderr
    assert (f"{DRAFT}:25: (body): template placeholder [Draft: what staff need to do "
            "beforehand") in done.stderr
    assert path.read_text() == before


def test_the_director_on_leave_cannot_approve_but_the_delegate_can(repo: Repo) -> None:
    made = repo.run("new", "update", "--thread", "2026-11-18-student-records-outage",
                    "--status", "monitoring")
    assert made.returncode == 0
    path = "content/messages/2026/2026-11-18-student-records-outage/04-update.md"
    text = (repo.root / path).read_text().replace("[what has changed since the last message]",
                                                  "the supplier has applied a fix")
    (repo.root / path).write_text(text)
    refused = repo.run("approve", path, "--by", "d-whitfield", "--send-at", "2026-11-18T10:50")
    assert refused.returncode == 1 and "d-whitfield may not record 'approval'" in refused.stderr
    for step, person in (("intake", "b-harrington"), ("draft", "a-okafor")):
        assert repo.run("review", path, "--step", step, "--by", person).returncode == 0
    approved = repo.run("approve", path, "--by", "r-castellano", "--send-at", "2026-11-18T10:50")
    assert approved.returncode == 0, approved.stderr
    again = repo.run("approve", path, "--by", "r-castellano")
    assert again.returncode == 1 and "already recorded" in again.stderr


def test_extension_may_be_approved_by_the_service_manager_of_its_service(repo: Repo) -> None:
    made = repo.run("new", "extension", "--thread", "2026-11-18-student-records-outage",
                    "--end", "2026-11-18T15:00")
    assert made.returncode == 0, made.stderr
    path = "content/messages/2026/2026-11-18-student-records-outage/04-extension.md"
    for step, person in (("intake", "b-harrington"), ("draft", "a-okafor")):
        assert repo.run("review", path, "--step", step, "--by", person).returncode == 0
    other = repo.run("approve", path, "--by", "k-patel", "--send-at", "2026-11-18T10:45")
    assert other.returncode == 1 and "Kiran Patel may not do 'approval'" in other.stderr
    done = repo.run("approve", path, "--by", "b-harrington", "--send-at", "2026-11-18T10:45")
    assert done.returncode == 0, done.stderr
    assert front_matter(repo.root / path)["workflow"]["stage"] == "approved"


def test_a_sub_community_message_is_approved_only_with_its_representative(repo: Repo) -> None:
    """Planned email to a sub-community needs its representative's approval too (the source
    asks for it on planned messages; an unplanned outage goes out on the director's alone)."""
    made = repo.run("new", "planned-maintenance", "--title", "Dental clinic PC upgrade",
                    "--service", "sso=under_maintenance", "--audience", "dentistry-community",
                    "--start", "2026-12-10T07:00", "--end", "2026-12-10T09:00",
                    "--send-at", "2026-12-03T09:00")
    assert made.returncode == 0, made.stderr
    path = "content/messages/2026/2026-12-10-dental-clinic-pc-upgrade.md"
    for person, steps in (("o-nwosu", ("initial-evaluation", "intake")),
                          ("a-okafor", ("first-draft",)), ("o-nwosu", ("sme-review",)),
                          ("a-okafor", ("second-draft",)), ("r-dunmore", ("comms-control-review",)),
                          ("a-okafor", ("final-draft",))):
        done = repo.run("review", path, "--by", person,
                        *[arg for step in steps for arg in ("--step", step)])
        assert done.returncode == 0, done.stderr
    first = repo.run("approve", path, "--by", "r-castellano")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("recorded ")
    assert "still to do: approval by Helen Brennan" in first.stdout
    # reviewed, not yet approved: the first approval alone does not approve it
    assert front_matter(repo.root / path)["workflow"]["stage"] == "review"
    second = repo.run("approve", path, "--by", "h-brennan")
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("approved ")
    meta = front_matter(repo.root / path)
    assert meta["workflow"]["stage"] == "approved"
    assert [s["by"] for s in meta["workflow"]["steps"]][-2:] == ["r-castellano", "h-brennan"]
    check = repo.run("check", "content", "--format", "json")
    mine = [p for p in json.loads(check.stdout)["problems"]
            if "dental-clinic-pc-upgrade" in p["path"] and p["severity"] == "error"]
    assert mine == []


def test_approve_refuses_what_would_be_held_and_writes_nothing(repo: Repo) -> None:
    """Every rule runs for the message at its send time; a finding that would hold it after
    approval refuses the approval, with the finding and its next action."""
    path = repo.root / "content/messages/2026/2026-11-18-student-records-outage/04-extension.md"
    made = repo.run("new", "extension", "--thread", "2026-11-18-student-records-outage",
                    "--end", "2026-11-18T15:00")
    assert made.returncode == 0, made.stderr
    rel = str(path.relative_to(repo.root))
    for step, person in (("intake", "b-harrington"), ("draft", "a-okafor")):
        assert repo.run("review", rel, "--step", step, "--by", person).returncode == 0
    path.write_text(path.read_text().replace("type: extension",
                                             "type: extension\nchannels: [status, newsletter]"))
    before = path.read_text()
    refused = repo.run("approve", rel, "--by", "r-castellano", "--send-at", "2026-11-18T10:40")
    assert refused.returncode == 1
    assert "approval refused, nothing was written" in refused.stderr
    assert "newsletter" in refused.stderr and "next:" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert path.read_text() == before
    path.write_text(before.replace("channels: [status, newsletter]", "channels: [status]"))
    done = repo.run("approve", rel, "--by", "r-castellano", "--send-at", "2026-11-18T10:40")
    assert done.returncode == 0, done.stderr
