"""The send ledger: what was sent, kept in the repository so it survives ephemeral CI runners.

One append-only JSON Lines file per message (``<content>/ledger/<thread-id>/<name>.jsonl``),
one line per event, so the ledger is human-readable, diffs well and merges without conflict
(``merge=union``: events are independent lines). Every delivery of a message (a list send, a
batch of direct recipients, a webhook post) has a key; its state is its last event:

``pending`` (intent, written and fsynced *before* the send) → ``sent`` | ``failed`` |
``unknown``, then possibly an operator's ``resolve`` (``sent``, ``retry``, ``abandoned``).
A ``pending`` with no result after it means the sender died mid-send: it reads as
``unknown``, which is never sent again automatically. Who got what is worked out per
recipient from these events by ``recipients.states``.

Writes are checked: a short write or a failed ``fsync`` raises ``LedgerError`` (the send
stops before the transport is called), and a line torn by an earlier crash is terminated
before anything is appended after it, so one torn line never swallows the next event.

A lock file (``fcntl.flock``) serialises senders: a second ``publisher send`` waits for the
first and then finds everything already in the ledger.
"""

from __future__ import annotations

import contextlib
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

State = Literal["pending", "sent", "failed", "unknown", "retry", "abandoned"]
LEDGER_DIR = "ledger"
LOCAL_DIR = ".local"
"""``ledger/.local``: git-ignored details that must stay out of git (refused addresses)."""
GITATTRIBUTES = "# Ledger events are independent lines: a union merge never loses one.\n" \
                "*.jsonl merge=union\n"
GITIGNORE = ".lock\n.local/\n"
INTERRUPTED = ("interrupted: the sender stopped after recording its intent and before "
               "recording a result")


class LockTimeout(PublisherError):
    """Another sender holds the ledger lock for longer than we are willing to wait."""


class LedgerError(PublisherError):
    """The ledger cannot be read or written: sending stops rather than guess."""


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


def write_all(fd: int, data: bytes, what: str) -> None:
    """Write every byte or raise ``LedgerError``; a partial write is cut off again.

    ``os.write`` may write fewer bytes than asked (a full disk, a file size limit). A short
    line left behind would be an intent that never became durable, so the file is truncated
    back to where it was; if even that fails, the torn tail is terminated on the next open.
    """
    start = os.lseek(fd, 0, os.SEEK_END)
    done = 0
    try:
        while done < len(data):
            written = os.write(fd, data[done:])
            if written <= 0:
                raise OSError(28, "no space left on device (wrote 0 bytes)")
            done += written
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, start)
        raise LedgerError(f"cannot write the send ledger {what}: {exc.strerror or exc} "
                          f"({done} of {len(data)} bytes written); nothing more is sent "
                          "until it can be written (free space or fix permissions, then "
                          "run again)") from exc


