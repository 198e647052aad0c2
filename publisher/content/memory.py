"""The memory of settled threads: which threads had nothing to report, and from when.

A repository holds years of finished threads and a handful of live ones. ``check`` records
here each thread that is *settled* (nothing in it can still change with time; see
``policy.settled``) and had no problem of any kind, under a key made of its files (their text,
place and id), everything in ``content/`` outside ``messages/`` (configuration, policy,
recipient lists) and, through the cache's seal, the code version. Later runs skip such a
thread in the policy, and ``publisher check`` does not even read it again (``load``). A thread
with any problem is never recorded: its next actions name who is on the rota *now*.

Lives in ``build/.cache/settled`` (see ``cache``): safe to delete, ignored when damaged.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from ..cache import Pack, cache_root, key_of


def config_salt(root: Path) -> str | None:
    """A hash of every file in ``root`` outside ``messages/``; None when one is a symbolic
    link (its target could change unseen), so nothing is remembered then."""
    digest = hashlib.sha256()
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return None
    stack = [e for e in entries if e.name != "messages"]
    while stack:
        entry = stack.pop(0)
        if entry.is_symlink():
            return None
        if entry.is_dir():
            try:
                stack.extend(sorted(os.scandir(entry.path), key=lambda e: e.name))
            except OSError:
                return None
        elif entry.is_file():
            try:
                data = Path(entry.path).read_bytes()
            except OSError:
                return None
            digest.update(os.path.relpath(entry.path, root).encode() + b"\0"
                          + len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def fingerprint(text_key: str, source: str, message_id: str) -> str:
    """One message file: its text (already keyed), where it is and the id it has."""
    return key_of(text_key, source, message_id)


class SettledMemory:
    """Settled threads without problems, each with the instant it settled."""

    def __init__(self, root: Path) -> None:
        folder = cache_root(root)
        self.salt = config_salt(root) if folder is not None else None
        self.pack = Pack(folder / "settled" if folder is not None and self.salt else None)

    @property
    def enabled(self) -> bool:
        return self.salt is not None

    def key(self, fingerprints: Iterable[str]) -> str:
        """The key of a thread made of these message files (in any order)."""
        return key_of(self.salt or "", *sorted(fingerprints))

    def known(self, key: str, now: datetime) -> bool:
        """Whether the thread of ``key`` settled without problems, by ``now``."""
        if not self.enabled:
            return False
        since = self.pack.get(key)
        if not isinstance(since, str):
            return False
        try:
            return now >= datetime.fromisoformat(since)
        except (TypeError, ValueError):
            return False

    def remember(self, key: str, since: datetime) -> None:
        if self.enabled:
            self.pack.put(key, since.isoformat())

    def save(self) -> None:
        if self.enabled:
            self.pack.save()
