"""Markdown → safe HTML, one way for every output (pages, feeds, banner, email).

Message bodies are written by people and pass through many hands, so every HTML fragment is
sanitized with nh3 after rendering: no script, no event handlers, no ``javascript:`` URLs.
"""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3

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
    return markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")


def sanitize(html: str) -> str:
    """Keep only harmless markup; links get rel="noopener noreferrer"."""
    return nh3.clean(
        _CONTROL.sub("", html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


@lru_cache(maxsize=16384)
def to_html(text: str) -> str:
    """Render a message body (Markdown) to sanitized HTML.

    Cached: a body appears on its thread page, in several feeds, the API and emails, and a
    pure function of its text need not be converted and sanitized each time."""
    converter = _converter()
    converter.reset()
    return sanitize(converter.convert(text))


def plain(text: str) -> str:
    """A title or other one-line field as plain text: no markup, no control characters."""
    return _CONTROL.sub("", nh3.clean(text, tags=set())).replace("&amp;", "&").strip()
