"""Small helpers shared by the non-page producers (feeds, API, banner, calendar, badges).

They answer questions every output asks the same way: which published messages are public,
how a message is titled and summarised, how many times a thread has changed (feed GUIDs,
calendar SEQUENCE and banner revisions all rely on that), and how to serialise JSON safely.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import nh3

from ..content.model import Channel, Message, MessageType, Thread
from ..content.urls import absolute, message_path, thread_path
from ..status import ThreadState
from ..text.markup import plain, to_html

if TYPE_CHECKING:
    from . import BuildContext

PUBLIC_CHANNELS = frozenset({Channel.STATUS, Channel.NEWS, Channel.RSS})
"""A published message is public (site, feeds, API) when it goes to one of these channels;
a message sent only by email or Teams stays out of the public outputs."""

TYPE_LABELS = {
    MessageType.PLANNED_MAINTENANCE: "Planned maintenance",
    MessageType.NEW_SERVICE_LAUNCH: "New service",
    MessageType.ANNOUNCEMENT: "Announcement",
    MessageType.REMINDER: "Reminder",
    MessageType.UNPLANNED_OUTAGE: "Outage",
    MessageType.UPDATE: "Update",
    MessageType.EXTENSION: "Extended",
    MessageType.ALL_CLEAR: "Resolved",
    MessageType.EMERGENCY_CHANGE: "Emergency change",
    MessageType.LEADERSHIP_MESSAGE: "Message from leadership",
    MessageType.MAJOR_INCIDENT: "Major incident",
    MessageType.POST_INCIDENT_REVIEW: "Post-incident review",
    MessageType.NEWS: "News",
}


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


@lru_cache(maxsize=16384)
def body_html(body: str) -> str:
    """``markup.to_html``, once per body: feeds, API, calendar and snippets all need it, and
    Markdown is the most expensive step of every producer."""
    return to_html(body)


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|dd|dt|summary)>")
_BREAK = "\ue000"  # a private-use character marks block ends through the tag stripping


def text_of(body: str) -> str:
    """Plain text of a Markdown body, one line per paragraph (soft line breaks joined), for
    JSON, SMS and calendar descriptions where hard-wrapped source lines would show."""
    marked = _BLOCK_END.sub(lambda m: m.group(0) + _BREAK, body_html(body))
    text = html.unescape(nh3.clean(marked, tags=set()))
    paragraphs = (" ".join(part.split()) for part in text.split(_BREAK))
    return "\n\n".join(p for p in paragraphs if p)


def summary_of(message: Message, limit: int = 300) -> str:
    """Plain-text summary: the ``summary`` field, else the body's start, cut at a word."""
    text = plain(message.meta.summary) if message.meta.summary else text_of(message.body)
    return shorten(" ".join(text.split()), limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


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
