"""``publisher pipeline``: what is happening now, who owes what, and every message in flight.

First the open outages (incidents not closed, maintenance in progress) and every duty overdue
or due within the hour (``remind.duties``: the list ``publisher remind`` emails, not a copy
of it); the HTML page then lists the held messages with why and the next action.

In flight means not yet distributed: a message whose stage is not ``approved`` (withdrawn
ones excepted), an approved one whose ``send_at`` is still ahead, or a held one (an error
keeps it out of every output and send: it comes first, with what holds it). For each the policy says
which steps are still to do, who must take the next one (the first available person in the
role's fallback chain) and its deadline from the lead-time rules; overdue work comes first.

The view names reviewers and shows internal notes, so it is internal: the HTML page goes to
``build/internal/`` and is refused anywhere under ``build/site``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from .. import templates
from ..check import check
from ..content.model import Content, Message, Stage
from ..errors import Problem
from ..outdir import refuse_public
from ..status import thread_state
from . import remind, todo

DEFAULT_HTML = Path("build/internal/pipeline.html")


@dataclass
class Row:
    message: Message
    thread_title: str
    stage: str
    next_step: str
    role: str | None
    role_name: str
    person: str | None
    person_name: str | None
    due: datetime | None
    overdue: bool
    scheduled: bool
    """Approved and waiting for its send time: only distribution is left."""
    pending: list[todo.Pending] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """What blocks it: errors, and the policy's errors on a draft (reported as warnings
        until approval, so they do not stop the build of everything else)."""
        return [p for p in self.problems
                if p.is_error or p.action.endswith("(must be fixed before approval)")]

    def as_dict(self, content: Content) -> dict[str, Any]:
        meta = self.message.meta
        return {
            "message_id": self.message.id, "thread_id": self.message.thread_id,
            "path": self.message.source, "title": self.thread_title, "type": meta.type.value,
            "stage": self.stage, "next_step": self.next_step, "role": self.role,
            "role_name": self.role_name, "person": self.person, "person_name": self.person_name,
            "due": self.due.isoformat() if self.due else None, "overdue": self.overdue,
            "scheduled": self.scheduled,
            "send_at": meta.send_at.isoformat() if meta.send_at else None,
            "pending": [{"step": p.step, "role": p.role, "person": p.person,
                         "due": p.due.isoformat() if p.due else None, "overdue": p.overdue}
                        for p in self.pending if not p.automatic],
            "done": [{"step": s.step, "by": s.by, "at": s.at.isoformat()}
                     for s in meta.workflow.steps],
            "requested_by": meta.workflow.requested_by,
            "internal_notes": meta.internal_notes,
            "problems": [p.as_dict() for p in self.problems],
        }


def in_flight(message: Message, now: datetime) -> bool:
    stage = message.meta.workflow.stage
    if stage is Stage.WITHDRAWN:
        return False
    if stage is Stage.APPROVED:  # a held message is in flight again until it is fixed
        return message.held or (message.send_at is not None and message.send_at > now)
    return True


def rows(content: Content, now: datetime, problems: list[Problem] | None = None) -> list[Row]:
    """The pipeline at ``now``: overdue first, then by deadline, undated last."""
    policy = todo.load(content)
    found: list[Row] = []
    for thread in content.threads.values():
        for message in thread.messages:
            if not in_flight(message, now):
                continue
            pending = todo.pending(content, policy, message, now)
            still_to_do = [p for p in pending if not p.automatic]
            scheduled = message.approved
            mine = [p for p in (problems or []) if p.message_id == message.id]
            if message.held:
                first = next((p for p in mine if p.is_error), None)
                step, role, person, name = (f"held: {first.message if first else 'error'}"
                                            f" (next: {first.action if first else 'fix it'})",
                                            None, None, None)
                due, overdue = message.send_at, True
            elif still_to_do:
                nxt = still_to_do[0]
                step, role, person, name = nxt.step, nxt.role, nxt.person, nxt.person_name
                due, overdue = nxt.due, nxt.overdue
            elif scheduled:
                step, role, person, name = "distribution (automatic)", None, None, None
                due, overdue = message.send_at, False
            else:
                step, role, person, name = "set stage: approved", None, None, None
                due, overdue = message.send_at, bool(message.send_at and message.send_at <= now)
            role_obj = content.roles.get(role or "")
            stage = "held" if message.held else message.meta.workflow.stage.value
            found.append(Row(
                message, thread.title, stage, step, role,
                role_obj.name if role_obj else (role or ""), person, name, due, overdue,
                scheduled and not message.held, pending, mine))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    found.sort(key=lambda r: (not r.overdue, r.scheduled, r.due or far, r.message.id))
    return found


def collect(root: Path, now: datetime) -> tuple[Content, list[Row]]:
    found = board(root, now)
    return found.content, found.rows


@dataclass
class Outage:
    """A thread whose impact is live now: an open incident or maintenance in progress."""

    thread_id: str
    title: str
    kind: str
    status: str
    impact: str
    services: list[str]
    start: datetime
    expected_end: datetime | None
    overrun: bool
    """Past its expected end and still open."""
    latest: Message

    def as_dict(self) -> dict[str, Any]:
        return {"thread_id": self.thread_id, "title": self.title, "kind": self.kind,
                "status": self.status, "impact": self.impact, "services": self.services,
                "start": self.start.isoformat(),
                "expected_end": self.expected_end.isoformat() if self.expected_end else None,
                "overrun": self.overrun, "latest": self.latest.id}


@dataclass
class DutyRow:
    """A duty overdue or due within the hour (the very list ``publisher remind`` sends)."""

    duty: remind.Duty
    thread_title: str
    person_name: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.duty.key, "message_id": self.duty.message.id,
                "thread_title": self.thread_title, "what": self.duty.what,
                "action": self.duty.action, "person": self.duty.person_id,
                "person_name": self.person_name}


@dataclass
class HeldRow:
    """A message (or a file that did not load) held out of every output and send."""

    key: str
    title: str
    source: str
    problems: list[Problem]

    def as_dict(self) -> dict[str, Any]:
        return {"message_id": self.key, "title": self.title, "path": self.source,
                "problems": [p.as_dict() for p in self.problems]}


@dataclass
class Board:
    """The internal dashboard: open outages and duties first, then what is held, then the
    messages in flight."""

    content: Content
    rows: list[Row]
    outages: list[Outage]
    duties: list[DutyRow]
    held: list[HeldRow]


def open_outages(content: Content, now: datetime) -> list[Outage]:
    """Every thread whose impact is live at ``now``, overrunning ones first."""
    found = []
    for thread in content.threads.values():
        state = thread_state(thread, now)
        if state is None or not state.active:
            continue
        names = [content.services[s].name if s in content.services else s
                 for s in state.services]
        expected = state.expected_end
        found.append(Outage(thread.id, thread.title, state.kind.value,
                            state.status.value if state.status else "", state.impact.value,
                            names, state.start, expected,
                            expected is not None and expected < now, state.latest))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    found.sort(key=lambda o: (not o.overrun, o.start or far, o.thread_id))
    return found


def board(root: Path, now: datetime) -> Board:
    """Everything the team must see at ``now``, from one run of every rule."""
    result = check(root, now)
    if result.content is None:
        from ..errors import ContentError

        raise ContentError(result.problems)
    content = result.content
    duties = []
    for duty in remind.duties(result, now):
        person = content.people.get(duty.person_id or "")
        duties.append(DutyRow(duty, content.threads[duty.message.thread_id].title,
                              person.name if person else None))
    held = []
    for key, problems in result.held.items():
        message = content.messages.get(key)
        title = content.threads[message.thread_id].title if message else key
        held.append(HeldRow(key, title, message.source if message else key, problems))
    return Board(content, rows(content, now, result.problems), open_outages(content, now),
                 duties, held)


def guard_internal(path: Path) -> Path:
    """Refuse to write the internal page anywhere under a ``build/site`` directory."""
    return refuse_public(path, "the pipeline names reviewers and shows internal notes",
                         "build/internal/")


def render_html(content: Content, found: list[Row], now: datetime,
                extra: Board | None = None) -> str:
    env = templates.environment("internal", templates.project_dir(content.root),
                                autoescape=True, undefined=jinja2.StrictUndefined).overlay()

    def local(value: datetime | None, fmt: str = "%a %d %b %H:%M") -> str:
        return content.local(value).strftime(fmt) if value else "—"

    env.filters["local"] = local
    return env.get_template("pipeline.html").render(
        org=content.organisation, rows=found, now=now, people=content.people,
        overdue=sum(r.overdue for r in found), outages=extra.outages if extra else [],
        duties=extra.duties if extra else [], held=extra.held if extra else [])


def write_html(content: Content, found: list[Row], now: datetime, path: Path,
               extra: Board | None = None) -> Path:
    guard_internal(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render_html(content, found, now, extra), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a page
    return path
