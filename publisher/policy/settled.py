"""Threads the policy has nothing more to say about, remembered between runs.

A repository holds years of finished threads and a handful of live ones. Every rule looks at
one message or one thread (``kinds.per_message``/``per_thread``), so a thread's findings
depend only on its own messages (and a reminder's original), the configuration, the policy,
the code and the instant. A thread is *settled* once nothing in it can still change with
time: every message approved and sent, an outage or maintenance thread closed, and the
instant past its last date by more than the longest period any rule counts (the policy's
largest ``…_days``/``…_minutes`` figure, plus a week). A settled thread with no finding keeps
having none, so ``check`` remembers it (``build/.cache/policy``, keyed by all of the above)
and skips it next time. Threads with findings are always evaluated afresh: their actions
name who must act now, which changes with the rota.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..cache import Pack, cache_root, files_digest, key_of
from ..content.model import Content, Message, Thread, ThreadKind

MARGIN = timedelta(days=7)


def horizon(source: Any) -> timedelta:
    """The longest period any rule of the policy counts, plus a margin."""
    longest = timedelta(0)
    stack = [source]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, int | float) and not isinstance(item, bool):
                    name = str(key)
                    if name.endswith("days"):
                        longest = max(longest, timedelta(days=item))
                    elif name.endswith("hours"):
                        longest = max(longest, timedelta(hours=item))
                    elif name.endswith("minutes"):
                        longest = max(longest, timedelta(minutes=item))
                else:
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
    return longest + MARGIN


def _dates(message: Message) -> list[datetime]:
    meta = message.meta
    found = [meta.send_at, meta.workflow.intake, *(step.at for step in meta.workflow.steps)]
    if meta.window is not None:
        found += [meta.window.start, meta.window.expected_end, meta.window.actual_end]
    return [d for d in found if d is not None]


def settled_from(thread: Thread, wait: timedelta) -> datetime | None:
    """From when ``thread`` can no longer change with time; None while it still can."""
    last = thread.messages[-1]
    if not all(m.approved and m.send_at is not None for m in thread.messages):
        return None
    if thread.kind in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE) and not last.closes:
        return None
    return max(d for m in thread.messages for d in _dates(m)) + wait


class Settled:
    """The settled, finding-free threads of earlier runs (``build/.cache/policy``)."""

    def __init__(self, content: Content) -> None:
        folder = cache_root(content.root)
        self.pack = Pack(folder / "policy" if folder is not None else None)
        self.enabled = folder is not None
        self.wait = horizon(content.policy_source)
        config = [content.root / name for name in
                  ("organisation.yml", "services.yml", "audiences.yml", "people.yml",
                   "policy.yml")]
        self.salt = key_of(files_digest(config), str(self.wait))
        self.messages = content.messages

    def key(self, thread: Thread) -> str:
        parts = [self.salt]
        for message in thread.messages:
            parts.append(message.fingerprint)
            original = self.messages.get(message.meta.workflow.reminder_of or "")
            if original is not None:
                parts.append(original.fingerprint)
        return key_of(*parts)

    def known(self, key: str, now: datetime) -> bool:
        """Whether the thread of ``key`` was settled without findings, and still is at ``now``."""
        if not self.enabled:
            return False
        since = self.pack.get(key)
        if not isinstance(since, str):
            return False
        try:
            return now >= datetime.fromisoformat(since)
        except (TypeError, ValueError):
            return False

    def remember(self, key: str, thread: Thread, now: datetime) -> None:
        """Keep a thread that had no findings at ``now``, if it is settled by then."""
        if not self.enabled:
            return
        since = settled_from(thread, self.wait)
        if since is not None and now >= since:
            self.pack.put(key, since.isoformat())

    def save(self) -> None:
        if self.enabled:
            self.pack.save()
