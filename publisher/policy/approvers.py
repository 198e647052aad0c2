"""R9 approvers: who may approve, at the moment they approved.

An approver must hold the role or be the first available in its fallback chain (first
source: "responsibility fallback"); security messages may be approved by the information
security officer; messages to a sub-community need its representative's approval, except
messages from an exempt role (the CISO).
"""

from __future__ import annotations

from datetime import datetime

from ..content import roles
from ..content.model import Content, Message, Stage
from ..errors import Problem
from . import digest
from .base import finding, role_name, services_of, who, who_text
from .config import Policy
from .kinds import RuleRun, per_message, rule_kind
from .workflow import matched, performer_ok, plan


def can_perform(content: Content, policy: Policy, person_id: str, step: str,
                message: Message, at: datetime) -> tuple[bool, str]:
    """Whether ``person_id`` may do ``step`` for ``message`` at ``at`` (and why not).

    Approvals (and steps whose role changes out of hours) need the role holder or the first
    available in its chain; other steps accept anyone in the role's chain, or anyone when the
    role has nobody listed (e.g. a service manager of a message without services).
    """
    if person_id not in content.people:
        return False, f"unknown person {person_id!r}"
    reqs = [r for r in plan(content, policy, message).steps if r.step == step]
    if not reqs:
        return False, f"{step!r} is not a step of this message's workflow"
    services = services_of(message)
    reasons: list[str] = []
    for req in reqs:
        if req.approval or req.out_of_hours:
            if performer_ok(content, message, req, person_id, at):
                return True, ""
        else:
            allowed = [r for r in (req.role, *req.also) if r is not None]
            if not allowed:
                return True, ""
            for role in allowed:
                members = roles.chain(content, role, services)
                if not members or person_id in members:
                    return True, ""
        for role in (r for r in (req.role, *req.also) if r is not None):
            _, name = who(content, role, at, services)
            holder = f"first available: {name}" if name else "nobody available"
            reasons.append(f"{role_name(content, role)} ({holder})")
    person = content.people[person_id]
    return False, (f"{person.name} may not do {step!r} on {at:%Y-%m-%d}: it needs the "
                   + " or the ".join(reasons))


def check(content: Content, policy: Policy, rule: object, message: Message) -> list[Problem]:
    """Every recorded approval was made by someone allowed to make it at that time, and every
    representative approval a sub-community needs is there."""
    if message.meta.workflow.stage is not Stage.APPROVED:
        return []
    result, paired = matched(content, policy, message)
    services = services_of(message)
    rule_id = getattr(rule, "id", "")
    problems: list[Problem] = digest.check(content, rule, message)
    for position, (req, done) in enumerate(zip(result.steps, paired, strict=True)):
        if not req.approval or req.automatic:
            continue
        if done is None:
            if result.rules.get(position) == rule_id:
                at = message.send_at or message.meta.workflow.intake
                action = (f"needs approval by {who_text(content, req.role, at, services)}"
                          if at else f"needs approval by the {role_name(content, req.role)}")
                problems.append(finding(
                    message, rule, f"sent to a sub-community without {req.label.lower()}",
                    action, "audiences"))
            continue
        if not performer_ok(content, message, req, done.by, done.at):
            index = message.meta.workflow.steps.index(done)
            wanted = " or the ".join(
                f"{role_name(content, r)} (first available then: "
                f"{who(content, r, done.at, services)[1] or 'nobody'})"
                for r in (req.role, *req.also) if r)
            person = content.people.get(done.by)
            problems.append(finding(
                message, rule,
                f"{person.name if person else done.by} approved on {done.at:%Y-%m-%d}, but "
                f"approval is for the {wanted}",
                f"needs approval by {who_text(content, req.role, done.at, services)}",
                f"workflow.steps.{index}.by"))
    return problems


@rule_kind("approvers")
@per_message
def _run(ctx: RuleRun, rule: object, message: Message) -> list[Problem]:
    return check(ctx.content, ctx.policy, rule, message)
