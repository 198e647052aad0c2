"""RSS 2.0 and Atom 1.0 feeds (feedgen): everything, the newsroom, and one per service,
service group, audience and thread.

Each item is one published, public message. Its GUID (RSS) and id (Atom) is the message's
permalink, which depends only on ids, so a rebuild or a correction never makes a reader show
an item twice. Dates carry the organisation's timezone; links are absolute; content is the
body rendered and sanitized by ``markup.to_html``.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from ..cache import Pack, code_version, key_of
from ..content.memory import config_salt
from ..content.model import Message, ThreadKind
from ..content.urls import FEED_EXTENSIONS, FeedScope, absolute, feed_path
from ..text.markup import plain
from . import BuildContext
from .common import body_html, is_public, message_url, summary_of, title_of

AGGREGATE_LIMIT = 50
"""Items in a feed that spans many threads (all, news, service, group, audience): readers
only look at recent items, and a small feed stays cheap to poll. Thread feeds are complete."""
MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


@dataclass(frozen=True)
class FeedSpec:
    scope: FeedScope
    key: str | None
    title: str
    description: str
    messages: list[Message]
    """Newest first."""


def feed_specs(ctx: BuildContext) -> list[FeedSpec]:
    """Every feed the site offers, with its messages (newest first)."""
    content = ctx.content
    published = [m for m in ctx.report.published if is_public(m)]  # newest first
    by_service: dict[str, list[Message]] = {sid: [] for sid in content.services}
    by_audience: dict[str, list[Message]] = {aid: [] for aid in content.audiences}
    by_thread: dict[str, list[Message]] = {}
    news: list[Message] = []
    for message in published:
        for service_id in message.meta.services:
            by_service.setdefault(service_id, []).append(message)
        for audience_id in message.meta.audiences or ():
            by_audience.setdefault(audience_id, []).append(message)
        by_thread.setdefault(message.thread_id, []).append(message)
        if content.threads[message.thread_id].kind in (ThreadKind.STORY, ThreadKind.LAUNCH):
            news.append(message)  # the newsroom: stories and launches, as on the site

    specs = [
        FeedSpec("all", None, feed_title(ctx, "all", None),
                 f"Every status update and news item from {plain(content.organisation.name)}.",
                 published[:AGGREGATE_LIMIT]),
        FeedSpec("news", None, feed_title(ctx, "news", None),
                 f"News from {plain(content.organisation.name)}.", news[:AGGREGATE_LIMIT]),
    ]
    for service_id, messages in by_service.items():
        label = _label(ctx, "services", service_id)
        specs.append(FeedSpec("services", service_id, feed_title(ctx, "services", service_id),
                              f"Status updates about {label}.", messages[:AGGREGATE_LIMIT]))
    for group in content.groups:
        ids = {s.id for s in group.services}
        messages = [m for m in published if ids.intersection(m.meta.services)]
        specs.append(FeedSpec("groups", group.id, feed_title(ctx, "groups", group.id),
                              f"Status updates about {plain(group.name)}.",
                              messages[:AGGREGATE_LIMIT]))
    for audience_id, messages in by_audience.items():
        specs.append(FeedSpec("audiences", audience_id,
                              feed_title(ctx, "audiences", audience_id),
                              f"Updates for {_label(ctx, 'audiences', audience_id)}.",
                              messages[:AGGREGATE_LIMIT]))
    specs += [_thread_spec(ctx, thread_id, messages) for thread_id, messages in by_thread.items()]
    return specs


def _thread_spec(ctx: BuildContext, thread_id: str, messages: list[Message]) -> FeedSpec:
    return FeedSpec("threads", thread_id, feed_title(ctx, "threads", thread_id),
                    f"Every update on “{_label(ctx, 'threads', thread_id)}”.", messages)


def thread_specs(ctx: BuildContext, ids: Iterable[str]) -> list[FeedSpec]:
    """The feeds of the threads ``ids`` alone, as ``feed_specs`` makes them, reading only
    those threads' messages (a worker that writes them copies what it reads)."""
    specs = []
    for thread_id in ids:
        state = ctx.report.threads.get(thread_id)
        messages = sorted((m for m in state.published if is_public(m)) if state else (),
                          key=lambda m: m.send_at.timestamp(),  # type: ignore[union-attr]
                          reverse=True)  # newest first; a stable sort, as the report's
        if messages:
            specs.append(_thread_spec(ctx, thread_id, messages))
    return specs


def _fields(ctx: BuildContext, message: Message) -> dict[str, Any]:
    """Everything a feed item shows of a message (made from ``_inputs``)."""
    services = []
    for service_id in message.meta.services:
        service = ctx.content.services.get(service_id)
        services.append((service_id, plain(service.name) if service else service_id))
    return {"url": message_url(ctx, message), "title": title_of(ctx, message),
            "summary": summary_of(message), "html": body_html(message.body),
            "when": ctx.content.local(message.send_at),  # type: ignore[arg-type]
            "services": services, "type": message.type.value}


