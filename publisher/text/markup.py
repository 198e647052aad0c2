"""Markdown → safe HTML, one way for every output (pages, feeds, banner, email).

Message bodies are written by people and pass through many hands, so every HTML fragment is
sanitized with nh3 after rendering: no script, no event handlers, no ``javascript:`` URLs.
"""

from __future__ import annotations

import html
import re
from functools import cache, lru_cache
from pathlib import Path

import markdown
import nh3

from ..cache import Pack, code_version, key_of
from ..content.safety import TAG_RE

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"},
                      "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    """Markdown with raw HTML switched off: ``<b>`` in a body is shown as text.

    Python-Markdown's raw-HTML parsing is quadratic or worse in unclosed ``<`` (15 KB of
    ``<a `` took 8 s), and every tag it let through was then removed by nh3 anyway."""
    converter = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    return converter


def sanitize(html: str) -> str:
    """Keep only harmless markup; links get rel="noopener noreferrer"."""
    return nh3.clean(
        _CONTROL.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


_stored = Pack(None)
"""Converted texts kept between builds (``build/.cache/html``), when a build attached it."""


def attach(folder: Path | None) -> None:
    """Keep conversions in ``folder`` (the build cache) from now on; None: in memory only.

    Each build (and ``mkdocs serve`` rebuild) starts with an empty in-memory memo, so a
    long-running server does not hold every text it ever saw."""
    global _stored
    if _stored.folder != folder:
        _stored.save()
        _stored = Pack(folder)
    to_html.cache_clear()


def save() -> None:
    """Write new conversions to the build cache (only the shards that changed)."""
    _stored.save()


@cache
def to_html(text: str) -> str:
    """Render a message body (Markdown) to sanitized HTML, once per text per build.

    A body appears on its thread page, in several feeds, the API and emails: it is converted
    and sanitized once, and (with the build cache) not again until its text, the code or a
    library's version changes."""
    key = key_of(code_version(), text) if _stored.folder is not None else ""
    if key:
        found = _stored.get(key)
        if isinstance(found, str):
            return found
    converter = _converter()
    converter.reset()
    html = sanitize(converter.convert(text))
    if key:
        _stored.put(key, html)
    return html


@lru_cache(maxsize=65536)
def plain(text: str) -> str:
    """A title or other one-line field as plain text: exactly what was written, without
    control characters or line breaks. Never HTML: every output escapes it once itself
    (``a<b`` stays ``a<b``; ``< 5 Mbps`` never turns into a literal ``&lt;``)."""
    return " ".join(_CONTROL.sub("", text).split())


def without_tags(text: str) -> str:
    """Plain text with no HTML tag in it, even after decoding entities once.

    For text other systems may put into innerHTML (banner.json, Teams and Slack posts): a
    body can show ``<img …>`` as text (a code span, or HTML written in the body, which is
    not interpreted), and there it would become an element. Titles with tags are refused by
    ``check``; in a body's text such pieces are dropped (docs/banner.md)."""
    while True:
        cleaned = TAG_RE.sub("", text)
        if cleaned == text:
            decoded = html.unescape(cleaned)
            if not TAG_RE.search(decoded):
                return text
            cleaned = decoded  # shorter than before: the loop ends
        text = cleaned
