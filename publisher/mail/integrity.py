"""A ledger that cannot lie: it agrees with the archive, and a message keeps its identity.

- ``check_against_archive``: every recipient the archive records as sent must be known to
  the ledger. A lost, emptied or truncated ledger (a fresh clone without it, a bad merge)
  would otherwise make everything look unsent, and the next run would email it all again;
  so ``publisher send`` refuses, and ``rebuild`` restores what the archive knows.
- ``renamed``: a message's id is its path, so a renamed or moved file looks like a new
  message. A never-sent message with the same text as a sent message whose file is gone is
  held (needs attention) until someone says which it is: ``publisher ledger move OLD NEW``
  carries the ledger over, ``--resend NEW`` sends it as new on purpose.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..content.model import Content, Message
from . import archive
from .ledger import Ledger, LedgerError
from .recipients import states


def fingerprint(message: Message) -> str:
    """What readers get, independent of the file's name: title and body."""
    text = f"{message.meta.title or ''}\n{message.body.strip()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Gone:
    """A sent message whose file no longer exists."""

    message_id: str
    at: str


def orphans(ledger: Ledger, content: Content) -> dict[str, Gone]:
    """Fingerprint → the sent message it belongs to, for ledger messages with no file now."""
    out: dict[str, Gone] = {}
    for message_id in sorted(ledger.message_ids() - set(content.messages)):
        events = ledger.events(message_id)
        sent = [e.get("at", "") for e in events if e["state"] == "sent"]
        for event in events:
            if event.get("fingerprint") and sent:
                out[event["fingerprint"]] = Gone(message_id, max(sent))
    return out


def lost(root: Path, ledger: Ledger) -> list[tuple[str, int]]:
    """(message id, recipients) the archive records as sent and the ledger does not know."""
    out = []
    for record in archive.records(root):
        message_id = record.data["message"]
        known = states(ledger.events(message_id))
        sent = (record.data.get("recipients") or {}).get("sent")
        if sent is None:  # a record from before recipients were archived
            gone = not known and any(d.get("state") == "sent"
                                     for d in record.data.get("deliveries", []))
            if gone:
                out.append((message_id, sum(1 for d in record.data["deliveries"]
                                            if d.get("state") == "sent")))
            continue
        missing = [m for m in sent if m not in known]
        if missing:
            out.append((message_id, len(missing)))
    return out


def check_against_archive(root: Path, ledger: Ledger) -> None:
    """Refuse to send when the ledger has lost sends the archive records."""
    missing = lost(root, ledger)
    if not missing:
        return
    total = sum(n for _, n in missing)
    sample = ", ".join(m for m, _ in missing[:3]) + (" …" if len(missing) > 3 else "")
    raise LedgerError(
        f"refusing to send: the archive records {total} recipient(s) of {len(missing)} "
        f"message(s) as sent that the send ledger does not know ({sample}). The ledger "
        f"({ledger.root}) is missing, emptied or damaged, and sending now would email them "
        "again. Restore it from git (git checkout -- <content>/ledger), or rebuild it from "
        "the archive: publisher ledger rebuild <content>")


def rebuild(root: Path, ledger: Ledger, now: datetime) -> list[tuple[str, int]]:
    """Append to the ledger what the archive knows about messages the ledger has lost.

    Each lost message gets one event per recipient state recorded in its archive record
    (sent, failed, unknown…), marked ``rebuilt``. Returns (message id, recipients)."""
    missing = dict(lost(root, ledger))
    done = []
    for record in archive.records(root):
        message_id = record.data["message"]
        if message_id not in missing:
            continue
        revision = int(record.data.get("revision", 1))
        by_state = record.data.get("recipients")
        if by_state is None:
            raise LedgerError(f"{record.path}: this archive record predates per-recipient "
                              "records; restore the ledger from git instead")
        count = 0
        for state, members in sorted(by_state.items()):
            ledger.record(f"rebuilt:{state}", message_id, state, revision, now=now,
                          members=members, rebuilt=str(record.path.name),
                          permanent=True if state == "failed" else None,
                          detail=f"rebuilt from the archive ({record.path.name})",
                          fingerprint=record.data.get("fingerprint"))
            count += len(members)
        done.append((message_id, count))
    ledger.sync()
    return done
