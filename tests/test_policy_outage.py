"""R6 acknowledgment, R7 extension, R8 all-clear and R10 major incidents, each with passing
and failing threads, at moments while the thread is open and after it ended."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from policy_fixtures import findings, follow_up, outage, steps, westmarch, write

from publisher import policy
from publisher.content.load import load_content

THREAD = "2026/2026-11-18-learn-down"


def at(hhmm: str, day: str = "2026-11-18") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+00:00")


# --------------------------------------------------------------------------- R6


def test_r6_acknowledged_outage_passes(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage())
    assert findings(root, "R6", now=at("10:30")) == []


def test_r6_unacknowledged_open_outage_is_a_warning(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage(workflow={"stage": "draft"}))
    assert findings(root, "R6", now=at("09:08")) == []  # 8 minutes: not yet required
    [problem] = findings(root, "R6", now=at("09:15"))
    assert not problem.is_error and "more than 10 minutes" in problem.message
    assert problem.action == ("send an acknowledgment now: the communications lead; "
                              "first available: Amara Okafor")


def test_r6_outage_never_broadcast_is_an_error_once_over(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage(channels=["rss", "teams"]))
    write(root, f"{THREAD}/02-all-clear.md",
          follow_up("all-clear", "10:00", status="resolved",
                    services={"vle": "operational"},
                    window={"actual_end": "2026-11-18T09:55"}))
    [problem] = findings(root, "R6", now=at("10:30"))
    assert problem.is_error and problem.message_id.endswith("01-notice")


# --------------------------------------------------------------------------- R7


def test_r7_extension_moves_the_expected_end(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage())
    assert [p.rule for p in findings(root, now=at("12:40"))] == ["R7", "R8"]
    write(root, f"{THREAD}/02-extension.md",
          follow_up("extension", "11:50", window={"expected_end": "2026-11-18T15:00"}))
    assert findings(root, now=at("12:40")) == []


def test_r7_open_outage_past_its_end_is_a_warning_naming_approvers(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage())
    assert findings(root, "R7", now=at("12:20")) == []  # 20 minutes past: not yet
    [problem] = findings(root, "R7", now=at("12:40"))
    assert not problem.is_error and "40 minutes past its expected end" in problem.message
    assert ("approved by the communications director or delegate; first available: Rosa "
            "Castellano or the service manager; first available: Kiran Patel") in problem.action


def test_r7_ended_outage_that_overran_without_extension_is_an_error(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage())
    write(root, f"{THREAD}/02-all-clear.md",
          follow_up("all-clear", "13:10", status="resolved", services={"vle": "operational"},
                    window={"actual_end": "2026-11-18T13:00"}))
    [problem] = findings(root, "R7", now=at("14:00"))
    assert problem.is_error and "ran 60 minutes past" in problem.message


# --------------------------------------------------------------------------- R8


def test_r8_thread_closed_without_an_all_clear(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage())
    write(root, f"{THREAD}/02-update.md",
          follow_up("update", "11:00", status="resolved", services={"vle": "operational"}))
    [problem] = findings(root, "R8", now=at("11:30"))
    assert problem.is_error and "not an all-clear" in problem.message
    assert problem.message_id.endswith("02-update")


def test_r8_all_clear_ends_the_thread(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage())
    write(root, f"{THREAD}/02-all-clear.md",
          follow_up("all-clear", "11:00", status="resolved", services={"vle": "operational"},
                    window={"actual_end": "2026-11-18T10:55"}))
    assert findings(root, now=at("11:30")) == []


def test_r8_open_thread_past_its_expected_end(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{THREAD}/01-notice.md", outage())
    assert findings(root, "R8", now=at("11:59")) == []
    [problem] = findings(root, "R8", now=at("12:05"))
    assert not problem.is_error and "no all-clear and no extension" in problem.message


# --------------------------------------------------------------------------- R10

MI = "2026/2026-11-18-exams-major-incident"
FAQ = {"nature": "Exams cannot start.", "business_continuity": "Exams postponed.",
       "workarounds": "None.", "key_information": "Nobody is penalised.",
       "next_update": "By 11:30.", "reader_action": "cascade"}


def declared(**over: object) -> dict:
    fields = outage(type="major-incident", services={"exam-system": "major_outage"},
                    audiences=["students", "it-support-staff", "student-facing-staff",
                               "faculty-admin-staff", "library-staff", "elearning-team"],
                    channels=["status", "banner", "email", "social"],
                    workflow={"requested_by": "l-osei",
                              "steps": steps(("intake", "l-osei", "2026-11-18T09:05"),
                                             ("confirm-need", "c-fairweather", "2026-11-18T09:08"),
                                             ("draft", "c-fairweather", "2026-11-18T09:12"),
                                             ("approval", "r-castellano", "2026-11-18T09:16"))})
    fields["major_incident"] = {"criteria": ["student-experience"],
                                "service_area": "teaching-learning", "faq": dict(FAQ)}
    fields.update(over)
    return fields


def test_r10_declared_major_incident_passes(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{MI}/01-declared.md", declared())
    assert findings(root, now=at("10:30")) == []


def test_r10_needs_a_criterion_and_every_faq_section_from_the_first_update(
        tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = declared()
    fields["major_incident"]["criteria"] = []
    del fields["major_incident"]["faq"]["workarounds"]
    write(root, f"{MI}/01-declared.md", fields)
    messages = sorted(p.message for p in findings(root, "R10", now=at("10:30")))
    assert any("at least 1 criterion" in m and "student-experience" in m for m in messages)
    # the declaration is a high-level notice (faq_from: first-update)
    assert not any("missing section(s)" in m for m in messages)
    update = follow_up("update", "10:00")
    update["major_incident"] = {"faq": {k: v for k, v in FAQ.items() if k != "workarounds"}}
    write(root, f"{MI}/02-update.md", update)
    messages = sorted(p.message for p in findings(root, "R10", now=at("10:30")))
    assert any("missing section(s): workarounds" in m for m in messages)


def test_r10_unsent_update_missing_an_area_audience_is_warned(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{MI}/01-declared.md", declared(
        audiences=["students", "it-support-staff"], send_at="2026-11-18T11:00"))
    [problem] = findings(root, "R10", now=at("10:30"))
    assert not problem.is_error and "Student-facing staff" in problem.message
    assert problem.field == "audiences"


def _resolved(root: Path) -> None:
    write(root, f"{MI}/01-declared.md", declared())
    write(root, f"{MI}/02-all-clear.md",
          follow_up("all-clear", "12:00", status="resolved",
                    services={"exam-system": "operational"},
                    window={"actual_end": "2026-11-18T11:50"}))


def test_r10_post_incident_review_is_due_after_resolution(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    _resolved(root)
    [soon] = findings(root, "R10", now=at("12:00", "2026-11-20"))
    assert not soon.is_error and "due by 2026-12-16" in soon.message
    [late] = findings(root, "R10", now=at("12:00", "2026-12-20"))
    assert late.is_error and "overdue" in late.message


def test_r10_review_needs_lessons_and_mitigations(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    _resolved(root)
    review = follow_up("post-incident-review", "12:30", status="postmortem")
    review["workflow"] = {"stage": "draft"}
    review["major_incident"] = {"faq": {"lessons_learnt": "Test the exam start."}}
    write(root, f"{MI}/03-review.md", review)
    [problem] = findings(root, "R10", now=at("12:00", "2026-11-20"))
    assert "needs: mitigations" in problem.message
    review["major_incident"]["faq"]["mitigations"] = "A probe starts a practice exam."
    write(root, f"{MI}/03-review.md", review)
    assert [p.rule for p in findings(root, now=at("12:00", "2026-11-20"))] == ["R14"]


def test_cascade_plan_follows_the_area_and_the_raci(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, f"{MI}/01-declared.md", declared(audiences=["students", "senior-leadership"]))
    content, _ = load_content(root)
    assert content is not None
    pol = policy.load_policy(content)
    rows = policy.cascade_plan(content, pol, content.messages[f"{MI[5:]}/01-declared"],
                               at("12:00", "2026-11-20"))
    table = [(r.audience_id, r.role, r.person) for r in rows]
    # the teaching-learning area's audiences first, then the message's own
    assert table[:5] == [
        ("it-support-staff", "mi-comms-lead", "Callum Fairweather"),
        ("student-facing-staff", "local-comms-lead", "Gemma Ramsay"),
        ("faculty-admin-staff", "local-comms-lead", "Gemma Ramsay"),
        ("library-staff", "local-comms-lead", "Gemma Ramsay"),
        ("elearning-team", "mi-comms-lead", "Callum Fairweather"),
    ]
    assert ("senior-leadership", "it-business-partner", "Nadia Haddad") in table
    assert rows[0].role_name == "major incident communications lead"
