"""Small helpers shared by the non-page producers (feeds, API, banner, calendar, badges).

They answer questions every output asks the same way: which published messages are public,
how a message is titled (summaries live in ``text.summaries``), how many times a thread has
changed (feed GUIDs, calendar SEQUENCE and banner revisions all rely on that), and how to
serialise JSON safely.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..content.model import Channel, Message, Thread
from ..content.urls import absolute, message_path, thread_path
from ..status import ThreadState
from ..text.markup import plain
from ..text.summaries import TYPE_LABELS as TYPE_LABELS
from ..text.summaries import body_html as body_html
from ..text.summaries import summary_of as summary_of
from ..text.summaries import text_of as text_of

if TYPE_CHECKING:
    from . import BuildContext

PUBLIC_CHANNELS = frozenset({Channel.STATUS, Channel.NEWS, Channel.RSS})
"""A published message is public (site, feeds, API) when it goes to one of these channels;
a message sent only by email or Teams stays out of the public outputs."""

def is_public(message: Message) -> bool:
    return bool(PUBLIC_CHANNELS.intersection(message.meta.channels or ()))


def public_messages(state: ThreadState) -> list[Message]:
    """A thread's published, public messages in thread order."""
    return [m for m in state.published if is_public(m)]


def thread_of(ctx: BuildContext, message: Message) -> Thread:
    return ctx.content.threads[message.thread_id]


def message_url(ctx: BuildContext, message: Message) -> str:
    return absolute(ctx.content, message_path(thread_of(ctx, message), message))


def thread_url(ctx: BuildContext, thread: Thread) -> str:
    return absolute(ctx.content, thread_path(thread))


def title_of(ctx: BuildContext, message: Message) -> str:
    """Plain-text title of a message: its thread's title, then what kind of message it is."""
    title = plain(message.title or thread_of(ctx, message).title)
    first = thread_of(ctx, message).first
    if message is first or message.id == first.id:
        return title
    return f"{title} ({TYPE_LABELS[message.type].lower()})"


def thread_revision(messages: list[Message] | tuple[Message, ...]) -> int:
    """How many times a thread has changed: 0 for one message at revision 1.

    Each new message and each correction (``revision`` raised) adds one, so the number only
    grows; calendar SEQUENCE and banner dismissal use it.
    """
    return sum(m.meta.revision for m in messages) - 1


def iso(instant: datetime | None) -> str | None:
    """ISO 8601 with the offset kept (``2026-11-18T10:20:00+00:00``)."""
    return instant.isoformat() if instant is not None else None


def dumps(data: Any) -> bytes:
    """JSON for the public site; ``<``, ``>`` and ``&`` escaped so no consumer that pastes
    it into HTML (or a ``<script>`` block) can be tricked by a message's text."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return (text + "\n").encode("utf-8")
