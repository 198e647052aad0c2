"""Approval binds the text: through the CLI on a real git repository and a real aiosmtpd."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mail_helpers import SmtpServer, point_at
from tools_support import Repo, make_repo

BEN = ("Ben Harrington", "b.harrington@westmarch.example")
THREAD = "2026-11-18-student-records-outage"
EXTENSION = f"content/messages/2026/{THREAD}/03-extension.md"
SUBJECT = "[Update: extended] Student records unavailable"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def edit_after_approval(repo: Repo) -> None:
    path = repo.root / EXTENSION
    path.write_text(path.read_text().replace("back by **13:00**", "back by **14:00**"))
    repo.commit("Move the expected time", BEN)


def sent_subjects(repo: Repo) -> tuple[int, list[str], str]:
    with SmtpServer() as server:
        point_at(repo.content, server.port)
        done = repo.run("send", "content")
        return done.returncode, sorted(r.message["Subject"] for r in server.received), done.stdout


def test_demo_approvals_are_pinned_and_pass(repo: Repo) -> None:
    done = repo.run("check", "content", "--format", "json")
    assert done.returncode == 0, done.stdout
    assert "sha256:" in (repo.root / EXTENSION).read_text()


def test_edited_after_approval_is_held_named_and_not_sent(repo: Repo) -> None:
    edit_after_approval(repo)
    done = repo.run("check", "content")
    assert done.returncode == 1
    assert "changed after Ben Harrington approved it (approval, 2026-11-18 10:16)" in done.stdout
    assert "-back by **13:00**" in done.stdout.replace("\n", " ") or "13:00" in done.stdout
    assert "+" in done.stdout and "14:00" in done.stdout
    assert "re-approve" in done.stdout
    code, subjects, out = sent_subjects(repo)
    assert code == 0, out
    assert SUBJECT not in subjects
    assert "[Update] Student records unavailable" in subjects  # the rest still goes
    assert f"{THREAD}/03-extension" in out
    verified = repo.run("verify-approvals", "content", "--format", "json", "--file",
                        EXTENSION, now=None)
    report = json.loads(verified.stdout)
    assert verified.returncode == 1
    assert any("text changed after it was approved" in c["reason"] for c in report["claims"])


def test_reapproval_publishes_the_new_text(repo: Repo) -> None:
    edit_after_approval(repo)
    done = repo.run("approve", EXTENSION, "--by", "b-harrington", "--at", "2026-11-18T10:25",
                    "--send-at", "2026-11-18T10:26")
    assert done.returncode == 0, done.stderr
    assert repo.run("check", "content").returncode == 0
    code, subjects, out = sent_subjects(repo)
    assert code == 0, out
    assert SUBJECT in subjects


def test_bookkeeping_does_not_unpin(repo: Repo) -> None:
    path = repo.root / EXTENSION
    path.write_text(path.read_text().replace("  stage: approved",
                                             "  stage: approved\n  justification: urgent", 1))
    assert repo.run("check", "content").returncode == 0


def test_missing_digest_is_an_error_when_the_policy_says_so(repo: Repo) -> None:
    path = repo.root / EXTENSION
    text = path.read_text()
    start = text.index(", digest: ")
    path.write_text(text[:start] + text[text.index("}", start):])
    done = repo.run("check", "content")
    assert done.returncode == 1
    assert "not pinned to the text" in done.stdout
    pinned = repo.run("pin-approvals", "content", now=None)
    assert pinned.returncode == 0, pinned.stderr
    assert f"pinned {THREAD}/03-extension" in pinned.stdout
    assert "pinned 1 approval(s)" in pinned.stdout
    assert repo.run("check", "content").returncode == 0
