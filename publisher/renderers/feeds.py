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
from typing import IO, Any, NamedTuple

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from ..cache import Pack, code_version, key_of
from ..content.memory import config_salt
from ..content.model import Message, ThreadKind
from ..content.urls import FEED_EXTENSIONS, FeedScope, at_base, feed_path
from ..text.markup import plain
from ..text.summaries import html_text, summary_text
from . import BuildContext
from .common import body_html, is_public, message_url, title_of

AGGREGATE_LIMIT = 50
"""Items in a feed that spans many threads (all, news, service, group, audience): readers
only look at recent items, and a small feed stays cheap to poll. Thread feeds are complete."""
MIME = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


class Item(NamedTuple):
    """What a feed shows of one message, as plain data: a helper process gets it as JSON."""

    url: str
    title: str
    summary: str | None
    """The message's own summary (plain text); None: the start of its body."""
    html: str
    when: str
    """When it was sent: ISO 8601 in the organisation's timezone."""
    services: list[tuple[str, str]]
    """(id, name) of each service it is about."""
    type: str
    stands: list[Any]
    """What the item counts as in a feed's cache key (``_item``)."""


class Feed(NamedTuple):
    """One feed to write, its messages named by id."""

    scope: FeedScope
    key: str | None
    title: str
    description: str
    newest: str
    """When it last changed (``_newest``), ISO 8601."""
    ids: list[str]
    """Its messages, newest first."""


@dataclass(frozen=True)
class Plan:
    """Every feed to write and everything each shows, without the content it came from:
    ``render`` needs nothing else, so a helper process can write the feeds from it
    (``write_plan``, ``read_plan``)."""

    name: str
    """The organisation's name, plain."""
    base_url: str
    salt: str
    """Stands for every content file outside ``messages/`` in the keys (``_item``); ""
    without a store."""
    store: Path | None
    """Where the key of each feed is kept (the build cache's ``feeds``), if anywhere."""
    feeds: Iterable[Feed]
    item: Callable[[str], Item]
    """A message's item, by id (made when asked for, or read with its feed)."""
    stands: Callable[[str], list[Any]]
    """What a message stands for in a feed's key (``Item.stands``, without making the item:
    a rebuild checks every feed's key and draws few)."""
    shared: frozenset[str]
    """The messages several feeds show: their items are made once (``render``)."""


def feed_specs(ctx: BuildContext) -> list[Feed]:
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
        _feed(ctx, "all", None, feed_title(ctx, "all", None),
              f"Every status update and news item from {plain(content.organisation.name)}.",
              published[:AGGREGATE_LIMIT]),
        _feed(ctx, "news", None, feed_title(ctx, "news", None),
              f"News from {plain(content.organisation.name)}.", news[:AGGREGATE_LIMIT]),
    ]
    for service_id, messages in by_service.items():
        label = _label(ctx, "services", service_id)
        specs.append(_feed(ctx, "services", service_id, feed_title(ctx, "services", service_id),
                           f"Status updates about {label}.", messages[:AGGREGATE_LIMIT]))
    for group in content.groups:
        ids = {s.id for s in group.services}
        messages = [m for m in published if ids.intersection(m.meta.services)]
        specs.append(_feed(ctx, "groups", group.id, feed_title(ctx, "groups", group.id),
                           f"Status updates about {plain(group.name)}.",
                           messages[:AGGREGATE_LIMIT]))
    for audience_id, messages in by_audience.items():
        specs.append(_feed(ctx, "audiences", audience_id,
                           feed_title(ctx, "audiences", audience_id),
                           f"Updates for {_label(ctx, 'audiences', audience_id)}.",
                           messages[:AGGREGATE_LIMIT]))
    for thread_id, messages in by_thread.items():
        specs.append(_feed(ctx, "threads", thread_id, feed_title(ctx, "threads", thread_id),
                           f"Every update on “{_label(ctx, 'threads', thread_id)}”.",
                           messages))
    return specs


def _feed(ctx: BuildContext, scope: FeedScope, key: str | None, title: str,
          description: str, messages: list[Message]) -> Feed:
    return Feed(scope, key, title, description, _newest(ctx, messages).isoformat(),
                [m.id for m in messages])


