"""The archive of what was sent (first source document: the comms lead archives materials).

Each message that was (or may have been) sent leaves ``<content>/archive/<thread>/<name>.r<N>.eml``
(exactly the bytes sent to the lists) and a ``.json`` record beside it: when, to whom, the
Message-ID, every delivery's state and every recipient's. The archive lives in the repository
with the ledger, so CI commits it back.

- The ``.eml`` is written *before* the first delivery, so a crash mid-send still leaves the
  record of a message that may have reached people, and it is never overwritten: a resend
  whose bytes differ (a new Date) gets ``<name>.r<N>.2.eml`` and so on.
- Direct recipients (a CSV) are recorded by count and digest, never by address, and refused
  ones likewise: personal addresses stay out of git history (the addresses of refused
  recipients are only in the git-ignored ``ledger/.local/refused.log``).
- The ``.json`` holds every recipient's state by id, so ``publisher ledger rebuild`` can
  rebuild a lost ledger from it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ledger import Entry, Ledger
from .recipients import states

ARCHIVE_DIR = "archive"


def record_paths(content_root: Path, message_id: str, revision: int) -> tuple[Path, Path]:
    thread, _, name = message_id.partition("/")
    folder = Path(content_root) / ARCHIVE_DIR / thread
    stem = f"{name or 'message'}.r{revision}"
    return folder / f"{stem}.eml", folder / f"{stem}.json"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)


def _eml_files(content_root: Path, message_id: str, revision: int) -> list[Path]:
    eml, _ = record_paths(content_root, message_id, revision)
    extra = sorted(eml.parent.glob(f"{eml.stem}.*.eml"),
                   key=lambda p: int(p.suffixes[-2].lstrip(".") or 0)
                   if p.suffixes[-2].lstrip(".").isdigit() else 0)
    return ([eml] if eml.exists() else []) + extra


def keep_eml(content_root: Path, message_id: str, revision: int, eml: bytes) -> Path:
    """Archive the bytes about to be sent; an existing .eml is never overwritten."""
    first, _ = record_paths(content_root, message_id, revision)
    existing = _eml_files(content_root, message_id, revision)
    for path in existing:
        if path.read_bytes() == eml:
            return path
    target = first if not existing else first.with_name(
        f"{first.stem}.{len(existing) + 1}.eml")
    # O_EXCL: even two writers racing cannot replace an archived email.
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(eml)
        handle.flush()
        os.fsync(handle.fileno())
    return target


def _delivery(entry: Entry) -> dict[str, Any]:
    last = entry.events[-1] if entry.events else {}
    intent = entry.intent
    refused = {**(last.get("deferred") or {}), **(last.get("refused") or {})}
    if entry.key.startswith("email:direct:") and refused:
        shown: Any = {"count": len(refused), "digest": hashlib.sha256(
            "\n".join(sorted(refused)).encode()).hexdigest()[:12]}
    else:
        shown = refused
    return {k: v for k, v in {
        "key": entry.key, "state": entry.state, "at": entry.at, "to": intent.get("to"),
        "count": intent.get("count"), "source": intent.get("source"),
        "mail_id": intent.get("mail_id"), "refused": shown, "detail": entry.detail,
        "resolved": last.get("resolved"),
    }.items() if v not in (None, "", [], {})}


def refresh(content_root: Path, ledger: Ledger, message_id: str) -> Path | None:
    """Write the archive record of one message (every revision it has) from its ledger."""
    events = ledger.events(message_id)
    entries = ledger.for_message(message_id)
    if not events:
        return None
    intents = [e for e in events if e["state"] == "pending"]
    last_intent = intents[-1] if intents else events[-1]
    revision = int(last_intent.get("revision", 1))
    eml_path, json_path = record_paths(content_root, message_id, revision)
    rcpts = states(events)
    by_state: dict[str, list[str]] = {}
    for member, rcpt in sorted(rcpts.items()):
        by_state.setdefault(rcpt.state, []).append(member)
    sent = sorted(r.at for r in rcpts.values() if r.state == "sent")
    lists_ids = [e.get("mail_id") for e in intents if not e["key"].startswith("email:direct:")]
    record = {
        "message": message_id, "revision": revision,
        "subject": last_intent.get("subject", ""),
        "message_id": next((m for m in reversed(lists_ids) if m),
                           last_intent.get("mail_id", "")),
        "transport": last_intent.get("transport", ""),
        "fingerprint": last_intent.get("fingerprint"),
        "first_sent": sent[0] if sent else None, "last_sent": sent[-1] if sent else None,
        "eml": eml_path.name if eml_path.exists() else None,
        "emls": [p.name for p in _eml_files(content_root, message_id, revision)],
        "counts": {state: len(members) for state, members in sorted(by_state.items())},
        "deliveries": [_delivery(e) for e in sorted(entries, key=lambda e: e.key)],
        "recipients": by_state,
        "events": len(events),
    }
    _atomic_write(json_path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n")
                  .encode("utf-8"))
    return json_path


def catch_up(content_root: Path, ledger: Ledger) -> list[str]:
    """Refresh every archive record behind its ledger (a sender killed mid-message, an
    operator's resolve): the archive then shows every message that may have reached anyone."""
    done = []
    for message_id in sorted(ledger.message_ids()):
        events = ledger.events(message_id)
        intents = [e for e in events if e["state"] == "pending"]
        revision = int((intents[-1] if intents else events[-1]).get("revision", 1))
        _, json_path = record_paths(content_root, message_id, revision)
        try:
            seen = json.loads(json_path.read_text(encoding="utf-8")).get("events")
        except (OSError, ValueError, AttributeError):
            seen = None
        if seen != len(events):
            refresh(content_root, ledger, message_id)
            done.append(message_id)
    return done


@dataclass
class Record:
    path: Path
    data: dict[str, Any]

    @property
    def to(self) -> list[str]:
        """Who it went to, briefly: list addresses, counts of direct recipients, webhooks."""
        out: list[str] = []
        direct = 0
        for delivery in self.data.get("deliveries", []):
            if delivery.get("state") != "sent":
                continue
            if delivery["key"].startswith("email:lists"):
                out.extend(a for a in delivery.get("to") or [] if a not in out)
            elif delivery["key"].startswith("email:direct:"):
                direct += int(delivery.get("count") or 0) - int(
                    (delivery.get("refused") or {}).get("count", 0))
            else:
                out.append(delivery["key"].removeprefix("webhook:").replace(":", " "))
        if direct:
            out.append(f"{direct} direct")
        return out

    @property
    def open(self) -> dict[str, int]:
        """Recipients that did not (or may not have) got it: state → count."""
        counts = self.data.get("counts") or {}
        return {s: n for s, n in counts.items() if s not in {"sent", "abandoned"}}


def records(content_root: Path) -> list[Record]:
    """Every archive record, oldest send first."""
    root = Path(content_root) / ARCHIVE_DIR
    found = []
    for path in sorted(root.rglob("*.json")) if root.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "message" in data:
            found.append(Record(path, data))
    return sorted(found, key=lambda r: (r.data.get("first_sent") or "", r.data["message"]))
