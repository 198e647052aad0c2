"""When a thread is settled: nothing the policy says about it can change with time any more.

Every rule looks at one message or one thread (``kinds.per_message``/``per_thread``), so a
thread's findings depend only on its own messages (and a reminder's original), the
configuration, the policy, the code and the instant. A thread is *settled* once the instant
no longer matters: every message approved and sent, an outage or maintenance thread closed,
and the instant past its last date by more than the longest period any rule counts (the
policy's largest ``…_days``/``…_hours``/``…_minutes`` figure, plus a week). A settled thread
without findings keeps having none; ``check`` records such threads in
``content.memory.SettledMemory`` and later runs skip them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..content.model import Message, Thread, ThreadKind

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