def feed_plan(ctx: BuildContext) -> Plan:
    """Every feed the site offers, and what each shows. With the build cache and a previous
    site (``ctx.extras["reuse"]``), feeds keep their keys in the cache (``render``)."""
    content = ctx.content
    folder = ctx.extras.get("cache")
    store = folder / "feeds" if isinstance(folder, Path) and callable(
        ctx.extras.get("reuse")) else None
    salt = (config_salt(content.root) or "") if store is not None else ""
    feeds = feed_specs(ctx)
    messages = content.messages
    return Plan(plain(content.organisation.name), content.organisation.base_url, salt, store,
                feeds, lambda message_id: _item(ctx, messages[message_id], salt),
                lambda message_id: _stands(ctx, messages[message_id], salt),
                frozenset(i for f in feeds if f.scope != "threads" for i in f.ids))


def _item(ctx: BuildContext, message: Message, salt: str) -> Item:
    """What feeds show of ``message``. What it stands for in a feed's key: with ``salt``
    (every content file outside ``messages/``: service names, the time zone), the message's
    fingerprint (its file's bytes, place and id) stands for its own fields, and only its
    title, which comes from its thread, is written out (dumping every body of every feed was
    most of the key's cost); else the fields themselves. The summary and HTML are functions
    of the message's summary and body under this code version, so those texts stand for
    them."""
    services = []
    for service_id in message.meta.services:
        service = ctx.content.services.get(service_id)
        services.append((service_id, plain(service.name) if service else service_id))
    url, title = message_url(ctx, message), title_of(ctx, message)
    when = ctx.content.local(message.send_at).isoformat()  # type: ignore[arg-type]
    stands: list[Any] = [message.fingerprint, url, title] if salt and message.fingerprint \
        else [url, title, message.meta.summary, message.body, when, services,
              message.type.value]
    return Item(url, title, plain(message.meta.summary) if message.meta.summary else None,
                body_html(message.body), when, services, message.type.value, stands)


def _stands(ctx: BuildContext, message: Message, salt: str) -> list[Any]:
    """``_item(ctx, message, salt).stands``, cheaply where it can be: without the body's
    HTML, which a rebuild would otherwise fetch for every message to find few feeds
    changed."""
    if salt and message.fingerprint:
        return [message.fingerprint, message_url(ctx, message), title_of(ctx, message)]
    return _item(ctx, message, salt).stands


def _entry(plan: Plan, item: Item) -> FeedEntry:
    entry = FeedEntry()
    entry.id(item.url)
    entry.guid(item.url, permalink=True)
    entry.title(item.title)
    entry.link(href=item.url, rel="alternate", type="text/html")
    # RSS <description> is HTML to every reader, and a summary is plain text that may hold
    # "<img …>" shown as text on the site (a code span): escape it, so it stays text there.
    summary = item.summary if item.summary is not None else html_text(item.html)
    entry.summary(html.escape(summary_text(summary), quote=False), type="html")
    entry.content(item.html, type="html")
    when = datetime.fromisoformat(item.when)
    entry.published(when)
    entry.updated(when)
    for service_id, label in item.services:
        entry.category(term=service_id, label=label, scheme=at_base(plan.base_url, "services/"))
    entry.category(term=item.type)
    return entry


def _newest(ctx: BuildContext, messages: list[Message]) -> datetime:
    """When a feed of ``messages`` (newest first) last changed: an empty feed dates from the
    newest public message anywhere (not the build time), so it too is byte-identical between
    builds until something is published."""
    latest = messages[0] if messages else next(
        (m for m in ctx.report.published if is_public(m)), None)
    return ctx.content.local(latest.send_at if latest else ctx.now)  # type: ignore[arg-type]


def _render(plan: Plan, feed: Feed, entry: Callable[[str], FeedEntry]) -> dict[str, bytes]:
    newest = datetime.fromisoformat(feed.newest)
    out: dict[str, bytes] = {}
    for fmt in FEED_EXTENSIONS:
        path = feed_path(feed.scope, feed.key, fmt)
        generator = FeedGenerator()
        generator.id(at_base(plan.base_url, path))
        generator.title(feed.title)
        # RSS's channel <description> is HTML to readers; Atom's <subtitle> is text.
        generator.subtitle(html.escape(feed.description, quote=False) if fmt == "rss"
                           else feed.description)
        generator.author(name=plan.name)
        generator.link(href=at_base(plan.base_url, path), rel="self", type=MIME[fmt])
        generator.link(href=plan.base_url, rel="alternate", type="text/html")
        generator.language("en")
        generator.updated(newest)
        generator.lastBuildDate(newest)  # stable: a rebuild with no new message changes nothing
        generator.generator("publisher")
        for message_id in feed.ids:
            generator.add_entry(entry(message_id), order="append")
        out[path] = (generator.rss_str(pretty=True) if fmt == "rss"
                     else generator.atom_str(pretty=True))
    return out


