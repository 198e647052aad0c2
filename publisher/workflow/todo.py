"""The policy's answers the tools need: which steps a message needs, who may take each,
what is still to do and by when. ``publisher.policy`` owns the rules; this module adapts
its API to what the tools show (person ids and names, automatic steps marked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import policy as policy_api
from ..content.model import Content, Message
from ..policy import Policy, StepRequirement


@dataclass(frozen=True)
class Pending:
    step: str
    role: str | None
    person: str | None
    """Person id of the first available holder of the role (fallback chain applied)."""
    person_name: str | None
    due: datetime | None
    overdue: bool
    label: str = ""
    automatic: bool = False
    """Done by the pipeline itself at the send time (distribution), not by a person."""
    release: bool = False
    """An approval (recorded by ``publisher approve``, which pins the text)."""


def load(content: Content) -> Policy:
    return policy_api.load_policy(content)


def requirements(content: Content, policy: Policy, message: Message) -> list[StepRequirement]:
    return list(policy_api.steps_for(content, policy, message))


def step_names(content: Content, policy: Policy, message: Message) -> list[str]:
    """The steps this message's workflow needs, in order, without repeats."""
    return list(dict.fromkeys(r.step for r in requirements(content, policy, message)))


def release_step(content: Content, policy: Policy, message: Message, now: datetime) -> str:
    """The step ``publisher approve`` records: the first approval still to do (an all-clear
    without a sign-off is released by its draft), else, to re-approve changed text, the
    workflow's last approval."""
    reqs = requirements(content, policy, message)
    for item in pending(content, policy, message, now):
        if not item.automatic and any(r.step == item.step and r.approval for r in reqs):
            return item.step
    approvals = [r.step for r in reqs if r.approval and not r.automatic]
    return approvals[-1] if approvals else "approval"


def is_release(content: Content, policy: Policy, message: Message, step: str) -> bool:
    """Whether ``step`` is an approval of this message (recorded by ``approve``, pinned)."""
    return any(r.step == step and r.approval and not r.automatic
               for r in requirements(content, policy, message))


def can_perform(content: Content, policy: Policy, person_id: str, step: str,
                message: Message, at: datetime) -> tuple[bool, str]:
    allowed, reason = policy_api.can_perform(content, policy, person_id, step, message, at)
    return bool(allowed), str(reason)


def pending(content: Content, policy: Policy, message: Message, now: datetime) -> list[Pending]:
    """Steps still to do, in workflow order, each with who must act and by when."""
    reqs = requirements(content, policy, message)
    automatic = {r.step for r in reqs if r.automatic}
    releases = {r.step for r in reqs if r.approval and not r.automatic}
    found = []
    for item in policy_api.pending(content, policy, message, now):
        person_id = item.person_id
        name = item.person
        if person_id is None and name in content.people:
            person_id = name
        if person_id in content.people and (name is None or name == person_id):
            name = content.people[person_id].name
        found.append(Pending(item.step, item.role, person_id, name, item.due,
                             bool(item.overdue), item.label, item.step in automatic,
                             item.step in releases))
    return found


def before_step(content: Content, policy: Policy, message: Message, step: str,
                now: datetime) -> list[Pending]:
    """Pending steps that the workflow puts before ``step`` (what must happen first)."""
    order = [r.step for r in requirements(content, policy, message)]
    if step not in order:
        return []
    earlier = set(order[:order.index(step)])
    return [p for p in pending(content, policy, message, now)
            if p.step in earlier and not p.automatic]
