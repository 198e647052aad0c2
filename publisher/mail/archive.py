"""The archive of what was sent (first source document: the comms lead archives materials).

Each sent message leaves ``<content>/archive/<thread>/<name>.r<revision>.eml`` (exactly the
bytes sent to the lists) and a ``.json`` record beside it: when, to whom, the Message-ID and
every delivery's state. The archive lives in the repository with the ledger, so CI commits it
back. Direct recipients (a CSV) are recorded by count and file digest, not by name: personal
addresses stay out of git history.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .ledger import Entry

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


def write(content_root: Path, *, message_id: str, revision: int, subject: str,
          mail_id: str, eml: bytes | None, entries: list[Entry], transport: str) -> Path:
    """Write (or refresh) the archive record of one message from its ledger entries."""
    eml_path, json_path = record_paths(content_root, message_id, revision)
    if eml is not None:
        _atomic_write(eml_path, eml)
    deliveries = []
    for entry in sorted(entries, key=lambda e: e.key):
        last = entry.events[-1] if entry.events else {}
        intent = entry.intent
        deliveries.append({k: v for k, v in {
            "key": entry.key, "state": entry.state, "at": entry.at,
            "to": intent.get("to"), "count": intent.get("count"), "source": intent.get("source"),
            "refused": last.get("refused"), "detail": entry.detail,
        }.items() if v not in (None, "", [], {})})
    sent = sorted(e.at for e in entries if e.state == "sent")
    record = {
        "message": message_id, "revision": revision, "subject": subject,
        "message_id": mail_id, "transport": transport,
        "first_sent": sent[0] if sent else None, "last_sent": sent[-1] if sent else None,
        "eml": eml_path.name if eml_path.exists() else None,
        "deliveries": deliveries,
    }
    _atomic_write(json_path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n")
                  .encode("utf-8"))
    return json_path


@dataclass
class Record:
    path: Path
    data: dict[str, Any]

    @property
    def to(self) -> list[str]:
        """Who it went to, briefly: list addresses, counts of direct recipients, webhooks."""
        out: list[str] = []
        for delivery in self.data.get("deliveries", []):
            if delivery.get("state") != "sent":
                continue
            if delivery["key"] == "email:lists":
                out.extend(delivery.get("to") or [])
            elif delivery["key"].startswith("email:direct:"):
                out.append(f"{delivery.get('count', '?')} direct ({delivery['key'].split(':')[2]})")
            else:
                out.append(delivery["key"].removeprefix("webhook:").replace(":", " "))
        return out


def records(content_root: Path) -> list[Record]:
    """Every archive record, oldest send first."""
    root = Path(content_root) / ARCHIVE_DIR
    found = [Record(p, json.loads(p.read_text(encoding="utf-8")))
             for p in root.rglob("*.json")] if root.is_dir() else []
    return sorted(found, key=lambda r: (r.data.get("first_sent") or "", r.data["message"]))