def _key(plan: Plan, feed: Feed) -> str:
    """A feed's key: the code version and everything the feed shows, as what its items
    stand for (``_item``)."""
    shown = [plan.name, plan.base_url, feed.scope, feed.key, feed.title, feed.description,
             feed.newest, plan.salt, [plan.stands(message_id) for message_id in feed.ids]]
    return key_of(code_version(), json.dumps(shown, sort_keys=True))


def produce_feeds(ctx: BuildContext) -> dict[str, bytes]:
    """Every feed, RSS and Atom, keyed by path under the site root."""
    return dict(stream_feeds(ctx))


def stream_feeds(ctx: BuildContext) -> Iterator[tuple[str, bytes]]:
    """Every feed, RSS and Atom, one (path, bytes) at a time (``render``)."""
    reuse = ctx.extras.get("reuse")
    return render(feed_plan(ctx), reuse if callable(reuse) else None)


def render(plan: Plan, reuse: Callable[[str, str], bool] | None = None
           ) -> Iterator[tuple[str, bytes]]:
    """The feeds of ``plan``, one (path, bytes) at a time: the caller writes each and lets it
    go, so thousands of thread feeds are never all in memory.

    Each item is made once however many feeds carry it (kept only for messages that more
    than one feed shows). With a store (``Plan.store``) each feed's key is kept there, under
    a key of everything the feed shows, with the SHA-256 of each of its files; and with a
    previous site (``reuse``: ``(path, sha256) -> bool``, true when the previous site's file
    with exactly those bytes was linked into the new one) a feed whose key is found is not
    drawn again."""
    stored = Pack(plan.store) if plan.store is not None else None
    entries: dict[str, FeedEntry] = {}
    current: dict[str, FeedEntry] = {}

    def entry(message_id: str) -> FeedEntry:
        # kept for the whole run only for messages that several feeds show; else for the
        # one feed being made (in both of its formats)
        found = (entries.get(message_id) or current.get(message_id)
                 or _entry(plan, plan.item(message_id)))
        (entries if message_id in plan.shared else current)[message_id] = found
        return found

    for feed in plan.feeds:
        current.clear()
        key = _key(plan, feed) if stored is not None else ""
        found = stored.get(key) if stored is not None else None
        paths = {feed_path(feed.scope, feed.key, fmt) for fmt in FEED_EXTENSIONS}
        if (callable(reuse) and isinstance(found, dict) and set(found) == paths
                and all(isinstance(v, str) for v in found.values())
                and all([reuse(path, digest) for path, digest in sorted(found.items())])):
            continue
        out = _render(plan, feed, entry)
        if stored is not None:
            stored.put(key, {path: hashlib.sha256(data).hexdigest()
                             for path, data in out.items()})
        yield from out.items()
    if stored is not None:
        stored.save()


def paths(plan: Plan) -> list[str]:
    """Every file the feeds of ``plan`` are written to."""
    return [feed_path(f.scope, f.key, fmt) for f in plan.feeds for fmt in FEED_EXTENSIONS]


def write_plan(plan: Plan, out: IO[bytes]) -> None:
    """``plan`` as JSON lines, for a helper process to ``read_plan``: first what every feed
    shares, then each feed on a line of its own with the items it shows, so the reader
    holds one feed at a time (a message several feeds show is on each of their lines)."""
    def line(data: Any) -> None:
        out.write(json.dumps(data, ensure_ascii=False).encode() + b"\n")

    line([plan.name, plan.base_url, plan.salt,
          str(plan.store) if plan.store is not None else None])
    made: dict[str, Item] = {}
    for feed in plan.feeds:
        shown = {}
        for i in feed.ids:
            shown[i] = made.get(i) or plan.item(i)
            if i in plan.shared:
                made[i] = shown[i]
        line([feed, shown])


def read_plan(lines: Iterable[bytes]) -> Plan:
    """The plan ``write_plan`` wrote, read a feed at a time as ``render`` goes."""
    rows = iter(lines)
    name, base_url, salt, store = json.loads(next(rows))
    items: dict[str, Item] = {}

    def feeds() -> Iterator[Feed]:
        for row in rows:
            feed, shown = json.loads(row)
            items.clear()
            items.update((i, Item(*item)) for i, item in shown.items())
            yield Feed(*feed)

    return Plan(name, base_url, salt, Path(store) if store is not None else None, feeds(),
                items.__getitem__, lambda message_id: items[message_id].stands, frozenset())


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
