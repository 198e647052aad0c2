"""Which messages go out now, to whom, and why everything else is held back.

A message is sent when the policy allows it to be distributed: approved, with no errors
against it (``CheckResult.blocked``), with the ``email`` (or ``teams``) channel, due
(``send_at`` ≤ now), and not already in the ledger. Two safety holds on top:

- **unknown / permanently failed** deliveries are never retried by a plain run;
- **stale**: a message due longer ago than ``max_age`` and never sent is not sent
  automatically (a first run over a year of history must not email the whole year);
- **revised**: a message whose revision changed after it was sent is a correction, sent
  only on purpose.

Every recipient is judged on its own (``recipients.states``): someone a relay refused
temporarily is retried by the next run, someone already sent to is never sent to again,
however the CSV was re-ordered, re-exported, appended to or shortened, because direct
batches are keyed by who is in them, not by their position in the file.

**One rule for recipients added after a message was sent** (a list address added to an
audience, an audience added to the message, a row appended to a CSV): they get it on the
next run if that is within ``max_age`` of the message's ``send_at``, like the message itself;
later they are held as ``added`` for a person to decide (``--resend``), so editing a
year-old audience never emails a year of history.

``--resend ID`` lifts the holds for one message (it must still be approved and unblocked):
it re-attempts every recipient not confirmed sent at the current revision, or — when all
were — sends the whole message again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ..check import CheckResult
from ..content.model import Channel, Content, Message, Thread
from .address import Delivery, address
from .integrity import Gone, fingerprint
from .ledger import Ledger
from .recipients import OPEN, Rcpt, digest, rid, states

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
    """not-approved, blocked, not-due, sent, unknown, failed, renamed, stale, added,
    revised, no-address."""
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
        return [h for h in self.held if h.kind in {"unknown", "failed", "renamed"}]


def _thread_of(content: Content, message: Message) -> Thread:
    return content.threads[message.thread_id]


def _when(content: Content, instant: datetime) -> str:
    return f"{content.local(instant):%d %b %Y %H:%M %Z}"


def plan(result: CheckResult, now: datetime, ledger: Ledger, *,
         max_age: timedelta = timedelta(hours=24), resend: frozenset[str] = frozenset(),
         environ: dict[str, str] | None = None, batch_size: int | None = None,
         gone: dict[str, Gone] | None = None) -> Plan:
    """Decide, for every message with a mail channel, whether it goes now and where."""
    content = result.content
    out = Plan()
    if content is None:
        return out
    batch = batch_size or content.organisation.email.batch_size
    for message in content.messages.values():
        if not MAIL_CHANNELS & set(message.meta.channels or []):
            continue
        held = _gate(content, result, message, now)
        if held is not None:
            out.held.append(held)
            continue
        addressing = address(content, message, environ=environ)
        wanted = message.id in resend
        events = ledger.events(message.id)
        assert message.send_at is not None
        renamed = (gone or {}).get(fingerprint(message)) if not events else None
        if renamed and not wanted:
            out.held.append(Held(message, "renamed", (
                f"never sent under this name, but its text is that of {renamed.message_id} "
                f"(sent {renamed.at}), whose file is gone: a renamed or moved message is not "
                f"sent again. Carry its ledger over with `publisher ledger move "
                f"{renamed.message_id} {message.id}`, or send it as a new message on purpose "
                f"with --resend {message.id}")))
            continue
        if not events and not wanted and now - message.send_at > max_age:
            out.held.append(Held(message, "stale", (
                f"due {_when(content, message.send_at)}, more than "
                f"{max_age.total_seconds() / 3600:g}h ago and never sent: not sent "
                f"automatically (send on purpose with --resend {message.id})")))
            continue
        late = bool(events) and now - message.send_at > max_age
        todo, notes, holds = _against_ledger(message, addressing.deliveries, events, wanted,
                                             late, batch)
        out.held.extend(holds)
        notes = addressing.problems + notes
        if todo:
            out.outgoing.append(Outgoing(message, _thread_of(content, message), todo, wanted,
                                         notes))
        elif not holds:
            if events:
                last = max(e.get("at", "") for e in events)
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


def _against_ledger(message: Message, deliveries: list[Delivery], events: list[dict[str, Any]],
                    wanted: bool, late: bool, batch: int,
                    ) -> tuple[list[Delivery], list[str], list[Held]]:
    """Deliveries still to make, recipient by recipient, given what the ledger says."""
    revision = message.meta.revision
    known = states(events)
    current = Current.of(deliveries)
    if events and not wanted:
        old = sorted({r.revision for r in known.values() if r.state == "sent"})
        if old and revision not in old:
            return [], [], [Held(message, "revised", (
                f"revision {revision} differs from the sent revision "
                f"{', '.join(map(str, old))}: a correction is sent only on purpose "
                f"(--resend {message.id})"))]
    if wanted:
        # On purpose: re-attempt whoever is not confirmed sent at this revision (unknown,
        # failed, refused, never tried); when everyone was, the whole message goes again.
        again = {r for r in current.rids if not (
            r in known and known[r].state == "sent" and known[r].revision == revision)}
        return current.deliveries(again or set(current.rids), batch), [], []
    holds = _open_holds(message, known)
    legacy = any(r.startswith("legacy:") for r in known)
    todo: set[str] = set()
    retrying: list[Rcpt] = []
    added = 0
    for member in current.rids:
        if legacy and member in current.direct:
            continue  # batches recorded before recipients were named: never guess
        state = known.get(member)
        if state is None and late:
            added += 1
        elif state is None:
            todo.add(member)
        elif state.state == "retry":
            todo.add(member)
            retrying.append(state)
    notes: list[str] = []
    if retrying:
        why = "; ".join(sorted({r.detail for r in retrying})[:3])
        notes.append(f"retrying {len(retrying)} recipient(s) refused temporarily or not "
                     f"reached before ({why})")
    if added:
        holds.append(Held(message, "added", (
            f"{added} recipient(s) added after the first send and more than the --max-age "
            f"after it was due: not sent automatically (--resend {message.id} sends to them "
            "and to no one who already has it)")))
    return current.deliveries(todo, batch), notes, holds


def _open_holds(message: Message, known: dict[str, Rcpt]) -> list[Held]:
    """One hold per delivery with recipients in an unknown or failed state."""
    groups: dict[tuple[str, str], list[Rcpt]] = {}
    for state in known.values():
        if state.state in OPEN:
            groups.setdefault((state.state, state.key), []).append(state)
    holds = []
    for (kind, key), group in sorted(groups.items()):
        last = max(group, key=lambda r: r.at)
        whom = f"{len(group)} recipient(s)"
        if kind == "unknown":
            reason = (f"{key}: {whom} unknown since {last.at} ({last.detail}); never resent "
                      f"automatically: find out whether it arrived, then `publisher ledger "
                      f"resolve {message.id} --delivered` (or --not-delivered to send it "
                      "again, --abandon to stop)")
        else:
            reason = (f"{key}: {whom} failed {last.at}: {last.detail} (fix the cause, then "
                      f"--resend {message.id}, or `publisher ledger resolve {message.id} "
                      "--abandon`)")
        holds.append(Held(message, kind, reason))
    return holds


@dataclass
class Current:
    """Who a message is addressed to now, by recipient id, and how to reach them."""

    lists: Delivery | None = None
    direct: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    """rid → (address, audience, source), first audience wins for an address in two CSVs."""
    webhooks: dict[str, Delivery] = field(default_factory=dict)

    @classmethod
    def of(cls, deliveries: list[Delivery]) -> Current:
        out = cls()
        for delivery in deliveries:
            if delivery.kind == "lists":
                out.lists = delivery
            elif delivery.kind == "webhook":
                out.webhooks[delivery.key] = delivery
            else:
                for addr in delivery.recipients:
                    out.direct.setdefault(rid(addr), (addr, delivery.audiences[0],
                                                      delivery.source))
        return out

    @property
    def rids(self) -> list[str]:
        lists = list(self.lists.recipients) if self.lists else []
        return lists + list(self.direct) + list(self.webhooks)

    def deliveries(self, todo: set[str], batch: int) -> list[Delivery]:
        """The deliveries that reach ``todo``: direct batches keyed by who is in them."""
        out: list[Delivery] = []
        if self.lists:
            to = tuple(a for a in self.lists.recipients if a in todo)
            if to:
                key = "email:lists" if to == self.lists.recipients else \
                    f"email:lists:{digest(to)}"
                out.append(replace(self.lists, key=key, recipients=to))
        by_audience: dict[tuple[str, str], list[str]] = {}
        for member, (addr, audience, source) in self.direct.items():
            if member in todo:
                by_audience.setdefault((audience, source), []).append(addr)
        for (audience, source), addrs in by_audience.items():
            addrs.sort()
            for start in range(0, len(addrs), batch):
                chunk = tuple(addrs[start:start + batch])
                out.append(Delivery(f"email:direct:{audience}:{digest(chunk)}", "direct",
                                    chunk, (audience,), source=source))
        out.extend(d for key, d in self.webhooks.items() if key in todo)
        return out
