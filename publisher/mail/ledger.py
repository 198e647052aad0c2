"""The send ledger: what was sent, kept in the repository so it survives ephemeral CI runners.

One append-only JSON Lines file per message (``<content>/ledger/<thread-id>/<name>.jsonl``),
one line per event, so the ledger is human-readable, diffs well and merges without conflict
(``merge=union``: events are independent lines). Every delivery of a message (the list send,
each batch of direct recipients, each webhook) has a key; its state is its last event:

``pending`` (intent, written and fsynced *before* the send) → ``sent`` | ``failed`` |
``unknown``. A ``pending`` with no result after it means the sender died mid-send: it reads
as ``unknown``, which is never sent again automatically (only with ``--resend``).

A lock file (``fcntl.flock``) serialises senders: a second ``publisher send`` waits for the
first and then finds everything already in the ledger.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from .. import clock
from ..errors import PublisherError

State = Literal["pending", "sent", "failed", "unknown"]
FINAL: frozenset[str] = frozenset({"sent", "failed", "unknown"})
LEDGER_DIR = "ledger"
GITATTRIBUTES = "# Ledger events are independent lines: a union merge never loses one.\n" \
                "*.jsonl merge=union\n"


class LockTimeout(PublisherError):
    """Another sender holds the ledger lock for longer than we are willing to wait."""


@dataclass
class Entry:
    """The latest known state of one delivery."""

    key: str
    message_id: str
    state: State
    revision: int = 1
    at: str = ""
    detail: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def intent(self) -> dict[str, Any]:
        """The latest intent (``pending``) event: recipients, Message-ID, subject."""
        return next((e for e in reversed(self.events) if e["state"] == "pending"), {})

    @property
    def permanent(self) -> bool:
        """A failure that a plain re-run must not retry (a 5xx, a refused webhook)."""
        return bool(self.events and self.events[-1].get("permanent"))


def message_file(root: Path, message_id: str) -> Path:
    """The ledger file of one message: ``ledger/<thread>/<name>.jsonl`` (single-file threads
    use ``ledger/<thread>/message.jsonl``)."""
    thread, _, name = message_id.partition("/")
    return root / thread / f"{name or 'message'}.jsonl"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Ledger:
    """Read and append the ledger under ``<content>/ledger``."""

    def __init__(self, content_root: Path) -> None:
        self.root = Path(content_root) / LEDGER_DIR
        self._entries: dict[str, Entry] | None = None
        self._open: dict[str, int] = {}

    # ------------------------------------------------------------------ reading

    def entries(self) -> dict[str, Entry]:
        """``<message id>#<delivery key>`` → its latest state (``pending`` read as
        ``unknown``)."""
        if self._entries is None:
            self._entries = {}
            if self.root.is_dir():
                for path in sorted(self.root.rglob("*.jsonl")):
                    self._read(path)
        return self._entries

    def _read(self, path: Path) -> None:
        assert self._entries is not None
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
            except json.JSONDecodeError:
                # A line torn by a crash mid-write: the intent before it still stands.
                continue
            self._apply(event)

    def _apply(self, event: dict[str, Any]) -> None:
        assert self._entries is not None
        key = event["key"]
        slot = f"{event['message']}#{key}"
        entry = self._entries.get(slot)
        if entry is None:
            entry = self._entries[slot] = Entry(key, event["message"], "pending")
        state = event["state"]
        # A pending intent with no result after it is an interrupted send: unknown.
        entry.state = "unknown" if state == "pending" else state
        entry.revision = int(event.get("revision", entry.revision))
        entry.at = event.get("at", entry.at)
        entry.detail = event.get("detail", "") if state != "pending" else "interrupted: the " \
            "sender stopped after recording its intent and before recording a result"
        entry.events.append(event)

    def for_message(self, message_id: str) -> list[Entry]:
        return [e for e in self.entries().values() if e.message_id == message_id]

    def state_of(self, message_id: str, key: str) -> Entry | None:
        return self.entries().get(f"{message_id}#{key}")

    # ------------------------------------------------------------------ writing

    def record(self, key: str, message_id: str, state: State, revision: int,
               now: datetime, sync: bool = True, **data: Any) -> None:
        """Append one event; with ``sync`` it is fsynced (on disk) before this returns.

        Results may be written with ``sync=False``: the write survives a killed process
        (it is in the kernel) and is fsynced by ``sync()`` after each message; should a power
        cut lose it first, the delivery reads as ``unknown`` — the safe side.
        """
        event: dict[str, Any] = {
            "at": now.isoformat(timespec="seconds"),
            "key": key,
            "message": message_id,
            "revision": revision,
            "state": state,
        }
        event.update({k: v for k, v in data.items() if v not in (None, "", [], {})})
        fd = self._fd(message_id)
        os.write(fd, (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8"))
        if sync:
            os.fsync(fd)
        if self._entries is not None:
            self._apply(event)

    def sync(self) -> None:
        """fsync every ledger file written in this run."""
        for fd in self._open.values():
            os.fsync(fd)

    def close(self) -> None:
        self.sync()
        for fd in self._open.values():
            os.close(fd)
        self._open.clear()

    def _fd(self, message_id: str) -> int:
        """An append descriptor per message file, kept open for the run (one open, not one
        per event); a new file's directory entry is fsynced too."""
        fd = self._open.get(message_id)
        if fd is None:
            path = message_file(self.root, message_id)
            created = not path.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._ensure_gitattributes()
            fd = self._open[message_id] = os.open(
                path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if created:
                _fsync_dir(path.parent)
        return fd

    def _ensure_gitattributes(self) -> None:
        marker = self.root / ".gitattributes"
        if not marker.exists():
            marker.write_text(GITATTRIBUTES, encoding="utf-8")

    def reload(self) -> None:
        self._entries = None

    # ------------------------------------------------------------------ locking

    @contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        """Hold the ledger lock; wait up to ``timeout`` seconds for another sender.

        ``flock`` is released by the kernel when a holder dies (even by SIGKILL), so a
        crashed sender never leaves a stale lock behind.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / ".lock"
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            ignore.write_text(".lock\n", encoding="utf-8")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                        raise LockTimeout(
                            f"another `publisher send` holds {path} ({holder or 'unknown'}); "
                            f"waited {timeout:g}s. Run again when it has finished."
                        ) from None
                    time.sleep(0.1)
            os.ftruncate(fd, 0)
            stamp = f"pid {os.getpid()} since {clock.now():%Y-%m-%dT%H:%M:%S%z}\n"
            os.pwrite(fd, stamp.encode(), 0)
            # Another sender may have written while we waited: read the ledger afresh.
            self.reload()
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
