"""A second, differently configured policy (tests/fixtures/policy_other): other role names,
lead times, workflow, channel matrix and no sub-community. The same code enforces it, so
the rules are data: each test shows a case the two policies judge differently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from policy_fixtures import NOW, findings, other, planned, steps, westmarch, write

from publisher import policy
from publisher.content.load import load_content

NOTICE = "2026/2026-12-14-learning-upgrade/01-notice.md"


def eastholm(**over: Any) -> dict[str, Any]:
    """A planned notice that passes Eastholm's policy (sent 22 days after intake)."""
    fields: dict[str, Any] = {
        "title": "Learning platform upgrade",
        "type": "planned-maintenance",
        "services": {"learning": "under_maintenance"},
        "status": "scheduled",
        "window": {"start": "2026-12-14T07:00", "expected_end": "2026-12-14T09:00"},
        "audiences": ["learners"],
        "channels": ["status", "rss"],
        "send_at": "2026-11-24T10:00",
        "workflow": {"requested_by": "lena-owner", "intake": "2026-11-02T10:00",
                     "stage": "approved",
                     "steps": steps(("intake", "lena-owner", "2026-11-02T10:00"),
                                    ("draft", "ed-editor", "2026-11-03T10:00"),
                                    ("sme-review", "lena-owner", "2026-11-04T10:00"),
                                    ("approval", "hana-head", "2026-11-05T10:00"))},
    }
    fields.update(over)
    return fields


def _wf(**changes: Any) -> dict[str, Any]:
    workflow = eastholm()["workflow"]
    workflow.update(changes)
    return workflow


def test_eastholm_notice_passes_its_own_policy(tmp_path: Path) -> None:
    root = other(tmp_path)
    write(root, NOTICE, eastholm())
    assert findings(root) == []


def test_three_week_lead_time_instead_of_two(tmp_path: Path) -> None:
    root = other(tmp_path)
    write(root, NOTICE, eastholm(send_at="2026-11-20T10:00"))  # 18 days after intake
    [problem] = findings(root)
    assert problem.rule == "LT-PLANNED" and "at least 21 days" in problem.message
    assert problem.action.startswith("move send_at to 2026-11-23")
    # the same 18 days are enough at Westmarch (14 days)
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(send_at="2026-11-20T10:00"))
    assert findings(root, "R1") == []


def test_launch_window_is_45_to_90_days(tmp_path: Path) -> None:
    root = other(tmp_path)
    launch = eastholm(type="new-service-launch", services={"learning": "operational"},
                      status=None, window={"start": "2026-12-12T09:00"},
                      workflow=_wf(intake="2026-11-02T10:00"))
    del launch["status"]
    write(root, "2026/2026-12-12-launch/01-launch.md", launch)
    [problem] = findings(root, "LT-LAUNCH")  # 40 days: fine at Westmarch, short here
    assert problem.is_error and "at least 45 days" in problem.message


def test_shorter_workflow_and_other_role_names(tmp_path: Path) -> None:
    root = other(tmp_path)
    write(root, NOTICE, eastholm())
    content, _ = load_content(root)
    assert content is not None
    pol = policy.load_policy(content)
    message = next(iter(content.messages.values()))
    assert [(s.step, s.role) for s in policy.steps_for(content, pol, message)] == [
        ("intake", "system-owner"), ("draft", "editor"), ("sme-review", "system-owner"),
        ("approval", "head-of-comms"), ("distribution", "editor")]


def test_approval_falls_back_through_the_head_of_communications_chain(tmp_path: Path) -> None:
    root = other(tmp_path)
    late = steps(("intake", "lena-owner", "2026-11-02T10:00"),
                 ("draft", "ed-editor", "2026-11-03T10:00"),
                 ("sme-review", "lena-owner", "2026-11-04T10:00"),
                 ("approval", "hana-head", "2026-11-17T10:00"))  # on leave that week
    write(root, NOTICE, eastholm(send_at="2026-11-24T10:00", workflow=_wf(steps=late)))
    [problem] = findings(root)
    assert problem.rule == "WHO"
    assert problem.action == ("needs approval by the head of communications; "
                              "first available: Vic Vice")


def test_other_channel_matrix_refuses_all_staff_email_for_maintenance(tmp_path: Path) -> None:
    root = other(tmp_path)
    write(root, NOTICE, eastholm(audiences=["everyone"], channels=["status", "email"]))
    [problem] = findings(root, "MATRIX")
    assert problem.is_error and "does not allow 'email' for planned maintenance for everyone" \
        in problem.message
    # Westmarch only asks for a written justification for the same use
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(audiences=["all-staff"], channels=["status", "email"]))
    assert findings(root, "R12") == []


def test_no_sub_community_so_no_representative_step(tmp_path: Path) -> None:
    root = other(tmp_path)
    write(root, NOTICE, eastholm(audiences=["everyone"], channels=["status"]))
    content, _ = load_content(root)
    assert content is not None
    pol = policy.load_policy(content)
    message = next(iter(content.messages.values()))
    assert [s.step for s in policy.steps_for(content, pol, message)].count("approval") == 1
    assert policy.cascade_plan(content, pol, message, NOW) == []  # not a major incident


def test_outage_rules_use_eastholm_numbers(tmp_path: Path) -> None:
    root = other(tmp_path)
    write(root, "2026/2026-11-18-mail-down/01-notice.md", {
        "title": "Mail down", "type": "unplanned-outage", "services": {"mail": "major_outage"},
        "status": "investigating", "audiences": ["everyone"], "channels": ["status", "email"],
        "window": {"start": "2026-11-18T10:20", "expected_end": "2026-11-18T11:00"},
        "workflow": {"stage": "draft"}})
    problems = findings(root, now=NOW)  # 10:30: 10 minutes in, more than Eastholm's 5
    rules = sorted(p.rule for p in problems)
    assert rules == ["ACK", "MAIL-DOWN", "MAIL-DOWN", "MATRIX", "NEXT"]
    assert all(not p.is_error for p in problems)  # a draft never blocks the build
    ack = next(p for p in problems if p.rule == "ACK")
    assert "status, sms" in ack.message and "the editor; first available: Ed Editor" in ack.action
