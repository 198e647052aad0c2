"""R1/R2 lead times (first source): planned messages need the comms lead told at least two
weeks before the community must know; new service launches 30 to 60 days before launch."""

from __future__ import annotations

from datetime import datetime, timedelta

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
    lead = target - wf.intake
    if lead < timedelta(days=rule.min_days):
        earliest = wf.intake + timedelta(days=rule.min_days)
        return [finding(
            message, rule,
            f"{what} is {lead.days} day(s) after intake ({wf.intake:%Y-%m-%d}); the policy asks "
            f"for at least {days} days",
            f"move {field} to {earliest:%Y-%m-%d} or later, or claim an exception "
            f"(emergency change) with the director's agreement", field)]
    if rule.max_days is not None and lead > timedelta(days=rule.max_days):
        return [finding(
            message, rule,
            f"intake ({wf.intake:%Y-%m-%d}) is {lead.days} days before {what}; the policy asks "
            f"for {days} to {rule.max_days:g} days", "plan the communications nearer the date",
            "workflow.intake", severity=rule.early_severity)]
    return []


@rule_kind("lead-time")
@per_message
def _run(ctx: RuleRun, rule: LeadTimeRule, message: Message) -> list[Problem]:
    return check(ctx.content, ctx.policy, rule, message)
