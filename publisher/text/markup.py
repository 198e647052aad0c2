"""Markdown → safe HTML, one way for every output (pages, feeds, banner, email).

Message bodies are written by people and pass through many hands, so every HTML fragment is
sanitized with nh3 after rendering: no script, no event handlers, no ``javascript:`` URLs.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import markdown
import nh3

from ..cache import Pack, code_version, key_of
from ..content.safety import TAG_RE
from ..forked import Child, ForkError, can_fork, helper_env, stopped_on_failure

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
_memo: dict[str, str] = {}
"""This build's conversions: each text is converted once however many outputs show it."""


def attach(folder: Path | None) -> None:
    """Keep conversions in ``folder`` (the build cache) from now on; None: in memory only.

    Each build (and ``mkdocs serve`` rebuild) starts with an empty in-memory memo, so a
    long-running server does not hold every text it ever saw."""
    global _stored
    if _stored.folder != folder:
        _stored.save()
        _stored = Pack(folder)
    _memo.clear()


def save() -> None:
    """Write new conversions to the build cache (only the shards that changed)."""
    _stored.save()


def forget_use() -> None:
    """In a forked process: count only the conversions it uses from now on (``used``)."""
    _stored.forget_use()


def used() -> dict[str, str]:
    """The build cache's conversions this process used or made since ``forget_use``: a
    forked process hands them to the one that saves the cache (``take``), else they would
    be dropped from it as unused."""
    return _stored.used_entries()


def take(entries: dict[str, str]) -> None:
    """Count another process's ``used`` conversions as this build's own."""
    _stored.take({k: v for k, v in entries.items() if isinstance(v, str)})


def to_html(text: str) -> str:
    """Render a message body (Markdown) to sanitized HTML, once per text per build.

    A body appears on its thread page, in several feeds, the API and emails: it is converted
    and sanitized once, and (with the build cache) not again until its text, the code or a
    library's version changes."""
    found = _known(text)
    return found if found is not None else _remember(text, convert(text))


def _key(text: str) -> str:
    """A text's key in the build cache ("" when no cache is attached)."""
    return key_of(code_version(), text) if _stored.folder is not None else ""


def _known(text: str) -> str | None:
    """A text's HTML if this build or the build cache already has it."""
    found = _memo.get(text)
    if found is None and (key := _key(text)):
        stored = _stored.get(key)
        if isinstance(stored, str):
            found = _memo[text] = stored
    return found


def convert(text: str) -> str:
    """One text converted and sanitized, remembered nowhere (``to_html`` remembers)."""
    converter = _converter()
    converter.reset()
    return sanitize(converter.convert(text))


def _remember(text: str, converted: str) -> str:
    _memo[text] = converted
    if key := _key(text):
        _stored.put(key, converted)
    return converted


PARALLEL_MIN = 500
"""Texts to convert below which a helper process is not worth starting (about 0.3 s)."""
HELPER_SHARE = 0.45
"""The helper process's part of the texts: a little less than half, since it starts later
(a forked child starts at once, and takes half)."""


def prepare(texts: Iterable[str]) -> None:
    """Convert ahead the texts a build will show, on two cores when there are many.

    Python-Markdown was the largest cost of a cold build (a millisecond a body: 15,000 bodies
    took 13 s of one core). Half of them go to a child forked from this process
    (``forked``) while this one converts the rest; where forking is not safe (another
    thread runs, as under ``mkdocs serve``), a helper process (this module run as a program:
    the same code) takes a little less than half. Should either fail in any way, its texts
    are converted here when they are shown, as without it: only slower."""
    todo = [text for text in dict.fromkeys(texts) if _known(text) is None]
    if len(todo) < PARALLEL_MIN or (os.cpu_count() or 1) < 2:
        return
    child = None
    if can_fork():  # a copy of this process: no start-up, texts already in memory
        share = todo[:len(todo) // 2]
        child = Child.start(lambda: [convert(text) for text in share], "publisher-md",
                            "the Markdown worker")
    if child is None:  # another thread runs (mkdocs serve), or the fork failed
        share = todo[:int(len(todo) * HELPER_SHARE)]
    helper = _Helper(share) if child is None else None
    with stopped_on_failure(child):
        for text in todo[len(share):]:
            to_html(text)
    converted = helper.result() if helper is not None else _forked(child)
    if converted is not None and len(converted) == len(share):
        for text, html_text in zip(share, converted, strict=True):
            _remember(text, html_text)


def _forked(child: Child | None) -> list[str] | None:
    """What a forked worker converted; None (convert here when shown) if it failed."""
    try:
        converted = child.result() if child is not None else None
    except ForkError:
        return None
    return converted if isinstance(converted, list) else None


class _Helper:
    """``python -m publisher.text.markup``: texts as JSON on stdin; once it has read them
    all, their HTML on stdout, one JSON string a line (read as it comes: never the whole
    output in memory at once beside the texts made from it)."""

    def __init__(self, texts: list[str]) -> None:
        self.count = len(texts)
        self.converted: list[str] = []
        self.complete = False
        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "publisher.text.markup"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=helper_env())
        except OSError:
            self.process = None
            return
        self.thread = threading.Thread(target=self._talk, args=(json.dumps(texts).encode(),),
                                       daemon=True)
        self.thread.start()

    def _talk(self, payload: bytes) -> None:
        process = self.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            # the helper writes nothing before it has read everything: no pipe can stall
            process.stdin.write(payload)
            process.stdin.close()
            del payload
            for line in process.stdout:
                item = json.loads(line)
                if not isinstance(item, str):
                    return
                self.converted.append(item)
            self.complete = process.wait() == 0 and len(self.converted) == self.count
        except (OSError, ValueError):
            return

    def result(self) -> list[str] | None:
        """The HTML of each text in order, or None when the helper did not give exactly that."""
        if self.process is None:
            return None
        self.thread.join(HELPER_TIMEOUT)
        if self.thread.is_alive():  # hung: stopping it ends the thread's reading
            self.process.kill()
            self.thread.join()
            self.process.wait()
            return None
        if not self.complete:
            self.process.kill()
            self.process.wait()
            return None
        return self.converted


HELPER_TIMEOUT = 600.0


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


if __name__ == "__main__":  # the helper process of ``prepare``
    for text in json.load(sys.stdin):
        sys.stdout.write(json.dumps(convert(text)) + "\n")
