"""Fidelity to the sources, no more (issue 13, item 7), through the CLI on real files: the
all-clear flow as the first source gives it (notification, draft, distribution: the comms
lead's draft is the release and binds the text), outage updates approvable by the service
manager of an affected service, a high-level first major-incident declaration. The second
organisation (tests/fixtures/policy_other) makes its own choice for each of these knobs, and
the same code follows it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mail_helpers import SmtpServer, point_at
from policy_fixtures import other, outage, pin, steps, westmarch, write
from tools_support import Repo, make_repo

from tests.conftest import DEMO_NOW

AMARA = ("Amara Okafor", "a.okafor@westmarch.example")
BEN = ("Ben Harrington", "b.harrington@westmarch.example")
THREAD = "2026-11-18-student-records-outage"
CLEAR = f"content/messages/2026/{THREAD}/04-all-clear.md"
UPDATE = f"content/messages/2026/{THREAD}/04-update.md"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


def cli(*args: str, now: str = DEMO_NOW.isoformat()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *args, "--now", now],
                          capture_output=True, text=True, check=False)


def check_json(root: Path, now: str = DEMO_NOW.isoformat()) -> dict[str, Any]:
    done = cli("check", str(root), "--format", "json", now=now)
    report: dict[str, Any] = json.loads(done.stdout)
    report["returncode"] = done.returncode
    return report


def errors(report: dict[str, Any], rule: str | None = None) -> list[str]:
    return [p["message"] for p in report["problems"]
            if p["severity"] == "error" and (rule is None or p["rule"] == rule)]


def sent_ids(repo: Repo) -> tuple[int, str]:
    """Send the demo at the demo moment through a real SMTP server; (emails, stdout)."""
    with SmtpServer() as server:
        point_at(repo.content, server.port)
        done = repo.run("send", "content")
        assert done.returncode == 0, done.stdout + done.stderr
        return len(server.received), done.stdout


def draft_all_clear(repo: Repo) -> None:
    made = repo.run("new", "all-clear", "--content", "content", "--thread", THREAD)
    assert made.returncode == 0, made.stderr
    noted = repo.run("review", CLEAR, "--step", "intake", "--by", "b-harrington",
                     "--at", "2026-11-18T10:26")
    assert noted.returncode == 0, noted.stderr
    # the next step is the comms lead's release, and the tool says how it is recorded
    assert f"still to do: draft by Amara Okafor: publisher approve {CLEAR} --by a-okafor" \
        in noted.stdout


def release(repo: Repo, by: str = "a-okafor", at: str = "2026-11-18T10:28"
            ) -> subprocess.CompletedProcess[str]:
    return repo.run("approve", CLEAR, "--by", by, "--at", at, "--send-at", "2026-11-18T10:29")


# --------------------------------------------------------------------------- all-clear


def test_all_clear_is_released_by_the_comms_lead_without_a_sign_off(repo: Repo) -> None:
    draft_all_clear(repo)
    # the draft is the release: recording it without pinning the text is refused
    unpinned = repo.run("review", CLEAR, "--step", "draft", "--by", "a-okafor")
    assert unpinned.returncode != 0 and "publisher approve" in unpinned.stderr
    # only the first available communications lead releases it (not the director's delegate)
    assert release(repo, by="r-castellano").returncode != 0
    done = release(repo)
    assert done.returncode == 0, done.stderr
    assert "approved" in done.stdout and "draft by a-okafor" in done.stdout
    text = (repo.root / CLEAR).read_text()
    assert "{step: draft, by: a-okafor" in text and "digest: sha256:" in text
    assert "step: approval" not in text  # no separate sign-off step
    assert repo.run("check", "content").returncode == 0
    repo.commit("All-clear for student records", AMARA)
    verified = repo.run("verify-approvals", "content", "--file", CLEAR, now=None)
    assert verified.returncode == 0, verified.stdout
    assert "draft by a-okafor" in verified.stdout  # a release is an approval claim
    count, out = sent_ids(repo)
    assert f"{THREAD}/04-all-clear" in out and count >= 1


def test_all_clear_edited_after_release_is_held_and_the_outage_stays_open(repo: Repo) -> None:
    draft_all_clear(repo)
    assert release(repo).returncode == 0
    path = repo.root / CLEAR
    path.write_text(path.read_text().replace("working normally again", "back, mostly"))
    repo.commit("Reword the all-clear", BEN)
    done = repo.run("check", "content")
    assert done.returncode == 1
    assert "changed after Amara Okafor approved it (draft, 2026-11-18 10:28)" in done.stdout
    _, out = sent_ids(repo)
    assert f"{THREAD}/04-all-clear" not in out.split("Held back:")[0]
    board = json.loads(repo.run("pipeline", "content", "--format", "json", "--no-html").stdout)
    assert THREAD in [o["thread_id"] for o in board["outages"]]  # still open
    [held] = board["held"]
    assert held["message_id"] == f"{THREAD}/04-all-clear"
    assert "re-approve" in held["problems"][0]["action"]
    # the comms lead releases the new text: it goes out
    again = release(repo, at="2026-11-18T10:29")
    assert again.returncode == 0, again.stderr
    assert repo.run("check", "content").returncode == 0


# --------------------------------------------------------------------------- updates


def test_update_approved_by_the_service_manager_of_an_affected_service(repo: Repo) -> None:
    made = repo.run("new", "update", "--content", "content", "--thread", THREAD,
                    "--status", "monitoring", "--send-at", "2026-11-18T10:45")
    assert made.returncode == 0, made.stderr
    for step, person, at in (("intake", "b-harrington", "2026-11-18T10:20"),
                             ("draft", "a-okafor", "2026-11-18T10:22")):
        assert repo.run("review", UPDATE, "--step", step, "--by", person, "--at",
                        at).returncode == 0
    path = repo.root / UPDATE
    front, _, body = path.read_text().partition("\n---\n")
    path.write_text(f"{front}\n---\n" + re.sub(r"\[[^\]\n]{3,}\]", "The database is back",
                                                body))
    text = path.read_text()
    # Kiran Patel manages other services, not student records: refused
    other_manager = repo.run("approve", UPDATE, "--by", "k-patel", "--at", "2026-11-18T10:25")
    assert other_manager.returncode != 0
    assert "k-patel may not record 'approval'" in other_manager.stderr
    assert "service manager (first available: Ben Harrington)" in other_manager.stderr
    assert path.read_text() == text
    done = repo.run("approve", UPDATE, "--by", "b-harrington", "--at", "2026-11-18T10:25")
    assert done.returncode == 0, done.stdout + done.stderr
    report = repo.run("check", "content", "--format", "json")
    assert report.returncode == 0, report.stdout


# ------------------------------------------------------------------- the second organisation


def _eastholm_outage(root: Path) -> None:
    write(root, "2026/2026-11-18-mail-down/01-notice.md", {
        "title": "Mail down", "type": "unplanned-outage", "services": {"mail": "major_outage"},
        "status": "investigating", "audiences": ["everyone"], "channels": ["status", "sms"],
        "window": {"start": "2026-11-18T09:00", "expected_end": "2026-11-18T12:00"},
        "send_at": "2026-11-18T09:03",
        "workflow": {"stage": "approved",
                     "steps": steps(("intake", "owen-owner", "2026-11-18T09:01"),
                                    ("draft", "ed-editor", "2026-11-18T09:02"),
                                    ("approval", "ed-editor", "2026-11-18T09:02"))}})


def _follow(kind: str, approvals: list[tuple[str, str, str]], **over: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": kind, "send_at": "2026-11-18T10:00",
        "workflow": {"stage": "approved",
                     "steps": steps(("intake", "owen-owner", "2026-11-18T09:50"),
                                    ("draft", "ed-editor", "2026-11-18T09:52"), *approvals)}}
    fields.update(over)
    return fields


def test_eastholm_keeps_a_sign_off_on_all_clears(tmp_path: Path) -> None:
    root = other(tmp_path)
    _eastholm_outage(root)
    clear = _follow("all-clear", [], status="resolved", services={"mail": "operational"},
                    window={"actual_end": "2026-11-18T09:55"})
    clear["workflow"]["steps"] = steps(("draft", "ed-editor", "2026-11-18T09:52"))
    write(root, "2026/2026-11-18-mail-down/02-all-clear.md", clear)
    pin(root)  # the editor's draft carries the digest, as at Westmarch
    report = check_json(root)
    assert report["returncode"] == 1
    assert any("sign-off by the head of communications" in m for m in errors(report, "WF"))
    # with the head of communications' delegate's sign-off (Hana is on leave) it passes
    clear["workflow"]["steps"] = steps(("draft", "ed-editor", "2026-11-18T09:52"),
                                       ("approval", "vic-vice", "2026-11-18T09:56"))
    write(root, "2026/2026-11-18-mail-down/02-all-clear.md", clear)
    pin(root)
    report = check_json(root)
    assert errors(report) == [], report["problems"]


def test_eastholm_updates_are_approved_by_the_head_of_communications_only(
        tmp_path: Path) -> None:
    root = other(tmp_path)
    _eastholm_outage(root)
    update = "2026/2026-11-18-mail-down/02-update.md"
    write(root, update, _follow("update", [("approval", "owen-owner", "2026-11-18T09:55")],
                                status="identified"))
    pin(root)
    report = check_json(root)
    assert any("Owen Owner approved on 2026-11-18" in m for m in errors(report, "WHO"))
    write(root, update, _follow("update", [("approval", "vic-vice", "2026-11-18T09:55")],
                                status="identified"))
    pin(root)
    assert errors(check_json(root)) == []


FAQ = {"nature": "Exams cannot start.", "business_continuity": "Exams postponed.",
       "workarounds": "None.", "key_information": "Nobody is penalised.",
       "next_update": "By 11:30.", "reader_action": "cascade"}


MI_THREAD = "2026/2026-11-18-exams-major-incident"


def _declared() -> dict[str, Any]:
    declared = outage(type="major-incident", services={"exam-system": "major_outage"},
                      audiences=["students", "it-support-staff", "student-facing-staff",
                                 "faculty-admin-staff", "library-staff", "elearning-team"],
                      channels=["status", "banner", "email", "social"],
                      workflow={"requested_by": "l-osei",
                                "steps": steps(
                                    ("intake", "l-osei", "2026-11-18T09:05"),
                                    ("confirm-need", "c-fairweather", "2026-11-18T09:08"),
                                    ("draft", "c-fairweather", "2026-11-18T09:12"),
                                    ("approval", "r-castellano", "2026-11-18T09:16"))})
    declared["major_incident"] = {"criteria": ["student-experience"],
                                  "service_area": "teaching-learning"}  # no FAQ sections
    return declared


def test_first_declaration_may_be_high_level_at_westmarch_not_at_eastholm(
        tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    thread = MI_THREAD
    write(root, f"{thread}/01-declared.md", _declared())
    pin(root)
    report = check_json(root)
    assert errors(report) == [], report["problems"]
    # the first update is FAQ-style
    update = _follow("update", [("approval", "r-castellano", "2026-11-18T09:56")])
    update["workflow"]["steps"] = steps(("intake", "l-osei", "2026-11-18T09:50"),
                                        ("confirm-need", "c-fairweather", "2026-11-18T09:51"),
                                        ("draft", "c-fairweather", "2026-11-18T09:52"),
                                        ("approval", "r-castellano", "2026-11-18T09:56"))
    update["major_incident"] = {"faq": {k: v for k, v in FAQ.items() if k != "workarounds"}}
    write(root, f"{thread}/02-update.md", update)
    pin(root)
    assert any("missing section(s): workarounds" in m
               for m in errors(check_json(root), "R10"))

    # Eastholm asks for the FAQ sections on the declaration itself
    root = other(tmp_path)
    write(root, "2026/2026-11-18-mail-mi/01-declared.md", {
        "title": "Mail down for everyone", "type": "major-incident",
        "services": {"mail": "major_outage"}, "status": "investigating",
        "audiences": ["everyone"], "channels": ["status", "sms"],
        "window": {"start": "2026-11-18T09:00"}, "send_at": "2026-11-18T09:03",
        "major_incident": {"criteria": ["reputation"]},
        "workflow": {"stage": "approved",
                     "steps": steps(("intake", "owen-owner", "2026-11-18T09:01"),
                                    ("draft", "ed-editor", "2026-11-18T09:02"),
                                    ("approval", "ed-editor", "2026-11-18T09:02"))}})
    pin(root)
    assert any("missing section(s): nature, workarounds, next_update" in m
               for m in errors(check_json(root), "MI"))


def test_major_incident_all_clear_is_released_by_the_mi_comms_lead(tmp_path: Path) -> None:
    """The MI communications lead "will issue messages directly": they release the all-clear
    of a major incident (no sign-off); on an ordinary outage's all-clear they may not."""
    root = westmarch(tmp_path)
    write(root, f"{MI_THREAD}/01-declared.md", _declared())
    clear = _follow("all-clear", [], status="resolved",
                    services={"exam-system": "operational"},
                    window={"actual_end": "2026-11-18T09:55"})
    clear["workflow"]["steps"] = steps(("intake", "l-osei", "2026-11-18T09:50"),
                                       ("draft", "c-fairweather", "2026-11-18T09:52"))
    write(root, f"{MI_THREAD}/02-all-clear.md", clear)
    pin(root)
    report = check_json(root)
    assert errors(report) == [], report["problems"]
    ordinary = "2026/2026-11-18-learn-down"
    write(root, f"{ordinary}/01-notice.md", outage())
    clear["services"] = {"vle": "operational"}
    clear["workflow"]["steps"] = steps(("intake", "k-patel", "2026-11-18T09:50"),
                                       ("draft", "c-fairweather", "2026-11-18T09:52"))
    write(root, f"{ordinary}/02-all-clear.md", clear)
    pin(root)
    found = errors(check_json(root))
    assert any("Callum Fairweather approved on 2026-11-18" in m for m in found), found


