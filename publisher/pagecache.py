"""Whole pages kept between builds, so a page whose inputs did not change skips the theme.

Drawing a page through mkdocs-material's templates is the largest cost of a build and the
same cost for a page that has not changed since the last build. ``PageCache`` gives each
page a key made from everything its HTML depends on:

- the page itself: path, title, description, feeds and every value its template is given
  (``Page.data``: the thread's messages as HTML, lights, links, times);
- the build's *fingerprint*: the code version (package source, library versions), every
  file of the page templates folder and of the theme's overrides folder, the bytes of
  ``mkdocs.yml``, the site name and URL, the theme and ``extra`` settings;
- the build instant and the next planned change after it, only for pages whose templates
  show them (``updated``, ``next_change``), and for every page when the theme overrides
  read ``config.extra.publisher``.

A page found under its key is written as it was; any other is drawn and stored. Keys never
repeat with different inputs, so nothing needs invalidating: a change makes new keys.

Making a thread page's data only to compute its key was most of what a warm build did with
thousands of unchanged threads. So each thread page's key is also kept under a *thread key*
(``threads/``) made from what the page is made of, cheaply known: the fingerprint above,
every file of the content outside ``messages/`` (``config_salt``: services, organisation,
people, policy), the fingerprints of the thread's published messages (their bytes, places
and ids), the thread's state (status, impacts, times, open), the page's sitemap date, and
the instant and next change when the thread is open or carries a major incident's cascade
plan. A thread key that finds a page key lets the page be linked from the previous site
without making its data; else the page is made, keyed and drawn as any other.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from mkdocs.config.defaults import MkDocsConfig

from . import templates
from .cache import Blobs, Pack, cache_root, code_version, files_digest, key_of
from .content.memory import config_salt
from .renderers.site import Page
from .status import ThreadState

NOW_VARIABLES = frozenset({"updated", "next_change"})
"""The page templates' names for the build instant and the next planned change after it."""


def _folder_files(folders: list[Path]) -> list[Path]:
    return [p for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file()]


def _theme_files(config: MkDocsConfig) -> list[Path]:
    """The files of every theme folder except mkdocs-material's and mkdocs' own (whose
    versions are part of the code version; material's icons alone are thousands of files)."""
    import material
    import mkdocs

    installed = (Path(material.__file__).resolve().parent, Path(mkdocs.__file__).resolve().parent)
    return _folder_files([Path(d) for d in config.theme.dirs
                          if not any(Path(d).resolve().is_relative_to(i) for i in installed)])


