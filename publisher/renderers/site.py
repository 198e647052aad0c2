"""The site's pages as plain data: which pages exist, and the HTML of each.

Framework-free: ``SiteModel(ctx).pages()`` lists every page (path, title, template and what
it shows) and ``SiteModel.render(page)`` turns one into the HTML of its content area. The
mkdocs plugin only hands these to mkdocs; another engine could do the same. Everything comes
from ``ctx.report`` (the status engine at ``now``), so only published messages ever appear.
Indexes are built once per build, so each page costs the same however many messages exist.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup

from .. import policy, templates
from ..content import urls
from ..content.model import ComponentStatus, Message, ThreadKind
from ..content.urls import FeedScope
from ..errors import ContentError
from ..status import Day, ThreadState, history, next_change
from ..text.markup import plain, prepare, to_html
from . import BuildContext
from .site_html import (
    duration,
    environment,
    indicator_light,
    light,
    local_time,
    relative,
)

PER_PAGE = 10
"""Newsroom entries per page."""
HOME_NEWS = 5
KIND_WORDS = {ThreadKind.INCIDENT: "Incident", ThreadKind.MAINTENANCE: "Maintenance",
              ThreadKind.LAUNCH: "Launch", ThreadKind.STORY: "News"}
TYPE_CATEGORY = {"new-service-launch": "launches", "announcement": "announcements",
                 "news": "news", "leadership-message": "leadership"}
FAQ_TITLES = (
    ("nature", "What is happening?"),
    ("business_continuity", "What is being done to keep things running?"),
    ("workarounds", "Is there a workaround?"),
    ("key_information", "What else do I need to know?"),
    ("lessons_learnt", "What have we learnt?"),
    ("mitigations", "What will stop it happening again?"),
    ("next_update", "When is the next update?"),
)


@dataclass(frozen=True)
class Page:
    """One page of the site: where it lives, what it is called, how to draw it."""

    path: str
    """URL path relative to the site root: "" for home, else ending in "/"."""
    title: str
    template: str
    data: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    feeds: tuple[tuple[FeedScope, str | None], ...] = ()
    """Feeds for autodiscovery: (scope, key), as ``feeds.alternate_links`` takes them."""
    live: bool = True
    """Whether the page says when its status was taken (``updated``): a page that shows a
    status that can still change. A closed thread's page does not, so it stays the same
    page from one build to the next whatever the build's instant (and is not drawn again)."""

    @property
    def src_uri(self) -> str:
        """The Markdown source name that maps to ``path`` with directory URLs."""
        return f"{self.path}index.md"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "other"


def services_heading(state: ThreadState) -> str:
    """The heading over a thread's service impacts, in the tense of the thread's state, so a
    scheduled window's "Under maintenance" never reads as the service's current light."""
    if state.kind not in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE):
        return "Services"
    if state.active:
        return "Affected services"
    return "Services it will affect" if state.open else "Services that were affected"


def month_key(value: datetime, ctx: BuildContext) -> str:
    return f"{ctx.content.local(value):%Y-%m}"


