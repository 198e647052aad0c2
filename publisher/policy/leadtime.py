"""R1/R2 lead times (first source): planned messages need the comms lead told at least two
weeks before the community must know; new service launches 30 to 60 days before launch."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ..content.model import Content, Message, Stage
from ..errors import Problem
from .base import finding, services_of, who_text
from .config import LeadTimeRule, Policy
from .kinds import RuleRun, per_message, rule_kind


def _target(message: Message, rule: LeadTimeRule) -> tuple[datetime | None, str, str]:
    """The instant the lead time runs to, its field, and how to say it."""
    if rule.measure_to == "window-start":
        window = message.meta.window
        return (window.start if window else None), "window.start", "the launch"
    return message.send_at, "send_at", "the first send"


def check(content: Content, policy: Policy, rule: LeadTimeRule, message: Message
          ) -> list[Problem]:
    del policy
    thread = content.threads[message.thread_id]
    wf = message.meta.workflow
    if (message is not thread.first or message.type not in rule.types
            or wf.stage is Stage.WITHDRAWN
            or (wf.exception is not None and wf.exception in rule.exempt_exceptions)):
        return []
    target, field, what = _target(message, rule)
    if target is None:
        return []
    services = services_of(message)
    days = f"{rule.min_days:g}"
    if wf.intake is None:
        if wf.stage is not Stage.APPROVED:
            return []
        return [finding(message, rule, f"no intake date: the lead time of {days} days before "
                        f"{what} cannot be checked",
                        f"record workflow.intake (when "
                        f"{who_text(content, rule.notify_role, target, services)} contacted "
                        "the comms lead)",
                        "workflow")]
    # Comms teams count calendar days in their own time zone, not 24-hour periods.
    intake_day = content.local(wf.intake).date()
    target_day = content.local(target).date()
    lead_days = (target_day - intake_day).days
    if lead_days < rule.min_days:
        earliest = intake_day + timedelta(days=rule.min_days)
        return [finding(
            message, rule,
            f"{what} is {lead_days} day(s) after intake ({intake_day:%Y-%m-%d}); the policy "
            f"asks for at least {days} days", _advice(content, message, field, earliest), field)]
    if rule.max_days is not None and lead_days > rule.max_days:
        return [finding(
            message, rule,
            f"intake ({intake_day:%Y-%m-%d}) is {lead_days} days before {what}; the policy asks "
            f"for {days} to {rule.max_days:g} days", "plan the communications nearer the date",
            "workflow.intake", severity=rule.early_severity)]
    return []


def _advice(content: Content, message: Message, field: str, earliest: date) -> str:
    """Move the date, unless that would put the send after the work itself: then the window
    moves, or an exception is claimed."""
    exception = "or claim an exception (emergency change) with the director's agreement"
    window = message.meta.window
    start = content.local(window.start).date() if window and window.start else None
    if field == "send_at" and start is not None and earliest > start:
        return (f"the window starts {start:%Y-%m-%d}, before {earliest:%Y-%m-%d}: move the "
                f"window to {earliest:%Y-%m-%d} or later with the service manager, {exception}")
    return f"move {field} to {earliest:%Y-%m-%d} or later, {exception}"


@rule_kind("lead-time")
@per_message
def _run(ctx: RuleRun, rule: LeadTimeRule, message: Message) -> list[Problem]:
    return check(ctx.content, ctx.policy, rule, message)
