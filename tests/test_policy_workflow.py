"""R1–R5, R9, R14 of the demo policy: lead times, workflows, exceptions, approvers, fallbacks.
Each rule has a message that passes and one that fails it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from policy_fixtures import (
    NOW,
    PLANNED_STEPS,
    findings,
    follow_up,
    line_of,
    outage,
    planned,
    steps,
    westmarch,
    write,
)

from publisher import policy
from publisher.content.load import load_content

NOTICE = "2026/2026-12-05-learn-upgrade/01-notice.md"
OUTAGE = "2026/2026-11-18-learn-down/01-notice.md"


def _without(step: str, manager: str = "k-patel") -> list[dict[str, str]]:
    """The planned steps less one; the service manager's steps by ``manager``."""
    return steps(*[(name, manager if by == "k-patel" else by, at)
                   for name, by, at in PLANNED_STEPS if name != step])


def test_a_compliant_planned_message_has_no_findings(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned())
    assert findings(root) == []


# --------------------------------------------------------------------------- R1, R2


def test_r1_lead_time_of_planned_messages(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    path = write(root, NOTICE, planned(send_at="2026-11-12T10:00"))
    [problem] = findings(root, "R1")
    assert problem.is_error and problem.field == "send_at"
    assert problem.line == line_of(path, "send_at:")
    assert "10 day(s) after intake (2026-11-02)" in problem.message
    assert "2026-11-16" in problem.action  # the earliest allowed send date


def test_r1_does_not_apply_to_a_preapproved_template(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2026/2026-11-20-desk-hours.md", {
        "title": "Service desk hours", "type": "announcement",
        "audiences": ["all-staff"], "channels": ["news", "status", "rss"],
        "send_at": "2026-11-20T10:00",
        "workflow": {"requested_by": "w-chen", "intake": "2026-11-16T09:00",
                     "stage": "approved", "exception": "preapproved-template",
                     "template": "service-hours",
                     "steps": steps(("copyedit", "a-okafor", "2026-11-16T11:00"),
                                    ("scheduling", "a-okafor", "2026-11-16T12:00"))}})
    assert findings(root) == []


def _launch(intake: str) -> dict:
    return planned(type="new-service-launch", services={"research-data": "operational"},
                   status=None, audiences=["researchers"], channels=["news", "rss"],
                   window={"start": "2027-01-11T09:00", "expected_end": None},
                   send_at="2026-12-14T10:00",
                   workflow={"intake": intake, "requested_by": "f-duarte"})


