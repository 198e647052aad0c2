"""RSS 2.0 and Atom 1.0 feeds (feedgen): everything, the newsroom, and one per service,
service group, audience and thread.

Each item is one published, public message. Its GUID (RSS) and id (Atom) is the message's
permalink, which depends only on ids, so a rebuild or a correction never makes a reader show
an item twice. Dates carry the organisation's timezone; links are absolute; content is the
body rendered and sanitized by ``markup.to_html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

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
    name = plain(content.organisation.short_name or content.organisation.name)
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
        FeedSpec("all", None, f"{name}: all updates",
                 f"Every status update and news item from {plain(content.organisation.name)}.",
                 published[:AGGREGATE_LIMIT]),
        FeedSpec("news", None, f"{name}: news", f"News from {plain(content.organisation.name)}.",
                 news[:AGGREGATE_LIMIT]),
    ]
    for service_id, messages in by_service.items():
        service = content.services.get(service_id)
        label = plain(service.name) if service else service_id
        specs.append(FeedSpec("services", service_id, f"{name}: {label}",
                              f"Status updates about {label}.", messages[:AGGREGATE_LIMIT]))
    for group in content.groups:
        ids = {s.id for s in group.services}
        messages = [m for m in published if ids.intersection(m.meta.services)]
        label = plain(group.name)
        specs.append(FeedSpec("groups", group.id, f"{name}: {label}",
                              f"Status updates about {label}.", messages[:AGGREGATE_LIMIT]))
    for audience_id, messages in by_audience.items():
        audience = content.audiences.get(audience_id)
        label = plain(audience.name) if audience else audience_id
        specs.append(FeedSpec("audiences", audience_id, f"{name}: for {label}",
                              f"Updates for {label}.", messages[:AGGREGATE_LIMIT]))
    for thread_id, messages in by_thread.items():
        title = plain(content.threads[thread_id].title)
        specs.append(FeedSpec("threads", thread_id, f"{name}: {title}",
                              f"Every update on “{title}”.", messages))
    return specs


def _entry(ctx: BuildContext, message: Message) -> FeedEntry:
    entry = FeedEntry()
    url = message_url(ctx, message)
    entry.id(url)
    entry.guid(url, permalink=True)
    entry.title(title_of(ctx, message))
    entry.link(href=url, rel="alternate", type="text/html")
    entry.summary(summary_of(message))
    entry.content(body_html(message.body), type="html")
    when = ctx.content.local(message.send_at)  # type: ignore[arg-type]
    entry.published(when)
    entry.updated(when)
    for service_id in message.meta.services:
        service = ctx.content.services.get(service_id)
        entry.category(term=service_id, label=plain(service.name) if service else service_id,
                       scheme=absolute(ctx.content, "services/"))
    entry.category(term=message.type.value)
    return entry


def _render(ctx: BuildContext, spec: FeedSpec, entries: dict[str, FeedEntry]) -> dict[str, bytes]:
    content = ctx.content
    # An empty feed dates from the newest public message anywhere (not the build time), so
    # it too is byte-identical between builds until something is published.
    latest = spec.messages[0] if spec.messages else next(
        (m for m in ctx.report.published if is_public(m)), None)
    newest: datetime = content.local(latest.send_at if latest else ctx.now)  # type: ignore[arg-type]
    out: dict[str, bytes] = {}
    for fmt in FEED_EXTENSIONS:
        path = feed_path(spec.scope, spec.key, fmt)
        feed = FeedGenerator()
        feed.id(absolute(content, path))
        feed.title(spec.title)
        feed.subtitle(spec.description)
        feed.author(name=plain(content.organisation.name))
        feed.link(href=absolute(content, path), rel="self", type=MIME[fmt])
        feed.link(href=content.organisation.base_url, rel="alternate", type="text/html")
        feed.language("en")
        feed.updated(newest)
        feed.lastBuildDate(newest)  # stable: a rebuild with no new message changes nothing
        feed.generator("publisher")
        for message in spec.messages:
            feed.add_entry(entries[message.id], order="append")
        out[path] = feed.rss_str(pretty=True) if fmt == "rss" else feed.atom_str(pretty=True)
    return out


def produce_feeds(ctx: BuildContext) -> dict[str, bytes]:
    """Every feed, RSS and Atom, keyed by path under the site root."""
    specs = feed_specs(ctx)
    entries: dict[str, FeedEntry] = {}
    for spec in specs:
        for message in spec.messages:
            if message.id not in entries:
                entries[message.id] = _entry(ctx, message)
    files: dict[str, bytes] = {}
    for spec in specs:
        files.update(_render(ctx, spec, entries))
    return files


def alternate_links(ctx: BuildContext, scopes: Iterable[tuple[FeedScope, str | None]]
                    ) -> list[dict[str, str]]:
    """Autodiscovery ``<link rel="alternate">`` attributes for a page (site-root-relative
    href), e.g. ``[("all", None), ("services", "email")]`` for a service page."""
    name = plain(ctx.content.organisation.short_name or ctx.content.organisation.name)
    links = []
    for scope, key in scopes:
        label = f"{name}: {scope}" + (f" {key}" if key else "")
        for fmt in FEED_EXTENSIONS:
            links.append({"rel": "alternate", "type": MIME[fmt],
                          "title": f"{label} ({fmt.upper() if fmt == 'rss' else 'Atom'})",
                          "href": feed_path(scope, key, fmt)})
    return links
