"""R11 email down, R12 channel matrix and R13 audience fit, passing and failing."""

from __future__ import annotations

from pathlib import Path

from policy_fixtures import findings, outage, planned, westmarch, write

EMAIL_DOWN = "2026/2026-11-18-email-down/01-notice.md"
NOTICE = "2026/2026-12-05-learn-upgrade/01-notice.md"


def _email_down(channels: list[str]) -> dict:
    return outage(services={"email": "major_outage"}, audiences=["all-staff", "students"],
                  channels=channels, workflow={"requested_by": "e-morgan",
                                               "steps": [{"step": "intake", "by": "e-morgan",
                                                          "at": "2026-11-18T09:05"}]})


def _fix_steps(fields: dict) -> dict:
    fields["workflow"]["steps"] = outage()["workflow"]["steps"]
    fields["workflow"]["steps"][0]["by"] = "e-morgan"
    return fields


# --------------------------------------------------------------------------- R11


def test_r11_email_down_uses_the_alternatives(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, EMAIL_DOWN, _fix_steps(_email_down(["status", "banner", "social", "sms"])))
    # sms and social are justified by R11 itself: no channel-matrix finding either
    assert findings(root) == []


def test_r11_email_down_refuses_email_and_requires_alternatives(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, EMAIL_DOWN, _fix_steps(_email_down(["status", "email"])))
    problems = findings(root, "R11")
    assert sorted(p.message for p in problems) == [
        "the email service is down, so email cannot reach anyone",
        "the email service is down: the policy requires the alternatives status, banner, "
        "social, sms; missing: banner, social, sms",
    ]
    assert all(p.is_error and p.field == "channels" for p in problems)


def test_r11_degraded_email_still_works(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    fields = _fix_steps(_email_down(["status", "banner"]))
    fields["services"] = {"email": "degraded_performance"}
    write(root, EMAIL_DOWN, fields)
    assert findings(root, "R11") == []


# --------------------------------------------------------------------------- R12


def test_r12_refused_channel(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(channels=["status", "email", "rss", "sms"],
                                services={"hpc": "under_maintenance"},
                                audiences=["researchers"]))
    [problem] = findings(root, "R12")
    assert problem.is_error and problem.field == "channels"
    assert problem.message.startswith("the channel matrix does not allow 'sms' for planned "
                                      "maintenance affecting a specific group (allowed: ")
    assert problem.action == "remove sms from channels"


def test_r12_channel_needing_justification(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(workflow={"justification": None}))
    [problem] = findings(root, "R12")
    assert "'email' for planned maintenance needs a written justification" in problem.message
    write(root, NOTICE, planned())  # with a justification
    assert findings(root, "R12") == []


def test_r12_justification_carries_through_the_thread(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned())
    write(root, "2026/2026-12-05-learn-upgrade/02-reminder.md", {
        "type": "reminder", "send_at": "2026-12-04T10:00",
        "workflow": {"stage": "approved", "exception": "reminder",
                     "reminder_of": "2026-12-05-learn-upgrade/01-notice",
                     "steps": [{"step": "scheduling", "by": "a-okafor",
                                "at": "2026-12-03T11:00"}]}})
    assert findings(root) == []


def test_r12_a_draft_is_warned_not_blocked(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(channels=["status", "screens"], workflow={"stage": "review",
                                                                          "justification": None}))
    [problem] = findings(root, "R12")
    assert not problem.is_error and problem.action.endswith("(must be fixed before approval)")


# --------------------------------------------------------------------------- R13


def test_r13_all_staff_about_a_service_one_group_uses(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(services={"hpc": "under_maintenance"},
                                audiences=["all-staff", "researchers", "it-support-staff"]))
    [problem] = findings(root, "R13")
    assert not problem.is_error and problem.field == "audiences"
    assert "All staff do(es) not use High-performance computing" in problem.message
    assert problem.action == ("send only to the audiences it applies to: replace all-staff")


def test_r13_audiences_that_use_the_service_fit(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, NOTICE, planned(services={"hpc": "under_maintenance"},
                                audiences=["researchers", "it-support-staff"]))
    assert findings(root, "R13") == []
    write(root, NOTICE, planned())  # Learn: used by everyone, any audience fits
    assert findings(root, "R13") == []
