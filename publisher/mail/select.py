"""Which messages go out now, to whom, and why everything else is held back.

A message is sent when the policy allows it to be distributed: approved, with no errors
against it (``CheckResult.blocked``), with the ``email`` (or ``teams``) channel, due
(``send_at`` ≤ now), and not already in the ledger. Two safety holds on top:

- **unknown / permanently failed** deliveries are never retried by a plain run;
- **stale**: a message due longer ago than ``max_age`` and never sent is not sent
  automatically (a first run over a year of history must not email the whole year);
- **revised**: a message whose revision changed after it was sent is a correction, sent
  only on purpose.

``--resend ID`` lifts the holds for one message (it must still be approved and unblocked):
it re-attempts the deliveries not confirmed sent at the current revision, or — when all
were — sends the whole message again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..check import CheckResult
from ..content.model import Channel, Content, Message, Thread
from .address import Delivery, address
from .ledger import Entry, Ledger

MAIL_CHANNELS = {Channel.EMAIL, Channel.TEAMS}


@dataclass
class Outgoing:
    """A message with the deliveries this run will make."""

    message: Message
    thread: Thread
    deliveries: list[Delivery]
    resend: bool = False
    notes: list[str] = field(default_factory=list)
    """Parts that cannot be addressed, or are held while the rest goes."""


@dataclass
class Held:
    message: Message
    kind: str
    """not-approved, blocked, not-due, sent, unknown, failed, stale, revised, no-address."""
    reason: str


@dataclass
class Plan:
    outgoing: list[Outgoing] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)

    @property
    def deliveries(self) -> int:
        return sum(len(o.deliveries) for o in self.outgoing)

    @property
    def attention(self) -> list[Held]:
        """Holds that need a person: ambiguous or permanently failed sends."""
        return [h for h in self.held if h.kind in {"unknown", "failed"}]


def _thread_of(content: Content, message: Message) -> Thread:
    return content.threads[message.thread_id]


def _when(content: Content, instant: datetime) -> str:
    return f"{content.local(instant):%d %b %Y %H:%M %Z}"


def plan(result: CheckResult, now: datetime, ledger: Ledger, *,
         max_age: timedelta = timedelta(hours=24), resend: frozenset[str] = frozenset(),
         environ: dict[str, str] | None = None) -> Plan:
    """Decide, for every message with a mail channel, whether it goes now and where."""
    content = result.content
    out = Plan()
    if content is None:
        return out
    for message in content.messages.values():
        if not MAIL_CHANNELS & set(message.meta.channels or []):
            continue
        held = _gate(content, result, message, now)
        if held is not None:
            out.held.append(held)
            continue
        addressing = address(content, message, environ=environ)
        wanted = message.id in resend
        entries = {e.key: e for e in ledger.for_message(message.id)}
        todo, notes, holds = _against_ledger(content, message, addressing.deliveries, entries,
                                             wanted)
        assert message.send_at is not None
        if not entries and not wanted and now - message.send_at > max_age:
            out.held.append(Held(message, "stale", (
                f"due {_when(content, message.send_at)}, more than "
                f"{max_age.total_seconds() / 3600:g}h ago and never sent: not sent "
                f"automatically (send on purpose with --resend {message.id})")))
            continue
        out.held.extend(holds)
        notes = addressing.problems + notes
        if todo:
            out.outgoing.append(Outgoing(message, _thread_of(content, message), todo, wanted,
                                         notes))
        elif not holds:
            if entries:
                last = max(e.at for e in entries.values())
                out.held.append(Held(message, "sent", f"already sent ({last})"))
            else:
                out.held.append(Held(message, "no-address", "; ".join(notes) or
                                     "nothing to send to"))
    return out


def _gate(content: Content, result: CheckResult, message: Message,
          now: datetime) -> Held | None:
    """The policy gates: approved, no errors, due."""
    if not message.approved:
        return Held(message, "not-approved",
                    f"workflow stage is {message.meta.workflow.stage.value}, not approved")
    blocked = result.blocked(message.id)
    if blocked:
        first = blocked[0]
        more = f" (and {len(blocked) - 1} more)" if len(blocked) > 1 else ""
        return Held(message, "blocked", f"{len(blocked)} error(s): {first}{more}")
    if message.send_at is None:
        return Held(message, "not-due", "no send_at")
    if message.send_at > now:
        return Held(message, "not-due", f"due {_when(content, message.send_at)}")
    return None


def _confirmed(entry: Entry | None, revision: int) -> bool:
    return entry is not None and entry.state == "sent" and entry.revision == revision


def _against_ledger(content: Content, message: Message, deliveries: list[Delivery],
                    entries: dict[str, Entry], wanted: bool,
                    ) -> tuple[list[Delivery], list[str], list[Held]]:
    """Deliveries still to make, given what the ledger says about each one."""
    del content
    revision = message.meta.revision
    if entries and not wanted:
        old = sorted({e.revision for e in entries.values() if e.state == "sent"})
        if old and revision not in old:
            return [], [], [Held(message, "revised", (
                f"revision {revision} differs from the sent revision "
                f"{', '.join(map(str, old))}: a correction is sent only on purpose "
                f"(--resend {message.id})"))]
    todo: list[Delivery] = []
    notes: list[str] = []
    holds: list[Held] = []
    if wanted:
        # On purpose: re-attempt what is not confirmed sent at this revision (unknown, failed,
        # never tried); when everything was confirmed, the whole message goes again.
        todo = [d for d in deliveries if not _confirmed(entries.get(d.key), revision)]
        return (todo or list(deliveries)), notes, holds
    for delivery in deliveries:
        entry = entries.get(delivery.key)
        if entry is None:
            todo.append(delivery)
        elif entry.state == "unknown":
            holds.append(Held(message, "unknown", (
                f"{delivery.key}: delivery unknown since {entry.at} ({entry.detail}); "
                f"never resent automatically: check with the mail server, then "
                f"--resend {message.id} if it did not arrive")))
        elif entry.state == "failed" and entry.permanent:
            holds.append(Held(message, "failed", (
                f"{delivery.key}: failed {entry.at}: {entry.detail} "
                f"(fix the cause, then --resend {message.id})")))
        elif entry.state == "failed":
            todo.append(delivery)
            notes.append(f"{delivery.key}: retrying after a temporary failure ({entry.detail})")
    return todo, notes, holds