def test_r2_launch_notified_30_to_60_days_before(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2027/2027-01-11-data-launch/01-launch.md", _launch("2026-11-25T10:00"))
    assert findings(root, "R2") == []


def test_r2_launch_notified_too_late_is_an_error(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2027/2027-01-11-data-launch/01-launch.md", _launch("2026-12-20T10:00"))
    [problem] = findings(root, "R2")
    assert problem.is_error and "at least 30 days" in problem.message


def test_r2_launch_notified_too_early_is_a_warning(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2027/2027-01-11-data-launch/01-launch.md", _launch("2026-09-01T10:00"))
    [problem] = findings(root, "R2")
    assert not problem.is_error and "30 to 60 days" in problem.message


# --------------------------------------------------------------------------- R3


def test_r3_approved_with_a_step_missing(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    path = write(root, NOTICE, planned(workflow={"steps": _without("sme-review")}))
    [problem] = findings(root, "R3")
    assert problem.is_error and "'sme-review' missing" in problem.message
    assert problem.field == "workflow.steps" and problem.line == line_of(path, "  steps:")
    assert problem.action.startswith("record the sme-review step by the service manager; "
                                     "first available: Kiran Patel")


def test_r3_approval_missing_names_the_first_available_delegate(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(workflow={"steps": _without("approval")}))
    [problem] = findings(root, "R3")
    # send_at is 20 November: the director is on leave, the delegate is first available
    assert problem.action == ("needs approval by the communications director or delegate; "
                              "first available: Rosa Castellano")


def test_r3_steps_out_of_order_and_approval_after_send(tmp_path: Path) -> None:
    rows = [list(r) for r in PLANNED_STEPS]
    rows[3][2] = "2026-11-02T09:00"  # SME review before the first draft
    rows[7][2] = "2026-11-21T09:00"  # approval after the send
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(workflow={"steps": steps(*map(tuple, rows))}))
    messages = sorted(p.message for p in findings(root, "R3"))
    assert any("'sme-review' (2026-11-02 09:00) is recorded before 'first-draft'" in m
               for m in messages)
    assert any("after the send time" in m for m in messages)


def test_r3_unknown_step_name(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(workflow={"steps": steps(*PLANNED_STEPS,
                                                         ("proofread", "a-okafor",
                                                          "2026-11-10T10:00"))}))
    [problem] = findings(root, "R3")
    assert problem.field == "workflow.steps.8.step"
    assert "unknown step 'proofread'" in problem.message


def test_r3_draft_messages_are_not_checked_for_steps(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(workflow={"stage": "review", "steps": _without("approval")}))
    assert findings(root, "R3") == []


# --------------------------------------------------------------------------- R4


def test_r4_smaller_group_skips_comms_control(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(services={"hpc": "under_maintenance"}, audiences=["researchers"],
                                workflow={"exception": "smaller-group",
                                          "steps": _without("comms-control-review",
                                                            "f-duarte")}))
    assert findings(root) == []


def test_r4_smaller_group_needs_smaller_audiences(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(workflow={"exception": "smaller-group",
                                          "steps": _without("comms-control-review")}))
    [problem] = findings(root, "R4")
    assert problem.field == "workflow.exception" and "students, teaching-staff" in problem.message


def test_r4_director_asks_for_comms_control_on_a_smaller_group(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(services={"hpc": "under_maintenance"}, audiences=["researchers"],
                                workflow={"exception": "smaller-group",
                                          "director_requested_review": True,
                                          "steps": _without("comms-control-review",
                                                            "f-duarte")}))
    [problem] = findings(root, "R3")
    assert "'comms-control-review' missing" in problem.message


def test_r4_template_must_be_preapproved(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2026/2026-11-20-hours.md", {
        "title": "Hours", "type": "announcement", "audiences": ["all-staff"],
        "channels": ["news"], "send_at": "2026-11-20T10:00",
        "workflow": {"stage": "approved", "exception": "preapproved-template",
                     "template": "anything-goes",
                     "steps": steps(("copyedit", "a-okafor", "2026-11-16T11:00"),
                                    ("scheduling", "a-okafor", "2026-11-16T12:00"))}})
    [problem] = findings(root, "R4")
    assert "'anything-goes' is not preapproved" in problem.message
    assert "service-hours" in problem.message


def _reminder(body_changed: bool, approved_change: bool) -> tuple[dict, str]:
    rows = [("scheduling", "a-okafor", "2026-12-03T11:00")]
    if approved_change:
        rows.append(("approval", "d-whitfield", "2026-12-03T12:00"))
    fields = {"type": "reminder", "send_at": "2026-12-04T10:00",
              "workflow": {"stage": "approved", "exception": "reminder",
                           "reminder_of": "2026-12-05-learn-upgrade/01-notice",
                           "steps": steps(*rows)}}
    return fields, "Changed text.\n" if body_changed else "Some text.\n"


def test_r4_reminder_with_the_approved_text_needs_no_approval(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned())
    fields, body = _reminder(body_changed=False, approved_change=False)
    write(root, "2026/2026-12-05-learn-upgrade/02-reminder.md", fields, body)
    assert findings(root) == []


def test_r4_reminder_with_changed_text_needs_the_director(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned())
    fields, body = _reminder(body_changed=True, approved_change=False)
    write(root, "2026/2026-12-05-learn-upgrade/02-reminder.md", fields, body)
    [problem] = findings(root, "R4")
    assert "approval of the changed text" in problem.message
    assert "first available: Daniel Whitfield" in problem.action
    fields, body = _reminder(body_changed=True, approved_change=True)
    write(root, "2026/2026-12-05-learn-upgrade/02-reminder.md", fields, body)
    assert findings(root) == []


def test_r4_emergency_change_uses_the_expedited_workflow(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = planned(type="emergency-change", send_at="2026-11-18T12:00",
                     window={"start": "2026-11-18T18:00", "expected_end": "2026-11-18T19:00"},
                     workflow={"exception": "emergency-change", "intake": "2026-11-18T10:00",
                               "change_reference": "CHG-1",
                               "steps": steps(("intake", "k-patel", "2026-11-18T10:00"),
                                              ("confirm-need", "a-okafor", "2026-11-18T10:10"),
                                              ("draft", "a-okafor", "2026-11-18T10:40"))})
    write(root, NOTICE, fields)
    [problem] = findings(root, "R4")
    assert "approved without approval by the communications director" in problem.message
    fields["workflow"]["steps"].append(
        {"step": "approval", "by": "r-castellano", "at": "2026-11-18T11:00"})
    write(root, NOTICE, fields)
    assert findings(root) == []


# --------------------------------------------------------------------------- R5


def test_r5_unplanned_outage_workflow(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, OUTAGE, outage())
    assert findings(root, "R5") == []
    fields = outage()
    del fields["workflow"]["steps"][1]
    write(root, OUTAGE, fields)
    [problem] = findings(root, "R5")
    assert "'confirm-need' missing" in problem.message


def test_r5_out_of_hours_the_director_evaluates_the_scope(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    early = outage(workflow={"intake": "2026-11-18T07:50",
                             "steps": steps(("intake", "k-patel", "2026-11-18T07:50"),
                                            ("confirm-need", "a-okafor", "2026-11-18T07:55"),
                                            ("draft", "a-okafor", "2026-11-18T08:00"),
                                            ("approval", "r-castellano", "2026-11-18T08:05"))})
    write(root, OUTAGE, early)
    [problem] = findings(root, "R5")
    assert "outside business hours" in problem.message
    assert problem.action.endswith("first available: Rosa Castellano")
    early["workflow"]["steps"][1]["by"] = "r-castellano"
    write(root, OUTAGE, early)
    assert findings(root, "R5") == []


# --------------------------------------------------------------------------- R9


def test_r9_approver_on_leave_may_not_approve(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = outage()
    fields["workflow"]["steps"][3]["by"] = "d-whitfield"  # on leave 16-20 November
    path = write(root, OUTAGE, fields)
    [problem] = findings(root, "R9")
    assert problem.field == "workflow.steps.3.by"
    assert problem.line == line_of(path, "by: d-whitfield")
    assert "Daniel Whitfield approved on 2026-11-18" in problem.message
    assert problem.action == ("needs approval by the communications director or delegate; "
                              "first available: Rosa Castellano")


def test_r9_security_officer_may_approve_security_messages(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = planned()
    fields["workflow"]["steps"][-1]["by"] = "j-lindqvist"
    write(root, NOTICE, fields)
    assert len(findings(root, "R9")) == 1
    fields["workflow"]["security_related"] = True
    write(root, NOTICE, fields)
    assert findings(root, "R9") == []


def test_r9_extension_may_be_approved_by_the_service_manager(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, OUTAGE, outage())
    write(root, "2026/2026-11-18-learn-down/02-extension.md",
          follow_up("extension", "10:00", approver="k-patel",
                    window={"expected_end": "2026-11-18T14:00"}))
    assert findings(root, "R9") == []
    write(root, "2026/2026-11-18-learn-down/02-extension.md",
          follow_up("extension", "10:00", approver="w-chen",
                    window={"expected_end": "2026-11-18T14:00"}))
    [problem] = findings(root, "R9")
    assert "service manager (first available then: Kiran Patel)" in problem.message


def _dental(**workflow: object) -> dict:
    return planned(services={}, status=None, window=None, type="announcement",
                   audiences=["dentistry-community"], channels=["email", "news"],
                   workflow=workflow)


def test_r9_sub_community_needs_its_representative(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2026/2026-11-20-dental.md", _dental())
    [problem] = findings(root, "R9")
    assert "without approval by the dental school representative" in problem.message
    assert problem.action.endswith("first available: Helen Brennan")
    with_rep = steps(*PLANNED_STEPS, ("approval", "h-brennan", "2026-11-11T10:00"))
    write(root, "2026/2026-11-20-dental.md", _dental(steps=with_rep))
    assert findings(root) == []


def test_r9_messages_from_the_ciso_skip_the_representative(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2026/2026-11-20-dental.md", _dental(on_behalf_of="p-nair"))
    assert findings(root, "R9") == []


def test_can_perform_explains_refusals(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned())
    content, _ = load_content(root)
    assert content is not None
    pol = policy.load_policy(content)
    message = content.messages["2026-12-05-learn-upgrade/01-notice"]
    at = datetime.fromisoformat("2026-11-18T12:00:00+00:00")
    assert policy.can_perform(content, pol, "r-castellano", "approval", message, at) == (True, "")
    ok, reason = policy.can_perform(content, pol, "a-okafor", "approval", message, at)
    assert not ok and "first available: Rosa Castellano" in reason
    assert policy.can_perform(content, pol, "a-okafor", "first-draft", message, at)[0]
    ok, reason = policy.can_perform(content, pol, "a-okafor", "copyedit", message, at)
    assert not ok and "not a step" in reason


# --------------------------------------------------------------------------- R14


def test_r14_pending_steps_name_who_must_act(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = planned(workflow={"stage": "draft", "steps": steps(*PLANNED_STEPS[:3])})
    write(root, NOTICE, fields)
    [problem] = findings(root, "R14")
    assert not problem.is_error and "next step 'sme-review'" in problem.message
    assert problem.action == "needs sme-review by the service manager; first available: Kiran Patel"
    content, _ = load_content(root)
    assert content is not None
    pol = policy.load_policy(content)
    todo = policy.pending(content, pol, content.messages["2026-12-05-learn-upgrade/01-notice"],
                          NOW)
    assert [p.step for p in todo] == ["sme-review", "second-draft", "comms-control-review",
                                      "final-draft", "approval", "distribution"]
    assert todo[4].person == "Rosa Castellano"  # the director is on leave at NOW


def test_r14_nobody_available_in_the_chain(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    people = (root / "people.yml").read_text()
    people = people.replace("  - id: k-patel\n", "  - id: k-patel\n    unavailable: "
                            "[{from: 2026-11-01, to: 2026-11-30}]\n")
    for manager in ("i-mackenzie", "y-farouk"):
        people = people.replace(f"  - id: {manager}\n", f"  - id: {manager}\n    unavailable: "
                                "[{from: 2026-11-01, to: 2026-11-30}]\n")
    (root / "people.yml").write_text(people)
    write(root, NOTICE, planned(workflow={"stage": "draft",
                                          "steps": steps(*PLANNED_STEPS[:3])}))
    [problem] = findings(root, "R14")
    assert "nobody in the service manager's fallback chain is available" in problem.message
