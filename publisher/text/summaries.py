"""Plain-text labels and summaries of messages, shared by the site, feeds, API and snippets.

Every output says a message's kind and summary the same way; the HTML of each body is
converted once per process and reused.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3

from ..content.model import Message, MessageType
from .markup import plain, to_html

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


body_html = to_html
"""A body as sanitized HTML: ``markup.to_html``, which converts each text once per build."""


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|dd|dt|summary)>")
_BREAK = "\ue000"  # a private-use character marks block ends through the tag stripping


def text_of(body: str) -> str:
    """Plain text of a Markdown body, one line per paragraph (soft line breaks joined), for
    JSON, SMS and calendar descriptions where hard-wrapped source lines would show."""
    return html_text(body_html(body))


@lru_cache(maxsize=32768)
def html_text(fragment: str) -> str:
    """``text_of`` a body already converted (``body_html``)."""
    marked = _BLOCK_END.sub(lambda m: m.group(0) + _BREAK, fragment)
    text = html.unescape(nh3.clean(marked, tags=set()))
    paragraphs = (" ".join(part.split()) for part in text.split(_BREAK))
    return "\n\n".join(p for p in paragraphs if p)


def summary_of(message: Message, limit: int = 300) -> str:
    """Plain-text summary: the ``summary`` field, else the body's start, cut at a word."""
    return summary_text(plain(message.meta.summary) if message.meta.summary
                        else text_of(message.body), limit)


def summary_text(text: str, limit: int = 300) -> str:
    """A summary made of ``text`` (a summary field, plain, or a body's ``text_of``)."""
    return shorten(" ".join(text.split()), limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"