# --------------------------------------------------------------------------- pipeline


def test_pipeline_lists_open_outages_and_overdue_duties_first(repo: Repo, tmp_path: Path
                                                              ) -> None:
    """At 14:00 the Fenwick Wi-Fi slowness has overrun with no extension: the outage and its
    duties (remind's own list) come before the messages in flight, in text and HTML."""
    html = tmp_path / "internal" / "pipeline.html"
    done = repo.run("pipeline", "content", "--html", str(html),
                    now="2026-11-18T14:00:00+00:00")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.index("Open outages") < out.index("Duties overdue") < out.index("In flight")
    assert "Slow Wi-Fi in the Fenwick" in out[:out.index("Duties overdue")]
    assert "OVERRUN" in out
    assert "without an extension" in out[:out.index("In flight")]
    reminders = repo.run("remind", "content", "--dry-run", now="2026-11-18T14:00:00+00:00")
    duties = [line for line in reminders.stdout.splitlines() if "would remind" in line]
    board = json.loads(repo.run("pipeline", "content", "--format", "json", "--no-html",
                                now="2026-11-18T14:00:00+00:00").stdout)
    assert len(board["duties"]) == len(duties) >= 2  # the same duties remind emails
    page = html.read_text()
    assert (page.index('id="outages"') < page.index('id="duties"') < page.index('id="held"')
            < page.index('id="in-flight"'))
    assert "Nothing is held." in page


def test_pipeline_page_shows_held_messages_with_why_and_next(repo: Repo, tmp_path: Path
                                                             ) -> None:
    extension = repo.root / f"content/messages/2026/{THREAD}/03-extension.md"
    extension.write_text(extension.read_text().replace("**13:00**", "**14:00**"))
    html = tmp_path / "internal" / "pipeline.html"
    done = repo.run("pipeline", "content", "--html", str(html))
    assert done.returncode == 0, done.stderr
    assert f"held {THREAD}/03-extension: changed after" in done.stdout.replace("\n", " ")
    page = html.read_text()
    held = page[page.index('id="held"'):page.index('id="in-flight"')]
    assert f"{THREAD}/03-extension" in held
    assert "no longer approved, held" in held and "re-approve the new text" in held
