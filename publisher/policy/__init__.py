"""Policy: the team's communications governance, as data (``content/policy.yml``).

``evaluate`` runs every rule the policy file configures and returns its findings as
``Problem`` records (rule id, severity, next action and who must take it). The other
functions answer the questions the pipeline, the mail sender and the tools ask: which steps a
message must follow, which are pending and who must take them, who may perform a step, and
who cascades a major-incident message to which audience.

Rule kinds live one family a module: ``leadtime`` (R1, R2), ``workflow`` (R3, R5),
``exceptions`` (R4), ``outage`` (R6–R8), ``approvers`` (R9), ``major`` (R10), ``channels``
(R11, R12), ``audience`` (R13); R14 (fallbacks) is ``pending`` below.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..content.model import Channel, Content, Message, Stage
from ..errors import ContentError, Problem, Severity
from . import approvers, audience, channels, exceptions, leadtime, major, outage, workflow
from .base import CascadeRow, PendingStep, StepRequirement, finding, role_name
from .config import EmailDownRule, FallbacksRule, Policy, json_schema
from .config import load as _load

__all__ = [
    "CascadeRow", "PendingStep", "Policy", "StepRequirement", "can_perform", "cascade_plan",
    "evaluate", "json_schema", "load_policy", "pending", "steps_for",
]


def load_policy(content: Content) -> Policy:
    """The validated policy of ``content`` (no policy file: a policy that runs no rules).

    Raises ``ContentError`` listing every problem, each ``policy.yml:line: field: …``.
    """
    return _load(content)


def steps_for(content: Content, policy: Policy, message: Message) -> list[StepRequirement]:
    """The ordered workflow ``message`` must follow, exceptions applied."""
    return workflow.steps_for(content, policy, message)


def pending(content: Content, policy: Policy, message: Message, now: datetime
            ) -> list[PendingStep]:
    """Steps still to do, each naming the first available person in its role's chain."""
    return workflow.pending(content, policy, message, now)


def can_perform(content: Content, policy: Policy, person_id: str, step: str,
                message: Message, at: datetime) -> tuple[bool, str]:
    """(allowed, reason when not): may ``person_id`` do ``step`` for ``message`` at ``at``?"""
    return approvers.can_perform(content, policy, person_id, step, message, at)


def cascade_plan(content: Content, policy: Policy, message: Message) -> list[CascadeRow]:
    """R10: audiences from the affected service area and who cascades to each (RACI)."""
    return major.cascade_plan(content, policy, message)


def _fallbacks(content: Content, policy: Policy, rule: FallbacksRule, message: Message,
               now: datetime) -> list[Problem]:
    """R14: a message in progress names its next step and who must take it now."""
    stage = message.meta.workflow.stage
    if stage in (Stage.APPROVED, Stage.WITHDRAWN):
        return []
    todo = [p for p in pending(content, policy, message, now) if p.step != "distribution"]
    if not todo:
        return []
    nxt = todo[0]
    role = role_name(content, nxt.role)
    due = f", due {content.local(nxt.due):%Y-%m-%d %H:%M}" if nxt.due else ""
    late = " (overdue)" if nxt.overdue else ""
    if nxt.person is None:
        return [finding(message, rule, f"next step {nxt.step!r}{due}{late}: nobody in the "
                        f"{role}'s fallback chain is available", f"name a stand-in for the "
                        f"{role}", "workflow.stage", severity=rule.nobody_severity)]
    return [finding(message, rule, f"{stage.value}: next step {nxt.step!r}{due}{late}",
                    f"needs {nxt.step} by the {role}; first available: {nxt.person}",
                    "workflow.stage")]


def evaluate(content: Content, now: datetime) -> list[Problem]:
    """Every policy finding for ``content`` at ``now`` (a bad policy file: its problems)."""
    try:
        policy = load_policy(content)
    except ContentError as exc:
        return list(exc.problems)
    token = workflow.MEMO.set({})
    try:
        return _evaluate(content, policy, now)
    finally:
        workflow.MEMO.reset(token)


def _evaluate(content: Content, policy: Policy, now: datetime) -> list[Problem]:
    problems: list[Problem] = []
    messages = list(content.messages.values())
    threads = list(content.threads.values())
    email_rules = [r for r in policy.rules if isinstance(r, EmailDownRule)]
    for rule in policy.rules:
        kind = rule.kind
        if kind == "lead-time":
            for m in messages:
                problems += leadtime.check(content, policy, rule, m)
        elif kind == "workflow":
            for m in messages:
                problems += workflow.check_steps(content, policy, rule, m)
        elif kind == "exceptions":
            for m in messages:
                problems += exceptions.check(content, policy, rule, m)
                problems += workflow.check_steps(content, policy, rule, m)
        elif kind == "approvers":
            for m in messages:
                problems += approvers.check(content, policy, rule, m)
        elif kind == "acknowledgment":
            for t in threads:
                problems += outage.acknowledgment(content, rule, t, now)
        elif kind == "extension":
            for t in threads:
                problems += outage.extension(content, rule, t, now)
        elif kind == "all-clear":
            for t in threads:
                problems += outage.all_clear(content, rule, t, now)
        elif kind == "major-incident":
            for t in threads:
                problems += major.check_thread(content, rule, t, now)
        elif kind == "email-down":
            for m in messages:
                problems += channels.check_email_down(content, rule, m)
        elif kind == "channel-matrix":
            for m in messages:
                exempt: set[Channel] = set()
                for er in email_rules:
                    if channels.email_down(m, er):
                        exempt |= set(er.required)
                problems += channels.check_matrix(content, rule, m, exempt)
        elif kind == "audience-fit":
            for m in messages:
                problems += audience.check(content, rule, m)
        elif kind == "fallbacks":
            for m in messages:
                problems += _fallbacks(content, policy, rule, m, now)
    return [_in_progress(content, p) for p in problems]


def _in_progress(content: Content, problem: Problem) -> Problem:
    """An error on a message not yet approved is a warning: nothing of it is published, and
    the build that publishes everything else must not stop; it still blocks its approval."""
    message = content.messages.get(problem.message_id)
    if message is None or not problem.is_error or message.approved:
        return problem
    return replace(problem, severity=Severity.WARNING,
                   action=(problem.action + " (must be fixed before approval)").lstrip())