class SiteModel:
    """Every page of the status site and newsroom for one ``BuildContext``."""

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.report = ctx.report
        self.tz = ctx.content.organisation.tz
        self.env = environment(templates.project_dir(ctx.content.root))
        self._history: dict[str, list[Day]] | None = None
        self._policy: policy.Policy | None = None
        self._when: dict[str, dict[str, str]] = {}
        self._html: dict[str, Markup] = {}
        self.next_change = self.when(next_change(self.report))
        by_service: dict[str, list[ThreadState]] = defaultdict(list)
        months: dict[str, list[ThreadState]] = defaultdict(list)
        categories: dict[str, list[ThreadState]] = defaultdict(list)
        for state in self.report.threads.values():
            if state.kind in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE):
                for service_id in state.services:
                    by_service[service_id].append(state)
                months[month_key(state.start, ctx)].append(state)
        for state in self.report.stories:
            for name in self.categories_of(state):
                categories[name].append(state)
        self.by_service = by_service
        self.months = dict(sorted(months.items(), reverse=True))
        for entries in self.months.values():
            entries.sort(key=lambda s: s.start, reverse=True)
        self.categories = dict(sorted(categories.items()))

    # ------------------------------------------------------------------ helpers

    def categories_of(self, state: ThreadState) -> list[str]:
        found = [slug(c) for c in state.latest.meta.categories]
        by_type = TYPE_CATEGORY.get(state.thread.first.type.value)
        if by_type and by_type not in found:
            found.insert(0, by_type)
        return found

    def when(self, value: datetime | None) -> dict[str, str] | None:
        """A time as the page shows it: organisation time as text, ISO for the script."""
        if value is None:
            return None
        iso = value.isoformat()  # the key: equal instants in other offsets print otherwise
        found = self._when.get(iso)
        if found is None:  # one shared, read-only dict per instant: pages repeat them a lot
            found = self._when[iso] = {"iso": iso, "text": local_time(value, self.tz)}
        return found

    def summary(self, state: ThreadState, here: str) -> dict[str, Any]:
        """What a list entry shows of a thread."""
        latest = state.latest
        worst_impact = state.worst
        return {
            "id": state.id,
            "title": plain(latest.title),
            "href": relative(here, urls.thread_path(state.thread)),
            "kind": state.kind.value,
            "kind_word": KIND_WORDS[state.kind],
            "status": state.status.value if state.status else None,
            "open": state.open,
            "light": light(worst_impact) if state.kind is not ThreadKind.STORY else None,
            "start": self.when(state.start),
            "end": self.when(state.end),
            "expected_end": self.when(state.expected_end),
            "updated": self.when(latest.send_at),
            "summary": plain(latest.meta.summary or state.first.meta.summary or ""),
            "duration": duration(state.duration(self.report.now)),
            "services": [self.service_ref(sid, here) for sid in state.services
                         if sid in self.report.services],
        }

    def html(self, text: str) -> Markup:
        """Sanitized HTML of a Markdown text (message bodies go through nh3 here); one
        ``Markup`` per text, however many pages show it."""
        found = self._html.get(text)
        if found is None:
            found = self._html[text] = Markup(to_html(text))
        return found

    def service_ref(self, service_id: str, here: str, current: bool = False
                    ) -> dict[str, Any]:
        """A link to a service; with ``current``, its light now. Only the pages that show
        the light get it: a thread page or list entry that carried it unseen changed (and was
        drawn again) whenever that service's status did."""
        state = self.report.services[service_id]
        ref: dict[str, Any] = {"id": service_id, "name": state.service.name,
                               "href": relative(here, urls.service_path(service_id))}
        if current:
            ref["light"] = light(state.status)
        return ref

    def feeds(self, *extra: tuple[FeedScope, str | None]
              ) -> tuple[tuple[FeedScope, str | None], ...]:
        """The feeds a page offers for autodiscovery: everything, plus its own."""
        return (("all", None), *extra)

    def history_bars(self) -> dict[str, list[Day]]:
        if self._history is None:  # once per build, shared by every service page
            self._history = history(self.ctx.content, self.report)
        return self._history

    # ------------------------------------------------------------------ pages

    def keep(self, reuse: Callable[[ThreadState], Page | None]) -> dict[str, Page]:
        """The thread pages ``reuse`` answers for with a stand-in (a page kept from the
        previous site), by thread id; the bodies every other thread page shows are then
        converted ahead (``prepare``), on two cores when there are many."""
        states = self.report.threads.values()
        kept = {s.id: found for s in states if (found := reuse(s)) is not None}
        prepare(m.body for s in states if s.id not in kept for m in s.published)
        return kept

    def pages(self, kept: dict[str, Page] | None = None) -> list[Page]:
        """Every page, in a stable order; a thread's page in ``kept`` (``keep``) is its
        stand-in, whose data is never made."""
        states = list(self.report.threads.values())
        if kept is None:
            kept = self.keep(lambda state: None)
        pages = [self.home(), self.services_index()]
        pages += [self.service_page(sid) for sid in self.report.services]
        pages += [kept.get(state.id) or self.thread_page(state) for state in states]
        pages += self.history_pages()
        pages += self.news_pages()
        return pages

    def home(self) -> Page:
        here = ""
        report = self.report
        return Page(here, "Service status", "home.html", {
            "overall": indicator_light(report.overall.indicator, report.overall.sentence),
            "groups": self.groups(here),
            "incidents": [dict(self.summary(s, here), latest_html=self.html(s.latest.body))
                          for s in report.open_incidents],
            "in_progress": [self.summary(s, here) for s in report.active_maintenance],
            "upcoming": [self.summary(s, here) for s in report.upcoming_maintenance],
            "news": [self.summary(s, here) for s in report.stories[:HOME_NEWS]],
            "services_href": relative(here, "services/"),
            "news_href": relative(here, urls.newsroom_path()),
            "history_href": relative(here, urls.history_path()),
        }, description=report.overall.sentence, feeds=self.feeds())

    def groups(self, here: str) -> list[dict[str, Any]]:
        return [{"id": g.group.id, "name": g.group.name, "light": light(g.status),
                 "services": [self.service_ref(s.service.id, here, current=True)
                              for s in g.services]}
                for g in self.report.groups]

    def services_index(self) -> Page:
        here = "services/"
        return Page(here, "Services", "services.html", {"groups": self.groups(here)},
                    description="Every service and its current status.", feeds=self.feeds())

    def service_page(self, service_id: str) -> Page:
        here = urls.service_path(service_id)
        state = self.report.services[service_id]
        service = state.service
        threads = self.by_service.get(service_id, [])
        bar = self.history_bars().get(service_id, [])
        incidents_days = [
            {"day": f"{d.day:%a} {d.day.day} {d.day:%b %Y}", "iso": d.day.isoformat(),
             "light": light(d.status),
             "threads": [self.summary(self.report.threads[t], here) for t in dict.fromkeys(
                 d.threads) if t in self.report.threads]}
            for d in bar if d.status is not ComponentStatus.OPERATIONAL]
        counts: dict[str, int] = defaultdict(int)
        for d in bar:
            counts[d.status.value] += 1
        subscribe = [
            {"kind": "rss", "label": "RSS feed",
             "href": relative(here, urls.feed_path("services", service_id, "rss"))},
            {"kind": "rss", "label": "Atom feed",
             "href": relative(here, urls.feed_path("services", service_id, "atom"))},
            {"kind": "calendar", "label": "Maintenance calendar (.ics file)",
             "href": relative(here, urls.calendar_path(service_id))},
            {"kind": "calendar", "label": "Subscribe to the maintenance calendar",
             "href": urls.webcal(self.ctx.content, urls.calendar_path(service_id))},
        ]
        if service.subscribe:
            # never a mailto: to the list itself (model.Service refuses it): that would post
            # the reader's request to everyone on the list
            subscribe.append({"kind": "email", "label": "Subscribe by email",
                              "href": service.subscribe})
        return Page(here, service.name, "service.html", {
            "service": {"id": service.id, "name": service.name,
                        "description": service.description, "group": state.group.name},
            "light": light(state.status),
            "open": [self.summary(s, here) for s in threads if s.open],
            "recent": [self.summary(s, here) for s in threads if not s.open][:10],
            "bar": [{"iso": d.day.isoformat(),
                     "day": f"{d.day:%a} {d.day.day} {d.day:%b %Y}",
                     "light": light(d.status)} for d in bar],
            "bar_days": len(bar),
            "bar_counts": [(light(s), counts[s.value]) for s in ComponentStatus
                           if counts.get(s.value)],
            "legend": [light(s) for s in ComponentStatus],
            "problem_days": incidents_days,
            "subscribe": subscribe,
            "services_href": relative(here, "services/"),
        }, description=f"{service.name}: {state.status.label}", feeds=self.feeds(
            ("services", service_id)))

    def timeline_entry(self, message: Message, state: ThreadState, here: str) -> dict[str, Any]:
        meta = message.meta
        return {
            "anchor": urls.message_anchor(message),
            "title": plain(message.title),
            "type": message.type.value.replace("-", " ").capitalize(),
            "status": meta.status.value if meta.status else None,
            "when": self.when(message.send_at),
            "html": self.html(message.body),
        }

    def thread_page(self, state: ThreadState) -> Page:
        here = urls.thread_path(state.thread)
        latest = state.latest
        summary = self.summary(state, here)
        majors = [m.meta.major_incident for m in reversed(state.published)
                  if m.meta.major_incident is not None]
        faq = []
        if majors:
            # Each FAQ section as its latest published update last said it.
            for key, question in FAQ_TITLES:
                text = next((getattr(mi.faq, key) for mi in majors if getattr(mi.faq, key)),
                            None)
                if text:
                    faq.append({"key": key, "question": question,
                                "html": self.html(text)})
            action = next((mi.faq.reader_action or mi.reader_action for mi in majors
                           if mi.faq.reader_action or mi.reader_action), None)
            if action is not None:
                faq.append({"key": "reader_action", "question": "What should I do with this?",
                            "html": self.html(
                                "Please share this update with your students and colleagues."
                                if action.value == "cascade" else
                                "This update is for your information; no action is needed.")})
        is_window = state.kind in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE)
        return Page(here, plain(latest.title), "thread.html", {
            "thread": summary,
            "timeline": [self.timeline_entry(m, state, here) for m in reversed(state.published)],
            "services": [dict(self.service_ref(sid, here), impact=light(impact))
                         for sid, impact in state.services.items()
                         if sid in self.report.services],
            "is_window": is_window,
            "services_heading": services_heading(state),
            "is_maintenance": state.kind is ThreadKind.MAINTENANCE,
            "faq": faq,
            "cascade": self.cascade(state),
            "categories": [{"name": c.replace("-", " ").capitalize(),
                            "href": relative(here, self.category_path(c))}
                           for c in self.categories_of(state)]
            if state.kind in (ThreadKind.STORY, ThreadKind.LAUNCH) else [],
            "history_href": relative(here, urls.history_path(month_key(state.start, self.ctx))),
        }, description=summary["summary"], feeds=self.feeds(
            ("threads", state.id)), live=is_window and state.open)

    def cascade(self, state: ThreadState) -> list[dict[str, str]]:
        """The public part of a major incident's cascade plan: which audience is reached by
        which role. The names of the people holding the roles are internal and left out."""
        message = next((m for m in reversed(state.published)
                        if m.meta.major_incident is not None), None)
        if message is None:
            return []
        if self._policy is None:
            try:
                self._policy = policy.load_policy(self.ctx.content)
            except ContentError:  # reported by check; a site without the plan is still right
                return []
        return [{"audience": row.audience_name,
                 "role": row.role_name or (row.role or "").replace("-", " ")}
                for row in policy.cascade_plan(self.ctx.content, self._policy, message,
                                                self.ctx.now)]

    def history_pages(self) -> list[Page]:
        here = urls.history_path()
        months = list(self.months)
        index = Page(here, "History", "history_index.html", {
            "months": [{"key": k, "name": self.month_name(k), "count": len(v),
                        "href": relative(here, urls.history_path(k)),
                        "incidents": sum(s.kind is ThreadKind.INCIDENT for s in v),
                        "maintenance": sum(s.kind is ThreadKind.MAINTENANCE for s in v)}
                       for k, v in self.months.items()],
        }, description="Past incidents and maintenance, month by month.", feeds=self.feeds())
        pages = [index]
        for i, key in enumerate(months):
            mhere = urls.history_path(key)
            newer = months[i - 1] if i > 0 else None
            older = months[i + 1] if i + 1 < len(months) else None
            pages.append(Page(mhere, f"History: {self.month_name(key)}", "history_month.html", {
                "month": self.month_name(key),
                "entries": [self.summary(s, mhere) for s in self.months[key]],
                "newer": {"name": self.month_name(newer),
                          "href": relative(mhere, urls.history_path(newer))} if newer else None,
                "older": {"name": self.month_name(older),
                          "href": relative(mhere, urls.history_path(older))} if older else None,
                "index_href": relative(mhere, here),
            }, description=f"Incidents and maintenance in {self.month_name(key)}.",
                feeds=self.feeds()))
        return pages

    @staticmethod
    def month_name(key: str) -> str:
        return datetime.strptime(key, "%Y-%m").strftime("%B %Y")

    @staticmethod
    def category_path(name: str, page: int = 1) -> str:
        base = f"news/category/{name}/"
        return base if page == 1 else f"{base}page/{page}/"

    def news_pages(self) -> list[Page]:
        pages = self.paginate(list(self.report.stories), urls.newsroom_path, "Newsroom", None)
        for name, states in self.categories.items():
            pages += self.paginate(states, lambda n, c=name: self.category_path(c, n),
                                   f"Newsroom: {name.replace('-', ' ')}", name)
        return pages

    def paginate(self, states: list[ThreadState], path_of: Any, title: str,
                 current: str | None) -> list[Page]:
        count = max(1, -(-len(states) // PER_PAGE))
        pages = []
        for number in range(1, count + 1):
            here = path_of(number)
            chunk = states[(number - 1) * PER_PAGE:number * PER_PAGE]
            pages.append(Page(here, title if number == 1 else f"{title} (page {number})",
                              "news.html", {
                "heading": title,
                "entries": [dict(self.summary(s, here), categories=[
                    {"name": c.replace("-", " ").capitalize(),
                     "href": relative(here, self.category_path(c))}
                    for c in self.categories_of(s)]) for s in chunk],
                "categories": [{"name": c.replace("-", " ").capitalize(),
                                "href": relative(here, self.category_path(c)),
                                "count": len(v), "current": c == current}
                               for c, v in self.categories.items()],
                "all_href": relative(here, urls.newsroom_path()),
                "page_number": number, "pages": count,
                "newer": relative(here, path_of(number - 1)) if number > 1 else None,
                "older": relative(here, path_of(number + 1)) if number < count else None,
            }, description="News and announcements from IT.", feeds=self.feeds(
                ("news", None))))
        return pages

    def lastmod(self, page: Page) -> str:
        """The sitemap's ``lastmod`` for a page: the local date of the latest published
        message it shows (not the build time, which would mark every page changed on every
        build). Empty for a page that shows no message (it keeps the build's date)."""
        threads = self.report.threads
        if page.template == "thread.html":
            return self.thread_lastmod(threads[page.data["thread"]["id"]])
        if page.template == "service.html":
            states = self.by_service.get(page.data["service"]["id"], [])
        elif page.template in ("history_month.html", "news.html"):
            states = [threads[e["id"]] for e in page.data["entries"]]
        else:  # home, the services index and the history index show the latest of all
            states = list(threads.values())
        sent = [s.latest.send_at for s in states if s.latest.send_at is not None]
        return f"{self.ctx.content.local(max(sent)):%Y-%m-%d}" if sent else ""

    def thread_lastmod(self, state: ThreadState) -> str:
        """``lastmod`` of a thread's page, from the thread alone (a kept page has no data)."""
        sent = state.latest.send_at
        return f"{self.ctx.content.local(sent):%Y-%m-%d}" if sent is not None else ""

    # ------------------------------------------------------------------ render

    def render(self, page: Page) -> str:
        """The HTML of one page's content area."""
        org = self.ctx.content.organisation
        live = page.live  # else the page is given no instant, so cannot depend on it
        return self.env.get_template(page.template).render(
            spec=page, org_name=org.name, updated=self.when(self.report.now) if live else None,
            next_change=self.next_change if live else None,
            timezone=org.timezone, **page.data)
