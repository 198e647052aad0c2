"""What hostile or broken text may not carry, in one place: the rules every field obeys.

Message authors and config editors are not trusted (docs/operations.md, "Security model").
Each rule here is a pydantic validator (so a violation is a ``path:line: field: …`` problem
at ``publisher check``) or a raw-text scan the loader runs over every YAML string:

- no control characters, no characters XML cannot carry (U+FFFE…), anywhere;
- one-line fields carry no line-breaking code point at all (CR, LF, VT, FF, FS/GS/RS, NEL,
  U+2028, U+2029): a title becomes an email Subject, a name a page ``<title>``;
- fields that reach an email header carry no RFC 2047 encoded word (``=?utf-8?q?…?=``):
  Python's email package decodes them and, before 3.11.10/3.12.5 (CVE-2024-6923), writes the
  decoded CR/LF out as new header lines;
- titles and names are plain text: no HTML tags, raw or entity-encoded;
- web addresses are well-formed http(s) URLs; mail addresses are exactly one addr-spec.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, WithJsonSchema

LINE_BREAK_RE = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
"""Every code point some parser (str.splitlines, email, YAML, browsers) treats as a line end."""
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")
"""Control characters (tab and LF allowed), line separators, and what XML cannot carry."""
ENCODED_WORD_RE = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
"""Something a browser would read as an HTML tag (``a<b`` and ``< 5 Mbps`` are not)."""
MAX_TEXT = 20_000
"""Longest text of any single YAML value (a body has its own limit)."""

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDR_SPEC = rf"{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+"
ADDR_RE = re.compile(rf"^{ADDR_SPEC}$")
MAILBOX_RE = re.compile(
    rf'^(?:(?P<name>[^<>",;:@\\\[\]()]+?)\s*|"(?P<quoted>[^"\\]*)"\s*)?<(?P<addr>{ADDR_SPEC})>$')
HOST_RE = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


def _show(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def text_reason(value: str) -> str | None:
    """Why ``value`` may not appear in any field (control or XML-incompatible characters)."""
    found = CONTROL_RE.search(value)
    if found:
        kind = "line break" if LINE_BREAK_RE.match(found.group()) else "control character"
        return (f"contains the {kind} {_show(found.group())} (allowed: printable text, tabs "
                "and, where a field may have several lines, LF line breaks)")
    if len(value) > MAX_TEXT:
        return f"too long: {len(value)} characters (allowed: at most {MAX_TEXT})"
    return None


def one_line(value: str) -> str:
    """A field that must stay on one line (it becomes a header, a page title, a name)."""
    found = LINE_BREAK_RE.search(value)
    if found:
        raise ValueError(f"contains a line break ({_show(found.group())}); a line break would "
                         "end an email header or a page title early (allowed: one line of text)")
    reason = text_reason(value)
    if reason:
        raise ValueError(reason)
    return value


def plain_text(value: str) -> str:
    """A field shown as text everywhere: refused when it holds an HTML tag (even encoded)."""
    reason = text_reason(value)
    if reason:
        raise ValueError(reason)
    for candidate in (value, html.unescape(value)):
        tag = TAG_RE.search(candidate)
        if tag:
            raise ValueError(f"contains HTML markup {tag.group()[:40]!r}; this field is plain "
                             "text, shown exactly as written (allowed: text without tags)")
    return value


def header_text(value: str) -> str:
    """A field that reaches an email header: one line, and no RFC 2047 encoded word."""
    one_line(value)
    word = ENCODED_WORD_RE.search(value)
    if word:
        raise ValueError(f"contains an encoded word {word.group()[:40]!r} (=?charset?q?…?=), "
                         "which mail software decodes into other text, even new header lines "
                         "(allowed: the text itself, in any language, without =?…?=)")
    return value


def plain_line(value: str) -> str:
    return plain_text(one_line(value))


def plain_header(value: str) -> str:
    return plain_text(header_text(value))


def web_url(value: str) -> str:
    """An absolute http(s) URL with a host, nothing that could break out of an attribute."""
    one_line(value)
    bad = re.search(r"[\s\"'<>\\`{}|^]", value)
    parts = urlsplit(value)
    host = parts.hostname or ""
    if (bad or parts.scheme not in ("http", "https") or not HOST_RE.match(host)
            or parts.username is not None or parts.password is not None):
        why = f" (it contains {bad.group()!r})" if bad else ""
        raise ValueError(f"{value[:80]!r} is not a web address{why} (allowed: http://host/… or "
                         "https://host/…, without spaces, quotes or <>)")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"{value[:80]!r} is not a web address ({exc})") from exc
    return value


def mail_address(value: str) -> str:
    """Exactly one bare addr-spec (``it@example.ac.uk``): what the plan shows is what RCPT
    gets, so no display name, no second address, no comment."""
    header_text(value)
    if len(value) > 254 or not ADDR_RE.match(value):
        raise ValueError(f"{value[:80]!r} is not one email address (allowed: a single address "
                         "such as it-status@example.ac.uk, without a name or <>)")
    return value


def mailbox(value: str) -> str:
    """One address, optionally with a display name: ``TU IT <it@example.ac.uk>``."""
    header_text(value)
    if len(value) > 254 or not (ADDR_RE.match(value) or MAILBOX_RE.match(value)):
        raise ValueError(f"{value[:80]!r} is not one email address (allowed: it@example.ac.uk "
                         "or Name <it@example.ac.uk>, exactly one address)")
    return value


def mailbox_address(value: str) -> str:
    """The bare addr-spec of a value ``mailbox`` accepted."""
    found = MAILBOX_RE.match(value)
    return found.group("addr") if found else value


def unsubscribe_target(value: str) -> str:
    """A List-Unsubscribe target: one https URL or mailto: address, optionally in <>."""
    header_text(value)
    inner = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    if inner.startswith("mailto:"):
        mail_address(inner.removeprefix("mailto:").partition("?")[0])
        if re.search(r"[\s<>\"',]", inner):
            raise ValueError(f"{value[:80]!r} is not one mailto: address")
        return value
    web_url(inner)
    if not inner.startswith("https://"):
        raise ValueError(f"{value[:80]!r} is not https (allowed: https://… or mailto:…)")
    return value


def _schema(description: str, **extra: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": description, **extra})


OneLine = Annotated[str, AfterValidator(one_line)]
PlainLine = Annotated[str, AfterValidator(plain_line)]
"""A name or label: one line of plain text."""
PlainText = Annotated[str, AfterValidator(plain_text)]
HeaderTitle = Annotated[str, AfterValidator(plain_header)]
"""A message title: one line of plain text that also becomes an email Subject."""
WebUrl = Annotated[str, AfterValidator(web_url),
                   _schema("An http:// or https:// address", pattern=r"^https?://")]
MailAddress = Annotated[str, AfterValidator(mail_address),
                        _schema("One email address, e.g. it-status@example.ac.uk")]
Mailbox = Annotated[str, AfterValidator(mailbox),
                    _schema("One email address, optionally with a name: Name <a@example.ac.uk>")]
Unsubscribe = Annotated[str, AfterValidator(unsubscribe_target),
                        _schema("An https:// or mailto: address")]


def scan_strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, reason) for every key or string in parsed YAML that no field may hold."""
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (reason := text_reason(key)):
                yield where, f"the key {reason}"
            yield from scan_strings(value, where)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from scan_strings(value, f"{path}.{index}" if path else str(index))
    elif isinstance(data, str) and (reason := text_reason(data)):
        yield path, reason
