"""Governance that binds, through `publisher check` on real files.

Exceptions need backing (R4): each exception claimed without what policy.yml says must back
it fails, naming what is missing; with its backing it passes. Every step by someone who may
take it (R3/R5): drafting, SME review and Comms Control review are checked against their
roles, not only approvals. The second organisation's policy declares its own choices."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from policy_fixtures import (
    NOW,
    PLANNED_STEPS,
    other,
    outage,
    pin,
    planned,
    steps,
    westmarch,
    write,
)

EXPEDITED = steps(("intake", "k-patel", "2026-11-02T10:00"),
                  ("confirm-need", "a-okafor", "2026-11-02T10:10"),
                  ("draft", "a-okafor", "2026-11-02T10:40"),
                  ("approval", "d-whitfield", "2026-11-02T11:00"))
TEAM = steps(("intake", "r-dunmore", "2026-11-02T10:00"),
             ("draft", "a-okafor", "2026-11-02T11:00"),
             ("final-draft", "r-dunmore", "2026-11-02T12:00"),
             ("distribution", "r-dunmore", "2026-11-20T10:00"))
FILE = "2026/2026-11-20-message.md"


def check(root: Path) -> tuple[int, list[dict[str, Any]]]:
    pin(root)
    done = subprocess.run([sys.executable, "-m", "publisher", "check", str(root), "--format",
                           "json", "--now", NOW.isoformat()], capture_output=True, text=True,
                          check=False)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)["problems"]


def errors(problems: list[dict[str, Any]]) -> list[str]:
    return [p["message"] for p in problems if p["severity"] == "error"]


def announcement(**workflow: Any) -> dict[str, Any]:
    return planned(type="announcement", title="A word from IT", services={},
                   status=None, window=None, audiences=["all-staff"],
                   channels=["news", "rss"], send_at="2026-11-20T10:00",
                   workflow={"steps": EXPEDITED, **workflow})


def test_vip_without_a_leader_fails_and_with_one_passes(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, FILE, announcement(exception="vip"))
    code, problems = check(root)
    assert code == 1
    assert any("'vip' names no leader it is sent for" in m and "Chief Information Officer" in m
               for m in errors(problems)), problems
    write(root, FILE, announcement(exception="vip", on_behalf_of="a-okafor"))
    code, problems = check(root)
    assert any("a-okafor does not hold the role" in m for m in errors(problems)), problems
    write(root, FILE, announcement(exception="vip", on_behalf_of="m-adeyemi"))
    code, problems = check(root)
    assert code == 0, errors(problems)


def test_team_managed_only_for_smaller_groups(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = announcement(exception="team-managed", steps=TEAM, requested_by="r-dunmore")
    fields["channels"] = ["email", "teams"]
    write(root, FILE, fields)
    code, problems = check(root)
    assert code == 1
    assert any("needs every audience to be a smaller group; not: all-staff" in m
               for m in errors(problems)), problems
    fields["audiences"] = ["elearning-team"]
    write(root, FILE, fields)
    code, problems = check(root)
    assert code == 0, errors(problems)


def test_emergency_change_names_the_change(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = planned(type="emergency-change", send_at="2026-11-18T12:00",
                     window={"start": "2026-11-18T18:00", "expected_end": "2026-11-18T19:00"},
                     workflow={"exception": "emergency-change", "intake": "2026-11-18T10:00",
                               "steps": steps(("intake", "k-patel", "2026-11-18T10:00"),
                                              ("confirm-need", "a-okafor", "2026-11-18T10:10"),
                                              ("draft", "a-okafor", "2026-11-18T10:40"),
                                              ("approval", "r-castellano",
                                               "2026-11-18T11:00"))})
    write(root, FILE, fields)
    code, problems = check(root)
    assert code == 1
    assert any("'emergency-change' names no change" in m for m in errors(problems)), problems
    fields["workflow"]["change_reference"] = "CHG-2026-1118-03"
    write(root, FILE, fields)
    code, problems = check(root)
    assert code == 0, errors(problems)


def test_template_only_with_its_registered_id(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = announcement(exception="preapproved-template", template="not-registered",
                          steps=steps(("copyedit", "a-okafor", "2026-11-02T10:00"),
                                      ("scheduling", "a-okafor", "2026-11-02T10:05")))
    write(root, FILE, fields)
    code, problems = check(root)
    assert code == 1
    assert any("template 'not-registered' is not preapproved" in m
               for m in errors(problems)), problems


def test_the_other_organisation_declares_no_backing(tmp_path: Path) -> None:
    """Eastholm's policy has only `smaller-group`; `vip` is simply not an exception there."""
    root = other(tmp_path)
    code, problems = check(root)
    assert code == 0, errors(problems)


