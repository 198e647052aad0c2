"""Workflows (R3 planned, R4 exceptions, R5 unplanned): which steps a message must go through,
which are done, which are pending and who must take them (R14).

The first source document (broadcast-email workflow) defines the steps, roles and exceptions;
``content/policy.yml`` lists them, so the order, the roles and the exceptions are data.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..content import roles
from ..content.model import Content, Message, Stage, Step
from ..errors import Problem
from .base import PendingStep, StepRequirement, finding, role_name, services_of, who, who_text
from .config import ExceptionSpec, Policy, StepSpec, WorkflowSpec
from .kinds import RuleRun, per_message, rule_kind

_SPACE = re.compile(r"\s+")


@dataclass
class Plan:
    """The workflow a message follows, with exceptions applied."""

    name: str | None
    spec: WorkflowSpec | None
    exception: ExceptionSpec | None
    steps: list[StepRequirement] = field(default_factory=list)
    rules: dict[int, str] = field(default_factory=dict)
    """Index in ``steps`` → rule id reporting that step when it differs from the workflow's."""
    out_of_hours: bool = False
    paired: list[Step | None] | None = None
    """The recorded step fulfilling each required one (``matched`` fills it once)."""


def matched(content: Content, policy: Policy, message: Message) -> tuple[Plan, list[Step | None]]:
    """The message's plan and, for each required step, the record that fulfils it."""
    result = plan(content, policy, message)
    if result.paired is None:
        result.paired = match(content, message, result.steps)
    return result, result.paired


def _requirement(spec: StepSpec, role: str | None = None, oh: bool = False) -> StepRequirement:
    label = spec.label or spec.step.replace("-", " ").capitalize()
    return StepRequirement(spec.step, role if role is not None else spec.role, label,
                           tuple(spec.also), spec.approval, spec.automatic, oh)


def select_workflow(policy: Policy, content: Content, message: Message
                    ) -> tuple[str | None, ExceptionSpec | None]:
    """The workflow name a message follows: its exception's, else the first for its type
    (workflows restricted to threads of a kind win over general ones)."""
    claimed = message.meta.workflow.exception
    exc = policy.file.exceptions.get(claimed) if claimed is not None else None
    if exc is not None and exc.workflow is not None:
        return exc.workflow, exc
    opener = content.threads[message.thread_id].first.type
    for specific in (True, False):
        for name, spec in policy.workflows.items():
            if message.type not in spec.types or bool(spec.in_threads_of) != specific:
                continue
            if specific and opener not in spec.in_threads_of:
                continue
            return name, exc
    return None, exc


def body_changed(content: Content, message: Message) -> bool | None:
    """Whether a reminder's text differs from the approved original (None: no original)."""
    original = content.messages.get(message.meta.workflow.reminder_of or "")
    if original is None:
        return None
    return _SPACE.sub(" ", original.body).strip() != _SPACE.sub(" ", message.body).strip()


def out_of_hours(content: Content, message: Message) -> bool:
    """Whether the message's intake happened outside business hours (R5)."""
    wf = message.meta.workflow
    at = wf.intake or (wf.steps[0].at if wf.steps else None)
    if at is None:
        return False
    return not content.organisation.business_hours.contains(content.local(at))


MEMO: ContextVar[dict[int, Plan] | None] = ContextVar("policy_plans", default=None)
"""Plans computed during one ``evaluate`` (each rule asks for the same message's plan)."""


def plan(content: Content, policy: Policy, message: Message) -> Plan:
    """The workflow ``message`` follows, with its exceptions and extra approvals applied."""
    memo = MEMO.get()
    if memo is not None:
        found = memo.get(id(message))
        if found is None:
            found = memo[id(message)] = _plan(content, policy, message)
        return found
    return _plan(content, policy, message)


def _plan(content: Content, policy: Policy, message: Message) -> Plan:
    name, exc = select_workflow(policy, content, message)
    spec = policy.workflows.get(name) if name else None
    result = Plan(name, spec, exc)
    if spec is None:
        return result
    wf = message.meta.workflow
    skip: set[str] = set()
    if exc is not None and exc.skip and not (exc.unless_director_requests
                                             and wf.director_requested_review):
        skip = set(exc.skip)
    oh = out_of_hours(content, message)
    for step in spec.steps:
        if step.step in skip:
            continue
        if oh and step.out_of_hours_role:
            result.out_of_hours = True
            result.steps.append(_requirement(step, step.out_of_hours_role, oh=True))
        else:
            result.steps.append(_requirement(step))
    if exc is not None and exc.changed_body_step is not None and body_changed(content, message):
        _insert_before_automatic(result, _requirement(exc.changed_body_step), _rule_of(
            policy, "exceptions"))
    approvers = policy.rule("approvers")
    if approvers:
        _apply_approvers(content, result, message, approvers[0])
    return result