class PageCache:
    """Keys and stored HTML for one build's pages (``build/.cache/pages``)."""

    def __init__(self, content_root: Path, config: MkDocsConfig, env: jinja2.Environment,
                 now: str) -> None:
        root = cache_root(content_root)
        self.blobs = Blobs(root / "pages" if root is not None else None)
        self.env, self.now = env, now
        overrides = _theme_files(config)
        reads_now = any(b"extra.publisher" in p.read_bytes() for p in overrides)
        extra = {k: v for k, v in config.extra.items() if k != "publisher" or reads_now}
        config_file = Path(config.config_file_path or "")
        settings = json.dumps({
            "site_name": config.site_name, "site_url": config.site_url,
            "theme": {k: config.theme[k] for k in sorted(config.theme)}, "extra": extra,
            "mkdocs.yml": config_file.read_text(encoding="utf-8")
            if config_file.is_file() else "",
        }, sort_keys=True, default=str)
        pages = _folder_files(templates.search_path("pages", templates.project_dir(
            content_root)))
        self.fingerprint = key_of(code_version(), files_digest(pages), files_digest(overrides),
                                  settings)
        self.shows_now: dict[str, bool] = {}
        self.keys: dict[str, str] = {}
        salt = config_salt(content_root) if root is not None else None
        self.salt = salt or ""
        self.threads = Pack(root / "threads" if root is not None and salt else None)
        self.thread_keys: dict[str, str] = {}
        self.drawn: list[tuple[str, str, str]] = []

    def _shows_now(self, template: str) -> bool:
        """Whether a page template (or one it includes or imports) reads ``updated`` or
        ``next_change``."""
        if template not in self.shows_now:
            self.shows_now[template] = True  # until proven otherwise (and against cycles)
            source = self.env.loader.get_source(self.env, template)[0]  # type: ignore[union-attr]
            parsed = self.env.parse(source)
            used = bool(NOW_VARIABLES & jinja2.meta.find_undeclared_variables(parsed))
            for other in jinja2.meta.find_referenced_templates(parsed):
                used = used or other is None or self._shows_now(other)
            self.shows_now[template] = used
        return self.shows_now[template]

    def key(self, page: Page, extra: dict[str, Any]) -> str | None:
        """The page's key, or None when its data is not plain JSON (then never cached).
        ``extra``: what else the theme is given of the page (its title and meta)."""
        try:
            data = json.dumps([page.path, page.title, page.description, page.feeds,
                               page.template, page.live, page.data, extra], sort_keys=True)
        except (TypeError, ValueError):
            return None
        now = self.now if page.live and self._shows_now(page.template) else ""
        key = key_of(self.fingerprint, now, data)
        self.keys[page.src_uri] = key
        thread_key = self.thread_keys.get(page.src_uri)
        if thread_key:
            self.threads.put(thread_key, key)
        return key

    def thread_page_key(self, src_uri: str, state: ThreadState, lastmod: str) -> str | None:
        """The key a thread's page had when last made from exactly these inputs (see the
        module's docstring), or None; either way the page's key is kept under them."""
        if self.threads.folder is None:
            return None
        published = state.published
        clock = (state.open or any(m.meta.major_incident is not None for m in published))
        shown = json.dumps([
            src_uri, lastmod, self.now if clock else "", [m.fingerprint for m in published],
            [state.status.value if state.status else None, sorted(
                (k, v.value) for k, v in state.services.items()), state.impact.value,
             state.start.isoformat(), state.expected_end.isoformat()
             if state.expected_end else None, state.end.isoformat() if state.end else None,
             state.open, state.active]])
        if not all(m.fingerprint for m in published):
            return None  # a message not read from a file (a preview's copy): never kept
        thread_key = key_of("thread-page", self.fingerprint, self.salt, shown)
        self.thread_keys[src_uri] = thread_key
        found = self.threads.get(thread_key)
        return found if isinstance(found, str) and len(found) == 64 else None

    def adopt(self, src_uri: str, key: str) -> None:
        """A page linked under the key its thread key found: known and kept as if made."""
        self.keys[src_uri] = key
        self.keep(src_uri)

    def has(self, src_uri: str) -> bool:
        """Whether a page is stored under its key (read and checked only when written)."""
        key = self.keys.get(src_uri)
        return bool(key) and self.blobs.has(key)  # type: ignore[arg-type]

    def get(self, src_uri: str) -> str | None:
        """The stored HTML of a page, if its key is known and stored intact."""
        key = self.keys.get(src_uri)
        found = self.blobs.get(key) if key else None
        return found.decode("utf-8") if found is not None else None

    def keep(self, src_uri: str) -> None:
        """Keep a page's stored HTML though this build did not read it (its file was linked
        from the previous site): a later build without that site still finds it."""
        key = self.keys.get(src_uri)
        if key:
            self.blobs.keep(key)

    def put(self, src_uri: str, html: str, dest: str) -> None:
        """Note a page drawn in this build (``html``, written by mkdocs to ``dest`` in the
        site folder), to be stored once it is written (``store``)."""
        key = self.keys.get(src_uri)
        if key:
            written = html.encode("utf-8", errors="xmlcharrefreplace")  # as mkdocs writes it
            self.drawn.append((key, dest, hashlib.sha256(written).hexdigest()))

    def store(self, site: Path) -> None:
        """Store every page drawn in this build from the file mkdocs wrote for it."""
        for key, dest, digest in self.drawn:
            self.blobs.link(key, os.path.join(site, dest), digest)
        self.drawn.clear()