def with_step(name: str, person: str) -> dict[str, Any]:
    rows = [(s, person if s == name else by, at) for s, by, at in PLANNED_STEPS]
    return planned(workflow={"steps": steps(*rows)})


def test_self_reviewed_sme_step_fails(tmp_path: Path) -> None:
    """The comms lead who drafted it cannot also be its subject-matter expert."""
    root = westmarch(tmp_path)
    write(root, FILE, with_step("sme-review", "a-okafor"))
    code, problems = check(root)
    assert code == 1
    assert any("'sme-review' was taken by Amara Okafor, but it is for the service manager" in m
               for m in errors(problems)), problems
    write(root, FILE, planned())
    code, problems = check(root)
    assert code == 0, errors(problems)


def test_comms_control_review_and_drafting_are_checked(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, FILE, with_step("comms-control-review", "a-okafor"))
    code, problems = check(root)
    assert any("'comms-control-review' was taken by Amara Okafor, but it is for the Comms "
               "Control" in m for m in errors(problems)), problems
    write(root, FILE, with_step("first-draft", "k-patel"))
    code, problems = check(root)
    assert code == 1
    assert any("'first-draft' was taken by Kiran Patel, but it is for the communications lead"
               in m for m in errors(problems)), problems


def test_outage_draft_by_someone_else_fails(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = outage()
    fields["workflow"]["steps"][2]["by"] = "k-patel"
    write(root, "2026/2026-11-18-learn-down/01-notice.md", fields)
    code, problems = check(root)
    assert code == 1
    assert any("'draft' was taken by Kiran Patel" in m for m in errors(problems)), problems


def test_acknowledgment_to_one_audience_of_a_campus_wide_outage_fails(tmp_path: Path) -> None:
    """R6 asks for a community-wide acknowledgment: an email to IT support staff about a
    40-minute campus Wi-Fi outage names the audiences left out; the status site plus the
    banner reaches everyone."""
    root = westmarch(tmp_path)
    fields = outage(title="Wi-Fi down across campus", services={"wifi": "major_outage"},
                    window={"start": "2026-11-18T09:00", "expected_end": "2026-11-18T09:40",
                            "actual_end": "2026-11-18T09:40"},
                    status="resolved", audiences=["it-support-staff"], channels=["email"])
    fields["workflow"]["justification"] = "IT support staff field the calls."
    write(root, "2026/2026-11-18-wifi-down/01-notice.md", fields)
    code, problems = check(root)
    assert code == 1
    left = [m for m in errors(problems) if "does not reach the affected community" in m]
    assert left and "All staff" in left[0] and "Students" in left[0], problems
    fields["channels"] = ["status", "banner", "email"]
    write(root, "2026/2026-11-18-wifi-down/01-notice.md", fields)
    code, problems = check(root)
    assert not [m for m in errors(problems) if "R6" in m or "affected community" in m], problems


def test_lead_time_counts_calendar_days_and_advises_sanely(tmp_path: Path) -> None:
    """Intake 2 November 10:00, first send 16 November 09:00: 14 calendar days (not 13.96
    periods of 24 hours). A date the advice proposes is never after the work itself."""
    root = westmarch(tmp_path)
    write(root, FILE, planned(send_at="2026-11-16T09:00"))
    code, problems = check(root)
    assert code == 0, errors(problems)
    write(root, FILE, planned(send_at="2026-11-12T09:00", workflow={"intake": "2026-11-10T10:00"},
                              window={"start": "2026-11-20T06:00",
                                      "expected_end": "2026-11-20T10:00"}))
    code, problems = check(root)
    [lead] = [p for p in problems if p["rule"] == "R1"]
    assert "2 day(s) after intake (2026-11-10)" in lead["message"]
    assert "the window starts 2026-11-20, before 2026-11-24: move the window" in lead["action"]
    assert "move send_at" not in lead["action"]


def test_unplanned_outage_to_the_dental_school_needs_no_representative(tmp_path: Path) -> None:
    """The representative approves planned email (representative_types); an outage notice
    to the Dental School goes with the director's approval alone, a planned one does not."""
    root = westmarch(tmp_path)
    fields = outage(audiences=["dentistry-community"], channels=["status", "banner", "email"])
    fields["workflow"]["justification"] = "The clinic's booking system is down."
    write(root, "2026/2026-11-18-learn-down/01-notice.md", fields)
    code, problems = check(root)
    assert not [m for m in errors(problems) if "representative" in m], problems
    planned_fields = planned(audiences=["dentistry-community"])
    write(root, FILE, planned_fields)
    code, problems = check(root)
    assert code == 1
    assert any("without approval by the dental school representative" in m
               for m in errors(problems)), problems
