"""`publisher new` end to end: real CLI, a copy of the demo in a real git repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tools_support import Repo, front_matter, make_repo

MESSAGES = Path("content/messages")
AMARA = ("Amara Okafor", "a.okafor@westmarch.example")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def check_ok(repo: Repo) -> dict:
    done = repo.run("check", "content", "--format", "json")
    report = json.loads(done.stdout)
    assert done.returncode == 0, [p for p in report["problems"] if p["severity"] == "error"]
    return report


def test_planned_maintenance_is_a_complete_draft_that_passes_check(repo: Repo) -> None:
    done = repo.run("new", "planned-maintenance", "--title", "Email: mailbox move",
                    "--service", "email", "--audience", "all-staff", "--audience", "students",
                    "--start", "2026-12-12T08:00", "--end", "2026-12-12T12:00")
    assert done.returncode == 0, done.stderr
    path = repo.root / MESSAGES / "2026" / "2026-12-12-email-mailbox-move.md"
    assert f"created {MESSAGES}/2026/2026-12-12-email-mailbox-move.md" in done.stdout
    meta = front_matter(path)
    assert meta["title"] == "Email: mailbox move"  # the colon is quoted, not a mapping
    assert meta["type"] == "planned-maintenance"
    assert meta["services"] == {"email": "under_maintenance"}
    assert meta["status"] == "scheduled"
    assert meta["audiences"] == ["all-staff", "students"]
    assert meta["workflow"]["stage"] == "draft"
    assert meta["workflow"]["template"] == "planned-maintenance"
    assert meta["workflow"]["requested_by"] == "e-morgan"  # first available email manager
    assert meta["workflow"]["intake"] == "2026-11-18T10:30"
    body = path.read_text().split("---\n", 2)[2]
    assert "Email and calendar will be unavailable on Saturday 12 December from 08:00 to 12:00" \
        in body
    report = check_ok(repo)
    assert report["messages"] == 89


def test_every_template_makes_a_message_that_passes_check(repo: Repo) -> None:
    listed = repo.run("new", "--list")
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert len(names) == 11
    calls = {
        "planned-maintenance": ["--title", "HPC maintenance day", "--service", "hpc",
                                "--start", "2026-12-14T08:00", "--end", "2026-12-14T18:00"],
        "unplanned-outage-notice": ["--title", "VPN unavailable", "--service", "vpn",
                                    "--audience", "all-staff", "--start", "2026-11-18T10:10"],
        "new-service-launch": ["--title", "New research portal", "--service", "research-data",
                               "--start", "2027-01-11T09:00"],
        "major-incident-declaration": ["--title", "Online exams unavailable", "--service",
                                       "exam-system", "--criterion", "student-experience",
                                       "--start", "2026-11-18T10:00"],
        "news-story": ["--title", "Laptop loans extended", "--audience", "students"],
        "update": ["--thread", "2026-11-18-student-records-outage", "--status", "monitoring"],
        "extension": ["--thread", "2026-11-18-student-records-outage", "--end",
                      "2026-11-18T15:00"],
        "all-clear": ["--thread", "2026-11-18-student-records-outage"],
        "reminder": ["--thread", "2026-11-28-vle-upgrade", "--send-at", "2026-11-27T08:00"],
        "post-incident-review": ["--thread", "2026-11-18-student-records-outage"],
        "major-incident-faq-update": ["--thread", "2026-11-18-online-exams-unavailable"],
    }
    assert set(calls) == set(names)
    for name, args in calls.items():
        done = repo.run("new", name, *args)
        assert done.returncode == 0, (name, done.stderr)
    report = check_ok(repo)
    assert report["messages"] == 88 + 11
    folder = repo.root / MESSAGES / "2026" / "2026-11-18-student-records-outage"
    assert sorted(p.name for p in folder.glob("*.md"))[3:] == [
        "04-update.md", "05-extension.md", "06-all-clear.md", "07-review.md"]
    clear = front_matter(folder / "06-all-clear.md")
    assert clear["status"] == "resolved"
    assert clear["services"] == {"student-records": "operational"}
    reminder = repo.root / MESSAGES / "2026" / "2026-11-28-vle-upgrade" / "03-reminder.md"
    meta = front_matter(reminder)
    assert meta["workflow"]["exception"] == "reminder"
    assert meta["workflow"]["reminder_of"] == "2026-11-28-vle-upgrade/01-notice"
    notice = (reminder.parent / "01-notice.md").read_text().split("---\n", 2)[2]
    assert reminder.read_text().split("---\n", 2)[2].strip() == notice.strip()
    declared = repo.root / MESSAGES / "2026" / "2026-11-18-online-exams-unavailable"
    faq = front_matter(declared / "02-update.md")["major_incident"]
    assert faq["criteria"] == ["student-experience"]
    assert faq["service_area"] == "teaching-learning"


def test_follow_up_turns_a_single_file_thread_into_a_folder_with_git_mv(repo: Repo) -> None:
    old = MESSAGES / "2026" / "2026-11-18-wifi-slow-fenwick-building.md"
    original = (repo.root / old).read_text()
    done = repo.run("new", "reminder", "--thread", "2026-11-18-wifi-slow-fenwick-building",
                    "--send-at", "2026-11-18T14:00")
    assert done.returncode == 0, done.stderr
    folder = repo.root / MESSAGES / "2026" / "2026-11-18-wifi-slow-fenwick-building"
    assert not (repo.root / old).exists()
    assert (folder / "01-notice.md").read_text() == original
    assert "message id 2026-11-18-wifi-slow-fenwick-building is now " \
           "2026-11-18-wifi-slow-fenwick-building/01-notice" in done.stdout
    meta = front_matter(folder / "02-reminder.md")
    # the reminder points at the moved message by its new id
    assert meta["workflow"]["reminder_of"] == "2026-11-18-wifi-slow-fenwick-building/01-notice"
    staged = repo.git("status", "--porcelain")
    assert f"R  {old} -> {old.with_suffix('')}/01-notice.md" in staged
    check_ok(repo)


def test_reminder_of_references_follow_the_move(repo: Repo) -> None:
    # a reminder kept elsewhere that names a single-file thread's message by id
    elsewhere = repo.root / MESSAGES / "2026" / "2026-11-19-wifi-reminder.md"
    elsewhere.write_text("---\ntype: reminder\nthread: 2026-11-18-wifi-slow-fenwick-building\n"
                         "send_at: 2026-11-19T09:00\nworkflow:\n  stage: draft\n"
                         "  exception: reminder\n"
                         "  reminder_of: 2026-11-18-wifi-slow-fenwick-building  # original\n"
                         "---\nSame text.\n")
    done = repo.run("new", "update", "--thread", "2026-11-18-wifi-slow-fenwick-building")
    assert done.returncode == 0, done.stderr
    assert "reminder_of: 2026-11-18-wifi-slow-fenwick-building/01-notice  # original" \
        in elsewhere.read_text()
    check_ok(repo)


def test_missing_values_are_all_listed_without_a_terminal(repo: Repo) -> None:
    done = repo.run("new", "planned-maintenance", "--service", "nonsense")
    assert done.returncode == 1
    for flag in ("missing --title", "missing --start", "missing --end"):
        assert flag in done.stderr
    assert list((repo.root / MESSAGES).rglob("*.md")).__len__() == 88


def test_bad_values_are_precise(repo: Repo) -> None:
    done = repo.run("new", "unplanned-outage", "--title", "X", "--service", "emial",
                    "--audience", "all-staff", "--start", "yesterday")
    assert done.returncode == 1
    assert "--service: unknown service 'emial' (allowed: " in done.stderr
    assert "--start: not a date and time: 'yesterday'" in done.stderr
    done = repo.run("new", "update", "--thread", "2026-11-18-student-records-outgae")
    assert "--thread: no thread '2026-11-18-student-records-outgae' (did you mean " \
           "2026-11-18-student-records-outage" in done.stderr
    done = repo.run("new", "--title", "x")
    assert done.returncode == 2 and "publisher new --list" in done.stderr
    done = repo.run("new", "planned-maintenance", "--title", "Phones", "--service", "phones",
                    "--audience", "all-staff", "--start", "2026-12-09T18:00",
                    "--end", "2026-12-09T22:00")
    assert done.returncode == 0
    again = repo.run("new", "planned-maintenance", "--title", "Phones", "--service", "phones",
                     "--audience", "all-staff", "--start", "2026-12-09T18:00",
                     "--end", "2026-12-09T22:00")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_prompts_fill_what_is_missing_on_a_terminal(repo: Repo) -> None:
    """Drive the prompts through a pseudo-terminal, as a person at a keyboard would."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "new", "planned-maintenance", "--service", "vpn",
         "--audience", "all-staff", "--now", "2026-11-18T10:30:00+00:00"],
        cwd=repo.root, env=repo.env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    answers = iter([b"VPN gateway replacement\n", b"2026-12-05T07:00\n",
                    b"2026-12-05T09:00\n"])
    output = b""
    while process.poll() is None or output.count(b":") < 3:
        try:
            chunk = os.read(leader, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if chunk.rstrip().endswith(b":"):
            os.write(leader, next(answers))
    process.wait(timeout=30)
    os.close(leader)
    assert process.returncode == 0, output.decode()
    assert b"Title:" in output and b"Window start" in output
    meta = front_matter(repo.root / MESSAGES / "2026" / "2026-12-05-vpn-gateway-replacement.md")
    assert meta["window"] == {"start": "2026-12-05T07:00", "expected_end": "2026-12-05T09:00"}


def test_channels_are_fitted_to_the_policy_and_what_is_left_is_listed(repo: Repo) -> None:
    done = repo.run("new", "unplanned-outage", "--title", "Email down", "--service", "email",
                    "--audience", "all-staff", "--audience", "students",
                    "--start", "2026-11-18T10:05")
    assert done.returncode == 0, done.stderr
    meta = front_matter(repo.root / MESSAGES / "2026" / "2026-11-18-email-down.md")
    # email cannot announce its own outage; the email-down rule's channels are added
    assert "email" not in meta["channels"]
    assert {"status", "banner", "social", "sms"} <= set(meta["channels"])
    assert "channels: left out email: the email service is down" in done.stdout
    assert "to do: workflow.stage: draft: next step 'intake'" in done.stdout
    check_ok(repo)


def test_a_sent_single_file_message_is_not_sent_again_after_its_thread_becomes_a_folder(
        repo: Repo) -> None:
    """The ledger knows messages by id; the move carries its events to the new id."""
    thread = "2026-11-18-hpc-jobs-not-starting"
    made = repo.run("new", "unplanned-outage", "--title", "HPC jobs not starting",
                    "--service", "hpc", "--audience", "researchers",
                    "--start", "2026-11-18T10:00")
    assert made.returncode == 0, made.stderr
    notice = f"content/messages/2026/{thread}.md"
    assert "email" in front_matter(repo.root / notice)["channels"]
    for step, person in (("intake", "f-duarte"), ("confirm-need", "a-okafor"),
                         ("draft", "a-okafor")):
        assert repo.run("review", notice, "--step", step, "--by", person).returncode == 0
    late = repo.run("approve", notice, "--by", "r-castellano", "--send-at", "2026-11-18T10:25")
    assert late.returncode == 1
    assert "send_at: the send time 2026-11-18 10:25 is before this approval" in late.stderr
    approved = repo.run("approve", notice, "--by", "r-castellano", "--send-at", "2026-11-18T10:30")
    assert approved.returncode == 0, approved.stderr
    first = repo.run("send", "content")
    assert first.returncode == 0, first.stdout + first.stderr
    outbox = repo.root / "build" / "outbox"
    sent = sorted(p.name for p in outbox.glob("*.eml"))
    assert any(name.startswith(thread) for name in sent)
    assert (repo.content / "ledger" / thread / "message.jsonl").exists()
    repo.commit("Send the HPC notice", AMARA)
    done = repo.run("new", "update", "--thread", thread)
    assert done.returncode == 0, done.stderr
    assert f"send-ledger event(s) of {thread} over to {thread}/01-notice" in done.stdout
    again = repo.run("send", "content")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "sent 0" in again.stdout
    assert sorted(p.name for p in outbox.glob("*.eml")) == sent