def _rule_of(policy: Policy, kind: str) -> str:
    rules = policy.rule(kind)
    return rules[0].id if rules else ""


def _insert_before_automatic(result: Plan, req: StepRequirement, rule: str) -> None:
    index = next((i for i, s in enumerate(result.steps) if s.automatic), len(result.steps))
    result.steps.insert(index, req)
    result.rules = {(k + 1 if k >= index else k): v for k, v in result.rules.items()}
    if rule:
        result.rules[index] = rule


def _apply_approvers(content: Content, result: Plan, message: Message, rule: object) -> None:
    """Security officers may approve security messages; sub-community representatives must
    approve messages to their community unless the message is from an exempt role (R9)."""
    wf = message.meta.workflow
    security = tuple(getattr(rule, "security_roles", [])) if wf.security_related else ()
    if security:
        result.steps = [
            StepRequirement(s.step, s.role, s.label, s.also + security, s.approval, s.automatic,
                            s.out_of_hours)
            if s.approval and not s.automatic else s
            for s in result.steps
        ]
    if not any(s.approval for s in result.steps):
        return
    senders = [p for p in (wf.on_behalf_of, wf.requested_by) if p]
    exempt = any(roles.chain(content, r) and p in roles.chain(content, r)
                 for r in getattr(rule, "representative_exempt_roles", []) for p in senders)
    if exempt:
        return
    kinds = getattr(rule, "representative_types", [])
    if kinds and message.type not in kinds:
        return  # e.g. an unplanned outage: the source asks for it on planned email only
    for audience_id in message.meta.audiences or []:
        audience = content.audiences.get(audience_id)
        if audience is None or audience.representative_role is None:
            continue
        rep = audience.representative_role
        req = StepRequirement("approval", rep, f"Approval by the {role_name(content, rep)}",
                              (), True, False)
        if req not in result.steps:
            _insert_before_automatic(result, req, getattr(rule, "id", ""))


def steps_for(content: Content, policy: Policy, message: Message) -> list[StepRequirement]:
    """The ordered steps ``message`` must follow, exceptions applied."""
    return plan(content, policy, message).steps


def performer_ok(content: Content, message: Message, req: StepRequirement, person_id: str,
                 at: datetime) -> bool:
    services = services_of(message)
    return any(roles.may_act(content, person_id, role, at, services)
               for role in (req.role, *req.also) if role is not None)


def may_take(content: Content, message: Message, req: StepRequirement, person_id: str,
             at: datetime) -> bool:
    """Whether a person may take an ordinary (non-approval) step: anyone in the chain of its
    role (or an ``also`` role) who was available that day; anyone when the role names nobody
    (e.g. the service manager of a message without services)."""
    allowed = [r for r in (req.role, *req.also) if r is not None]
    if not allowed:
        return True
    services = services_of(message)
    person = content.people.get(person_id)
    day = content.local(at).date()
    for role in allowed:
        members = roles.chain(content, role, services)
        if not members:
            return True
        if person_id in members and person is not None and person.available_on(day):
            return True
    return False


def match(content: Content, message: Message, reqs: list[StepRequirement]
          ) -> list[Step | None]:
    """Pair each required step with the recorded step that fulfils it (None: not done).

    For checked steps (approvals) a recorded step by someone who may act is preferred, so a
    director's and a representative's approval each find their own record."""
    used: set[int] = set()
    recorded = message.meta.workflow.steps
    paired: list[Step | None] = []
    for req in reqs:
        candidates = [i for i, s in enumerate(recorded) if s.step == req.step and i not in used]
        choice = None
        if req.approval or req.out_of_hours:
            choice = next((i for i in candidates
                           if performer_ok(content, message, req, recorded[i].by,
                                           recorded[i].at)), None)
            if choice is None:
                # a record by someone else only counts if no other requirement could use it
                others = [r for r in reqs if r is not req and r.step == req.step]
                choice = next((i for i in candidates if not any(
                    performer_ok(content, message, o, recorded[i].by, recorded[i].at)
                    for o in others)), None)
        elif candidates:
            choice = candidates[0]
        if choice is not None:
            used.add(choice)
        paired.append(recorded[choice] if choice is not None else None)
    return paired


def due_date(content: Content, policy: Policy, message: Message, req: StepRequirement
             ) -> datetime | None:
    """When a step must be done by: the send time (or the window's start); the intake of a
    message under a lead-time rule is due that many days before.

    Only the message's own send time or window counts: a follow-up inherits them from the
    message before it, and a deadline taken from there would be overdue the moment the
    follow-up is created."""
    own = message.wrote("send_at")
    own_start = message.wrote("window.start")
    window = message.meta.window if own_start else None
    send = (message.send_at if own else None) or (window.start if window else None)
    if send is None:
        return None
    if req.step == "intake":
        for rule in policy.rule("lead-time"):
            if message.type in rule.types:
                return send - timedelta(days=rule.min_days)
    return send


