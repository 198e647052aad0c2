"""Shared pieces of the rule kinds: findings, role wording, who must act, thread facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..content import roles
from ..content.model import Content, Message, Thread
from ..errors import Problem, Severity


@dataclass(frozen=True)
class StepRequirement:
    """One step a message must go through, and the role responsible for it."""

    step: str
    role: str | None
    label: str
    also: tuple[str, ...] = ()
    """Other roles that may perform it."""
    approval: bool = False
    automatic: bool = False
    out_of_hours: bool = False
    """The role was swapped because intake was outside business hours (R5)."""


@dataclass(frozen=True)
class PendingStep:
    step: str
    role: str | None
    person: str | None = None
    """Name of the first available person in the role's chain (R14)."""
    due: datetime | None = None
    overdue: bool = False
    label: str = ""
    person_id: str | None = None


@dataclass(frozen=True)
class CascadeRow:
    audience_id: str
    audience_name: str
    role: str | None
    """Id of the role Responsible for cascading (RACI)."""
    person: str | None
    """Name of its first available person at the send time (internal: not for the site)."""
    role_name: str = ""


def finding(message: Message, rule: object, text: str, action: str = "",
            field: str = "", severity: str | None = None, duty: bool = False) -> Problem:
    """A policy finding pinned to a message's file and the line of ``field``.

    ``duty``: the finding is a follow-up the thread still owes, not a fault of the message
    (which therefore is not held for it)."""
    level = Severity(severity or getattr(rule, "severity", None) or "error")
    return Problem(message.source, message.line(field) if field else 1, field or "(policy)",
                   text, level, getattr(rule, "id", ""), action, message_id=message.id,
                   duty=duty)


def role_name(content: Content, role_id: str | None) -> str:
    """A role as people say it: 'communications director or delegate'."""
    if role_id is None:
        return "anyone"
    role = content.roles.get(role_id)
    name = role.name if role else role_id
    # "Communications lead" reads "communications lead"; "Comms Control" keeps its capitals
    proper = any(word[:1].isupper() for word in name.split()[1:]) or name[:2].isupper()
    return name if proper else name[:1].lower() + name[1:]


def who(content: Content, role_id: str | None, at: datetime,
        services: list[str] | None = None) -> tuple[str | None, str | None]:
    """(person id, name) of the first available person in the role's chain at ``at``."""
    if role_id is None:
        return None, None
    person = roles.first_available(content, role_id, at, services)
    return (person.id, person.name) if person else (None, None)


def who_text(content: Content, role_id: str | None, at: datetime,
             services: list[str] | None = None) -> str:
    """'the communications lead; first available: Amara Okafor' (or nobody available)."""
    _, name = who(content, role_id, at, services)
    base = f"the {role_name(content, role_id)}"
    if name:
        return f"{base}; first available: {name}"
    return f"{base}; nobody in the role's fallback chain is available: escalate"


def services_of(message: Message) -> list[str]:
    return list(message.meta.services)


def published(thread: Thread, now: datetime) -> list[Message]:
    return [m for m in thread.messages if m.is_published(now)]


def is_closed(message: Message) -> bool:
    return message.closes


def thread_of(content: Content, message: Message) -> Thread:
    return content.threads[message.thread_id]
