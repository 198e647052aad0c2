"""The steps one message must follow, as rows: done (by whom, when), or to do (who, by when).

``publisher steps`` prints these rows and the pipeline and editor can show them; the decisions
(which workflow, which steps, who is first available) stay in ``workflow`` and ``base``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..content.model import Content, Message
from .base import CascadeRow
from .config import Policy
from .major import cascade_plan
from .workflow import match, pending, plan, steps_for


@dataclass(frozen=True)
class StepRow:
    """One step of a message's workflow and where it stands."""

    step: str
    label: str
    role: str | None
    also: tuple[str, ...]
    done: bool
    by: str | None = None
    """Who recorded it (person id), when done by a person."""
    at: datetime | None = None
    person: str | None = None
    """The first available person in the role's chain, when still to do."""
    due: datetime | None = None
    overdue: bool = False
    automatic: bool = False
    """Done by ``publisher send`` at the send time: nobody's to-do, never overdue."""

    def as_json(self) -> dict[str, Any]:
        return {"step": self.step, "label": self.label, "role": self.role,
                "also": list(self.also), "done": self.done, "by": self.by,
                "at": self.at.isoformat() if self.at else None, "person": self.person,
                "due": self.due.isoformat() if self.due else None, "overdue": self.overdue,
                "automatic": self.automatic}


@dataclass(frozen=True)
class StepReport:
    message: Message
    workflow: str | None
    workflow_label: str
    rows: list[StepRow] = field(default_factory=list)
    cascade: list[CascadeRow] = field(default_factory=list)


def step_report(content: Content, policy: Policy, message: Message, now: datetime
                ) -> StepReport:
    """Every step ``message`` must follow at ``now``, with the cascade plan of a major incident."""
    required = steps_for(content, policy, message)
    waiting = {(p.step, p.role): p for p in pending(content, policy, message, now)}
    chosen = plan(content, policy, message)
    rows = []
    for req, record in zip(required, match(content, message, required), strict=True):
        todo = waiting.get((req.step, req.role))
        rows.append(StepRow(
            req.step, req.label, req.role, req.also,
            # nothing recorded and nothing waiting: distribution by the pipeline, already sent
            done=record is not None or todo is None,
            by=record.by if record else None, at=record.at if record else None,
            person=todo.person if todo else None, due=todo.due if todo else None,
            overdue=bool(todo and todo.overdue) and not req.automatic,
            automatic=req.automatic))
    label = chosen.spec.label if chosen.spec else "no workflow in the policy"
    return StepReport(message, chosen.name, label, rows,
                      cascade_plan(content, policy, message, now))