def pending(content: Content, policy: Policy, message: Message, now: datetime
            ) -> list[PendingStep]:
    """Steps still to do, each with the first available person in its role's chain (R14)."""
    if message.meta.workflow.stage is Stage.WITHDRAWN:
        return []
    result, paired = matched(content, policy, message)
    out: list[PendingStep] = []
    for req, done in zip(result.steps, paired, strict=True):
        if done is not None:
            continue
        if req.automatic and message.is_published(now):
            continue
        person_id, name = who(content, req.role, now, services_of(message))
        due = due_date(content, policy, message, req)
        out.append(PendingStep(req.step, req.role, name, due, due is not None and due <= now,
                               req.label, person_id))
    return out


# --------------------------------------------------------------------------- checks


def check_steps(content: Content, policy: Policy, rule: object, message: Message,
                now: datetime) -> list[Problem]:
    """R3/R4/R5: an approved message has every earlier step, in order, before its send."""
    if message.meta.workflow.stage is not Stage.APPROVED:
        return []
    result = plan(content, policy, message)
    if result.name not in getattr(rule, "workflows", []):
        return []
    rule_id = getattr(rule, "id", "")
    services = services_of(message)
    result, paired = matched(content, policy, message)
    problems: list[Problem] = []
    known = policy.known_steps
    for index, step in enumerate(message.meta.workflow.steps):
        if step.step not in known:
            problems.append(finding(
                message, rule, f"unknown step {step.step!r} (allowed: {', '.join(sorted(known))})",
                "fix the step name", f"workflow.steps.{index}.step"))
    previous: Step | None = None
    send = message.send_at
    for position, (req, done) in enumerate(zip(result.steps, paired, strict=True)):
        reporter = result.rules.get(position, rule_id)
        if reporter != rule_id:
            continue  # reported by the rule that added the step (R4 reminders, R9 reps)
        if done is None:
            if req.automatic:
                continue
            problems.append(_missing(content, policy, rule, message, req, services, result,
                                         now))
            continue
        if previous is not None and done.at < previous.at:
            problems.append(finding(
                message, rule,
                f"step {done.step!r} ({done.at:%Y-%m-%d %H:%M}) is recorded before "
                f"{previous.step!r} ({previous.at:%Y-%m-%d %H:%M}), which it must follow",
                "correct the step times or redo the step in order", "workflow.steps"))
        if req.approval and send is not None and done.at > send:
            problems.append(finding(
                message, rule, f"approved at {done.at:%Y-%m-%d %H:%M}, after the send time "
                f"{send:%Y-%m-%d %H:%M}", "move send_at after the approval", "send_at"))
        if (not (req.approval or req.out_of_hours or req.automatic)
                and not may_take(content, message, req, done.by, done.at)):
            index = message.meta.workflow.steps.index(done)
            problems.append(finding(
                message, rule, f"{req.step!r} was taken by {_name(content, done.by)}, but it "
                f"is for the {role_name(content, req.role)}",
                f"needs {req.step} by {who_text(content, req.role, done.at, services)}",
                f"workflow.steps.{index}.by"))
        if req.out_of_hours and not performer_ok(content, message, req, done.by, done.at):
            problems.append(finding(
                message, rule,
                f"intake was outside business hours, so {req.step!r} is for the "
                f"{role_name(content, req.role)}, not {_name(content, done.by)}",
                f"needs {req.step} by {who_text(content, req.role, done.at, services)}",
                "workflow.steps"))
        previous = done
    return problems


def _name(content: Content, person_id: str) -> str:
    person = content.people.get(person_id)
    return person.name if person else person_id


def _missing(content: Content, policy: Policy, rule: object, message: Message,
             req: StepRequirement, services: list[str], result: Plan, now: datetime) -> Problem:
    at = message.send_at or message.meta.workflow.intake or now
    why = f" ({result.exception.label})" if result.exception and result.exception.label else ""
    if req.approval:
        text = f"approved without {req.label.lower()}{why}"
        action = f"needs {req.step} by {who_text(content, req.role, at, services)}"
    else:
        label = result.spec.label if result.spec else ""
        text = f"approved with the step {req.step!r} missing ({label} workflow{why})"
        action = (f"record the {req.step} step by {who_text(content, req.role, at, services)}"
                  " — or move the message back to review")
    return finding(message, rule, text, action, "workflow.steps")


@rule_kind("workflow")
@per_message
def _run(ctx: RuleRun, rule: object, message: Message) -> list[Problem]:
    return check_steps(ctx.content, ctx.policy, rule, message, ctx.now)
