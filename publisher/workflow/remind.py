"""``publisher remind``: email the person who must act, once per duty.

A duty is an acknowledgment, extension, all-clear or post-incident review a thread owes (the
policy's duty findings), or an approval that is overdue or due within the hour. The reminder
goes to the first available person in the role's fallback chain, by the organisation's
configured transport, and is recorded in ``ledger/reminders.jsonl`` (commit it, like the send
ledger) so each duty is reminded once, however often the schedule runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from ..check import CheckResult
from ..content import roles
from ..content.model import Content, Message
from ..policy import load_policy, pending, steps_for
from ..policy.base import services_of

SOON = timedelta(hours=1)
LEDGER = Path("ledger") / "reminders.jsonl"


@dataclass(frozen=True)
class Duty:
    key: str
    """Stable id of the duty: the ledger remembers it was reminded."""
    message: Message
    what: str
    action: str
    person_id: str | None


def duties(result: CheckResult, now: datetime) -> list[Duty]:
    """Every duty overdue or due within the hour, with who must act."""
    content = result.content
    assert content is not None
    policy = load_policy(content)
    responsible = {r.id: getattr(r, "responsible_role", None) for r in policy.rules}
    found: dict[str, Duty] = {}
    for problem in result.problems:
        message = content.messages.get(problem.message_id)
        if not problem.duty or message is None:
            continue
        person = roles.first_available(content, responsible.get(problem.rule) or "", now,
                                       services_of(message))
        key = f"{problem.rule}:{message.thread_id}:{problem.field}"
        found[key] = Duty(key, message, problem.message, problem.action,
                          person.id if person else None)
    for message in content.messages.values():
        if message.approved:
            continue
        releases = {r.step for r in steps_for(content, policy, message)
                    if r.approval and not r.automatic}
        for step in pending(content, policy, message, now):
            if step.step not in releases or step.due is None or step.due > now + SOON:
                continue
            key = f"approval:{message.id}:{step.role}"
            when = "overdue since" if step.overdue else "due"
            found[key] = Duty(key, message, f"{step.label or 'approval'} {when} "
                              f"{content.local(step.due):%Y-%m-%d %H:%M}",
                              f"approve with `publisher approve {message.source}`",
                              step.person_id)
    return list(found.values())


def reminded(root: Path) -> set[str]:
    path = root / LEDGER
    if not path.exists():
        return set()
    return {json.loads(line)["key"] for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()}


def record(root: Path, duty: Duty, to: str, now: datetime) -> None:
    path = root / LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as ledger:
        ledger.write(json.dumps({"key": duty.key, "message": duty.message.id, "to": to,
                                 "at": now.isoformat()}) + "\n")


def email(content: Content, duty: Duty, to: str, now: datetime) -> EmailMessage:
    """A plain reminder; every header value is one line of text."""
    def line(text: str) -> str:
        return " ".join(text.split())

    mail = EmailMessage()
    mail["From"] = line(content.organisation.email.sender)
    mail["To"] = line(to)
    mail["Subject"] = line(f"[Action needed] {duty.message.title}")
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(domain=to.rpartition("@")[2] or None)
    mail.set_content(f"{duty.what}\n\nNext: {duty.action}\n\nMessage: {duty.message.id} "
                     f"({duty.message.source})\n\nSent once by `publisher remind`.\n")
    return mail
