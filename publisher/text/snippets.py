"""SMS and social-media texts for the channels a comms lead sends by hand.

Second source document: during a major incident the team posts short updates with "links to
further information online" and texts subscribers of the SMS alert service. Per message this
gives an SMS (at most 160 characters) and a social post (at most 280), each with the thread's
permalink. The wording is the message's ``sms:`` / ``social:`` field when given, else derived
from its title, type, window and summary. An override without a link of its own (a URL,
``host/path`` or the status site's host) gets the thread link appended; if that makes it too
long, ``publisher check`` fails with the message's path and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from ..content.model import Content, Message, MessageType
from ..content.urls import absolute, thread_path
from ..errors import Problem, Severity
from .markup import plain
from .summaries import TYPE_LABELS, summary_of

LIMITS = {"sms": 160, "social": 280}
ASCII = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                       "…": "...", "\u00a0": " "})
"""SMS is sent in the GSM 7-bit alphabet; one curly quote would halve the length allowed."""
WINDOW_TYPES = (MessageType.PLANNED_MAINTENANCE, MessageType.REMINDER,
                MessageType.EMERGENCY_CHANGE, MessageType.EXTENSION)


@dataclass(frozen=True)
class Snippet:
    message_id: str
    link: str
    sms: str
    social: str
    sms_override: bool
    social_override: bool


def thread_link(content: Content, message: Message) -> str:
    return absolute(content, thread_path(content.threads[message.thread_id]))


_LINK = re.compile(r"https?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/\S*", re.IGNORECASE)


def has_link(content: Content, text: str) -> bool:
    """Whether wording already carries a link: a URL, ``host/path``, or the site's host."""
    host = urlsplit(content.organisation.base_url).hostname or ""
    return bool(_LINK.search(text)) or (bool(host) and host in text)


def with_link(content: Content, text: str, link: str) -> str:
    """An override as written when it already carries a link, else + the thread link."""
    text = " ".join(plain(text).split())
    return text if has_link(content, text) else f"{text} {link}"


def _fit(text: str, room: int, ellipsis: str) -> str:
    if len(text) <= room:
        return text
    cut = text[: max(room - len(ellipsis), 0)]
    if " " in cut[room // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + ellipsis


def _when(content: Content, message: Message) -> str:
    window = message.meta.window
    if message.type not in WINDOW_TYPES or window is None or window.start is None:
        return ""
    start = content.local(window.start)
    end: datetime | None = window.expected_end
    text = f"{start:%a %d %b %H:%M}"
    if end is not None:
        end = content.local(end)
        text += f"-{end:%H:%M}" if end.date() == start.date() else f" to {end:%a %d %b %H:%M}"
    return text


def derive(content: Content, message: Message, limit: int, sms: bool) -> str:
    """Wording made from the message: who, what, which kind of update, when, then as much of
    the summary as fits, then the link."""
    link = thread_link(content, message)
    org = content.organisation
    who = plain(org.short_name or org.name)
    thread = content.threads[message.thread_id]
    title = plain(message.title or thread.title)
    kind = "" if message.id == thread.first.id else f" - {TYPE_LABELS[message.type]}"
    when = _when(content, message)
    head = f"{who}: {title}{kind}." + (f" {when}." if when else "")
    ellipsis = "..." if sms else "…"
    room = limit - len(link) - 1
    if sms:
        head = head.translate(ASCII)
    head = _fit(head, room, ellipsis)
    rest = summary_of(message, 1000)
    if sms:
        rest = rest.translate(ASCII).replace("…", "...")
    space = room - len(head) - 1
    if space > 20 and rest:
        head = f"{head} {_fit(rest, space, ellipsis)}"
    return f"{head} {link}"


def snippet(content: Content, message: Message) -> Snippet:
    link = thread_link(content, message)
    meta = message.meta
    sms = (with_link(content, meta.sms, link) if meta.sms
           else derive(content, message, LIMITS["sms"], sms=True))
    social = (with_link(content, meta.social, link) if meta.social
              else derive(content, message, LIMITS["social"], sms=False))
    return Snippet(message.id, link, sms, social, bool(meta.sms), bool(meta.social))


def snippet_problems(content: Content) -> list[Problem]:
    """An ``sms:`` or ``social:`` override that is too long once the thread link is added."""
    problems = []
    for message in content.messages.values():
        for name, limit in LIMITS.items():
            override = getattr(message.meta, name)
            if not override:
                continue
            text = with_link(content, override, thread_link(content, message))
            if len(text) > limit:
                linked = "" if has_link(content, plain(override)) else " with the thread link"
                problems.append(Problem(
                    message.source, message.line(name), name,
                    f"{len(text)} characters{linked} (allowed: at most {limit}); shorten it"
                    + (" or put a shorter link in the text" if linked else ""),
                    Severity.ERROR, f"O-{name}-length", message_id=message.id))
    return problems