def _read_events(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        raise LedgerError(f"cannot read the send ledger {path}: {exc.strerror or exc}") from exc
    events = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except json.JSONDecodeError:
            continue  # a line torn by a crash mid-write: the intent before it still stands
        if isinstance(event, dict) and {"key", "message", "state"} <= event.keys():
            events.append(event)
    return events


class Ledger:
    """Read and append the ledger under ``<content>/ledger``."""

    def __init__(self, content_root: Path) -> None:
        self.root = Path(content_root) / LEDGER_DIR
        self._entries: dict[str, Entry] | None = None
        self._events: dict[str, list[dict[str, Any]]] = {}
        self._open: dict[str, int] = {}
        self._dirty: set[str] = set()

    # ------------------------------------------------------------------ reading

    def entries(self) -> dict[str, Entry]:
        """``<message id>#<delivery key>`` → its latest state (``pending`` read as
        ``unknown``)."""
        if self._entries is None:
            self._entries = {}
            self._events = {}
            if self.root.is_dir():
                for path in sorted(self.root.rglob("*.jsonl")):
                    if LOCAL_DIR in path.relative_to(self.root).parts:
                        continue
                    for event in _read_events(path):
                        self._apply(event)
        return self._entries

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
        entry.detail = event.get("detail", "") if state != "pending" else INTERRUPTED
        entry.events.append(event)
        self._events.setdefault(event["message"], []).append(event)

    def for_message(self, message_id: str) -> list[Entry]:
        return [e for e in self.entries().values() if e.message_id == message_id]

    def events(self, message_id: str) -> list[dict[str, Any]]:
        """Every event of one message, in the order written."""
        self.entries()
        return list(self._events.get(message_id, []))

    def message_ids(self) -> set[str]:
        self.entries()
        return set(self._events)

    def state_of(self, message_id: str, key: str) -> Entry | None:
        return self.entries().get(f"{message_id}#{key}")

    # ------------------------------------------------------------------ writing

    def record(self, key: str, message_id: str, state: State, revision: int,
               now: datetime, sync: bool = True, **data: Any) -> None:
        """Append one event; with ``sync`` it is fsynced (on disk) before this returns.

        Results may be written with ``sync=False``: the write survives a killed process
        (it is in the kernel) and is fsynced by ``sync()`` after each window; should a power
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
        line = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8")
        write_all(fd, line, f"for {message_id}")
        self._dirty.add(message_id)
        if sync:
            self._fsync(fd, message_id)
        if self._entries is not None:
            self._apply(event)

    def carry(self, old_id: str, new_id: str) -> int:
        """Copy the events of a message whose file moved to its new id (under the lock).

        The ledger knows messages by id: without this, a message sent under its old id
        would look unsent under the new one and go out again. Returns how many were carried.
        """
        old_file = message_file(self.root, old_id)
        if not old_file.exists():
            return 0
        with self.lock():
            events = [{**event, "message": new_id, "renamed_from": old_id}
                      for event in _read_events(old_file) if event.get("message") == old_id]
            fd = self._fd(new_id)
            for event in events:
                write_all(fd, (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8"),
                          f"for {new_id}")
            self._fsync(fd, new_id)
            self.reload()
        return len(events)

    def _fsync(self, fd: int, message_id: str) -> None:
        self._dirty.discard(message_id)
        try:
            os.fsync(fd)
        except OSError as exc:
            raise LedgerError(f"cannot flush the send ledger for {message_id} to disk: "
                              f"{exc.strerror or exc}") from exc

    def sync(self) -> None:
        """fsync every ledger file written to since its last fsync."""
        for message_id in sorted(self._dirty):
            self._fsync(self._open[message_id], message_id)

    def close(self) -> None:
        """Flush and close; never raises (a failure was reported by the write itself)."""
        for fd in self._open.values():
            with contextlib.suppress(OSError):
                os.fsync(fd)
            with contextlib.suppress(OSError):
                os.close(fd)
        self._open.clear()

    def _fd(self, message_id: str) -> int:
        """An append descriptor per message file, kept open for the run (one open, not one
        per event); a new file's directory entry is fsynced, a torn last line terminated."""
        fd = self._open.get(message_id)
        if fd is not None:
            return fd
        path = message_file(self.root, message_id)
        try:
            created = not path.exists()
            path.parent.mkdir(parents=True, exist_ok=True)
            self._ensure_gitattributes()
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LedgerError(f"cannot open the send ledger {path}: "
                              f"{exc.strerror or exc}") from exc
        self._open[message_id] = fd
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            # A crash tore the last line: end it, so the next event is a line of its own.
            write_all(fd, b"\n", f"{path} (terminating a torn last line)")
        if created:
            with contextlib.suppress(OSError):
                _fsync_dir(path.parent)
        return fd

    def _ensure_gitattributes(self) -> None:
        marker = self.root / ".gitattributes"
        if not marker.exists():
            marker.write_text(GITATTRIBUTES, encoding="utf-8")
        ignore = self.root / ".gitignore"
        if not ignore.exists() or ignore.read_text(encoding="utf-8") != GITIGNORE:
            ignore.write_text(GITIGNORE, encoding="utf-8")

    def reload(self) -> None:
        self._entries = None

    # ------------------------------------------------------------------ locking

    @contextmanager
    def lock(self, timeout: float = 60.0) -> Iterator[None]:
        """Hold the ledger lock; wait up to ``timeout`` seconds for another sender.

        ``flock`` is released by the kernel when a holder dies (even by SIGKILL), so a
        crashed sender never leaves a stale lock behind.
        """
        path = self.root / ".lock"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._ensure_gitattributes()
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise LedgerError(f"cannot use the send ledger {self.root}: "
                              f"{exc.strerror or exc}") from exc
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
            stamp = f"pid {os.getpid()} since {clock.now():%Y-%m-%dT%H:%M:%S%z}\n"
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, stamp.encode(), 0)
            # Another sender may have written while we waited: read the ledger afresh.
            self.reload()
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
