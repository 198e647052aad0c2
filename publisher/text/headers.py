"""Email header values: subject convention, deterministic Message-IDs, and the CR/LF guard.

A header value with CR or LF lets whoever wrote it add headers (``Bcc:``) or a body of their
choosing, so every value that reaches a header is checked by ``publisher check``
(``header_problems``) and refused again at send time (``refuse_unsafe``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from ..content.model import Content, Message, MessageType, Thread, ThreadKind
from ..errors import Problem, PublisherError, relpath
from .markup import plain

BREAK = re.compile(r"[\r\n]")

PREFIX: dict[MessageType, str] = {
    MessageType.PLANNED_MAINTENANCE: "[Planned maintenance]",
    MessageType.NEW_SERVICE_LAUNCH: "[New service]",
    MessageType.ANNOUNCEMENT: "",
    MessageType.REMINDER: "[Reminder]",
    MessageType.UNPLANNED_OUTAGE: "[Outage]",
    MessageType.UPDATE: "[Update]",
    MessageType.EXTENSION: "[Update: extended]",
    MessageType.ALL_CLEAR: "[Resolved]",
    MessageType.EMERGENCY_CHANGE: "[Emergency change]",
    MessageType.LEADERSHIP_MESSAGE: "",
    MessageType.MAJOR_INCIDENT: "[Major incident]",
    MessageType.POST_INCIDENT_REVIEW: "[Incident review]",
    MessageType.NEWS: "",
}
"""Subject prefixes by message type, so readers can triage their inbox by subject alone."""


class UnsafeHeader(PublisherError):
    """A header value contains CR or LF; the message is refused, never sent."""


def subject(message: Message, thread: Thread) -> str:
    """``[Resolved] Student records unavailable`` and so on, by message type and thread."""
    prefix = PREFIX[message.type]
    if message.type is MessageType.ALL_CLEAR and thread.kind is ThreadKind.MAINTENANCE:
        prefix = "[Completed]"
    elif message.type is MessageType.UPDATE and thread.first.type is MessageType.MAJOR_INCIDENT:
        prefix = "[Major incident update]"
    title = plain(message.title)
    return f"{prefix} {title}" if prefix else title


def domain(content: Content) -> str:
    """The right-hand side of our Message-IDs: the status site's host name."""
    return urlsplit(content.organisation.site_url).hostname or "publisher.invalid"


def message_id(content: Content, message: Message) -> str:
    """Deterministic Message-ID from message id and revision: a resend of the same revision
    carries the same id, so mail clients and list archives recognise it as the same email."""
    local = message.id.replace("/", ".")
    return f"<{local}.r{message.meta.revision}@{domain(content)}>"


def refuse_unsafe(headers: dict[str, str]) -> None:
    """Raise ``UnsafeHeader`` if any header value contains CR or LF."""
    for name, value in headers.items():
        if BREAK.search(value):
            raise UnsafeHeader(f"{name}: header value contains a line break (CR or LF): "
                               f"{value!r}; refusing to send")


# --------------------------------------------------------------------------- check


def _config_line(path: Path, key: str, after: str | None = None) -> int:
    """Best-effort line of ``key:`` in a config file (after the line containing ``after``)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    start = 0
    if after is not None:
        start = next((i for i, line in enumerate(lines) if after in line), 0)
    pattern = re.compile(rf"^\s*(-\s*)?{re.escape(key)}\s*:")
    for index in range(start, len(lines)):
        if pattern.match(lines[index]):
            return index + 1
    return 0


def _config_values(content: Content) -> Iterator[tuple[Path, str, str, str, str | None]]:
    """(file, field shown, key, value, anchor) for every config value that becomes a header."""
    org = content.root / "organisation.yml"
    email = content.organisation.email
    for shown, key, value in (("email.from", "from", email.sender),
                              ("email.reply_to", "reply_to", email.reply_to),
                              ("email.list_unsubscribe", "list_unsubscribe",
                               email.list_unsubscribe)):
        if value:
            yield org, shown, key, value, None
    for index, audience in enumerate(content.audiences.values()):
        if audience.address:
            yield (content.root / "audiences.yml", f"audiences[{index}].address", "address",
                   audience.address, f"id: {audience.id}")
    for service in content.services.values():
        if service.subscribers:
            yield (content.root / "services.yml", f"services.{service.id}.subscribers",
                   "subscribers", service.subscribers, f"id: {service.id}")


def header_problems(content: Content) -> list[Problem]:
    """Every config value that would reach an email header and contains CR or LF.

    Message titles (the Subject) are checked by the loader already; this covers the
    addresses and settings in the config files."""
    problems: list[Problem] = []
    hint = "a line break in an email header would let it add headers (allowed: one line)"
    for path, shown, key, value, anchor in _config_values(content):
        if BREAK.search(value):
            problems.append(Problem(relpath(path), _config_line(path, key, anchor), shown,
                                    hint, rule="L-header"))
    return problems
