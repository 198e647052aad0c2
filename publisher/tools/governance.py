"""The policy's answers the tools need: which steps a message needs, who may take each.

The policy package (``publisher.policy``) owns these rules; this module only adapts its API
for the tools and keeps one fallback for content without a policy: the role chains of
``people.yml`` and the step → role table of docs/authoring.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import roles
from ..model import Content, Message

STEP_ROLES = {
    "initial-evaluation": "service-manager", "intake": "service-manager",
    "first-draft": "comms-lead", "sme-review": "service-manager", "second-draft": "comms-lead",
    "comms-control-review": "comms-control", "final-draft": "comms-lead",
    "approval": "comms-director", "distribution": "comms-lead", "confirm-need": "comms-lead",
    "draft": "comms-lead", "copyedit": "comms-lead", "scheduling": "comms-lead",
}
"""Fallback only (no policy API): the role that takes each step of docs/authoring.md."""


@dataclass(frozen=True)
class Pending:
    step: str
    role: str
    person: str | None
    due: datetime | None
    overdue: bool
    label: str = ""


def _policy_api() -> Any | None:
    try:
        from .. import policy
    except ImportError:  # pragma: no cover - the package always exists
        return None
    needed = ("load_policy", "steps_for", "pending", "can_perform")
    return policy if all(hasattr(policy, name) for name in needed) else None


def load(content: Content) -> Any | None:
    api = _policy_api()
    return api.load_policy(content) if api else None


def step_names(content: Content, policy: Any, message: Message) -> list[str]:
    """The steps this message's workflow needs, in order (empty: any known step)."""
    api = _policy_api()
    if api is None or policy is None:
        return []
    return [s.step for s in api.steps_for(content, policy, message)]


def can_perform(content: Content, policy: Any, person_id: str, step: str, message: Message,
                at: datetime) -> tuple[bool, str]:
    api = _policy_api()
    if api is not None and policy is not None:
        allowed, reason = api.can_perform(content, policy, person_id, step, message, at)
        return bool(allowed), str(reason)
    role = STEP_ROLES.get(step)
    if role is None:
        return False, f"unknown step {step!r} (allowed: {', '.join(STEP_ROLES)})"
    services = list(message.meta.services)
    if roles.may_act(content, person_id, role, at, services):
        return True, f"{person_id} holds {role}"
    holder = roles.first_available(content, role, at, services)
    who = holder.id if holder else "nobody available"
    return False, f"{person_id} does not hold the {role} role on that day (first available: {who})"


def pending(content: Content, policy: Any, message: Message, now: datetime) -> list[Pending]:
    api = _policy_api()
    if api is None or policy is None:
        return []
    found = []
    for item in api.pending(content, policy, message, now):
        person = getattr(item, "person", None)
        found.append(Pending(item.step, item.role, getattr(person, "id", person),
                             item.due, bool(item.overdue), getattr(item, "label", "")))
    return found