def _entry(ctx: BuildContext, fields: dict[str, Any]) -> FeedEntry:
    entry = FeedEntry()
    url = fields["url"]
    entry.id(url)
    entry.guid(url, permalink=True)
    entry.title(fields["title"])
    entry.link(href=url, rel="alternate", type="text/html")
    # RSS <description> is HTML to every reader, and a summary is plain text that may hold
    # "<img …>" shown as text on the site (a code span): escape it, so it stays text there.
    entry.summary(html.escape(fields["summary"], quote=False), type="html")
    entry.content(fields["html"], type="html")
    entry.published(fields["when"])
    entry.updated(fields["when"])
    for service_id, label in fields["services"]:
        entry.category(term=service_id, label=label, scheme=absolute(ctx.content, "services/"))
    entry.category(term=fields["type"])
    return entry


def _newest(ctx: BuildContext, spec: FeedSpec) -> datetime:
    """When the feed last changed: an empty feed dates from the newest public message
    anywhere (not the build time), so it too is byte-identical between builds until
    something is published."""
    latest = spec.messages[0] if spec.messages else next(
        (m for m in ctx.report.published if is_public(m)), None)
    return ctx.content.local(latest.send_at if latest else ctx.now)  # type: ignore[arg-type]


def _render(ctx: BuildContext, spec: FeedSpec, entry: Callable[[Message], FeedEntry]
            ) -> dict[str, bytes]:
    content = ctx.content
    newest = _newest(ctx, spec)
    out: dict[str, bytes] = {}
    for fmt in FEED_EXTENSIONS:
        path = feed_path(spec.scope, spec.key, fmt)
        feed = FeedGenerator()
        feed.id(absolute(content, path))
        feed.title(spec.title)
        # RSS's channel <description> is HTML to readers; Atom's <subtitle> is text.
        feed.subtitle(html.escape(spec.description, quote=False) if fmt == "rss"
                      else spec.description)
        feed.author(name=plain(content.organisation.name))
        feed.link(href=absolute(content, path), rel="self", type=MIME[fmt])
        feed.link(href=content.organisation.base_url, rel="alternate", type="text/html")
        feed.language("en")
        feed.updated(newest)
        feed.lastBuildDate(newest)  # stable: a rebuild with no new message changes nothing
        feed.generator("publisher")
        for message in spec.messages:
            feed.add_entry(entry(message), order="append")
        out[path] = feed.rss_str(pretty=True) if fmt == "rss" else feed.atom_str(pretty=True)
    return out


def _key(ctx: BuildContext, spec: FeedSpec, salt: str) -> str:
    """A feed's key: the code version and everything the feed shows, as the inputs
    it is made from (each item's summary and HTML are functions of the message's summary
    and body under this code version, so those texts stand for them: cheaper than making
    them on every build only to find the feed unchanged)."""
    org = ctx.content.organisation
    shown = [org.name, org.base_url, spec.scope, spec.key, spec.title, spec.description,
             _newest(ctx, spec).isoformat(), salt,
             [_inputs(ctx, m, salt) for m in spec.messages]]
    return key_of(code_version(), json.dumps(shown, sort_keys=True))


def _inputs(ctx: BuildContext, message: Message, salt: str) -> list[Any]:
    """What ``_fields`` makes an item from. With ``salt`` (every content file outside
    ``messages/``: service names, the time zone), the message's fingerprint (its file's
    bytes, place and id) stands for its own fields, and only its title, which comes from its
    thread, is written out: dumping every body of every feed was most of the key's cost."""
    if salt and message.fingerprint:
        return [message.fingerprint, message_url(ctx, message), title_of(ctx, message)]
    services = []
    for service_id in message.meta.services:
        service = ctx.content.services.get(service_id)
        services.append((service_id, plain(service.name) if service else service_id))
    return [message_url(ctx, message), title_of(ctx, message), message.meta.summary,
            message.body, ctx.content.local(message.send_at).isoformat(),  # type: ignore[arg-type]
            services, message.type.value]


SHARE = "feeds.share"
"""``ctx.extras`` key, set when a worker process writes some feeds (``outputs``): ``(ids,
here)``: with ``here`` false, only the feeds of the threads ``ids``; else every feed but
those (absent: every feed)."""
STORED = "feeds.stored"
"""``ctx.extras`` key where ``stream_feeds`` leaves its store of feed keys; with ``UNSAVED``
set (in a worker) it does not save it: the worker hands its entries to the process that
saves the cache, which ``take``s them, so two processes never write one shard."""
UNSAVED = "feeds.unsaved"


def produce_feeds(ctx: BuildContext) -> dict[str, bytes]:
    """Every feed, RSS and Atom, keyed by path under the site root."""
    return dict(stream_feeds(ctx))


def stream_feeds(ctx: BuildContext) -> Iterator[tuple[str, bytes]]:
    """Every feed, RSS and Atom, one (path, bytes) at a time: the caller writes each and
    lets it go, so thousands of thread feeds are never all in memory.

    Each item is made once however many feeds carry it (kept only for messages that more
    than one feed shows). With the build cache and a previous site (``ctx.extras["reuse"]``:
    ``(path, sha256) -> bool``, true when the previous site's file with exactly those bytes
    was linked into the new one), a feed is not drawn again while nothing it shows has
    changed: the cache keeps, under a key of everything the feed shows, the SHA-256 of
    each of its files."""
    folder = ctx.extras.get("cache")
    reuse = ctx.extras.get("reuse")
    stored = Pack(folder / "feeds") if isinstance(folder, Path) and callable(reuse) else None
    share = ctx.extras.get(SHARE)
    theirs, here = share if isinstance(share, tuple) else (frozenset(), True)
    specs = feed_specs(ctx) if here else thread_specs(ctx, theirs)
    if here and theirs:
        specs = [s for s in specs if not (s.scope == "threads" and s.key in theirs)]
    salt = (config_salt(ctx.content.root) or "") if stored is not None else ""
    shared = {m.id for spec in specs if spec.scope != "threads" for m in spec.messages}
    made: dict[str, dict[str, Any]] = {}
    entries: dict[str, FeedEntry] = {}
    current: dict[str, dict[str, Any]] = {}
    current_entries: dict[str, FeedEntry] = {}

    def fields(message: Message) -> dict[str, Any]:
        # kept for the whole run only for messages that several feeds show; else for the
        # one feed being made (its key, then its entries)
        found = made.get(message.id) or current.get(message.id) or _fields(ctx, message)
        (made if message.id in shared else current)[message.id] = found
        return found

    def entry(message: Message) -> FeedEntry:
        found = (entries.get(message.id) or current_entries.get(message.id)
                 or _entry(ctx, fields(message)))
        (entries if message.id in shared else current_entries)[message.id] = found
        return found

    for spec in specs:
        current.clear()
        current_entries.clear()
        key = _key(ctx, spec, salt) if stored is not None else ""
        found = stored.get(key) if stored is not None and key else None
        paths = {feed_path(spec.scope, spec.key, fmt) for fmt in FEED_EXTENSIONS}
        if (callable(reuse) and isinstance(found, dict) and set(found) == paths
                and all(isinstance(v, str) for v in found.values())
                and all([reuse(path, digest) for path, digest in sorted(found.items())])):
            continue
        out = _render(ctx, spec, entry)
        if stored is not None and key:
            stored.put(key, {path: hashlib.sha256(data).hexdigest()
                             for path, data in out.items()})
        yield from out.items()
    if stored is not None:
        ctx.extras[STORED] = stored
        if not ctx.extras.get(UNSAVED):
            stored.save()


def _label(ctx: BuildContext, scope: FeedScope, key: str | None) -> str:
    """What one feed is about, in words: a service, group or audience name, a thread title."""
    content = ctx.content
    if scope == "services" and key in content.services:
        return plain(content.services[key].name)
    if scope == "groups":
        return next((plain(g.name) for g in content.groups if g.id == key), key or "")
    if scope == "audiences" and key in content.audiences:
        return plain(content.audiences[key].name)
    if scope == "threads" and key in content.threads:
        return plain(content.threads[key].title)
    return key or ""


def feed_title(ctx: BuildContext, scope: FeedScope, key: str | None) -> str:
    """A feed's title: the same in the feed itself and in every page's autodiscovery link,
    and different for every feed, so a reader offered two feeds on one page can tell them
    apart (an incident page offers "…: all updates" and "…: <the incident's title>")."""
    name = plain(ctx.content.organisation.short_name or ctx.content.organisation.name)
    if scope == "all":
        return f"{name}: all updates"
    if scope == "news":
        return f"{name}: news"
    label = _label(ctx, scope, key)
    return f"{name}: for {label}" if scope == "audiences" else f"{name}: {label}"


def alternate_links(ctx: BuildContext, scopes: Iterable[tuple[FeedScope, str | None]]
                    ) -> list[dict[str, str]]:
    """Autodiscovery ``<link rel="alternate">`` attributes for a page (site-root-relative
    href), e.g. ``[("all", None), ("services", "email")]`` for a service page. Titles are the
    feeds' own (``feed_title``) with the format: "Westmarch IT: Email (RSS)"."""
    links = []
    for scope, key in scopes:
        label = feed_title(ctx, scope, key)
        for fmt in FEED_EXTENSIONS:
            links.append({"rel": "alternate", "type": MIME[fmt],
                          "title": f"{label} ({fmt.upper() if fmt == 'rss' else 'Atom'})",
                          "href": feed_path(scope, key, fmt)})
    return links
