"""The intranet banner: ``banner.json`` (data), ``banner.html`` (a static fragment, no
script), ``banner.js`` + ``banner.css`` (one script an intranet page embeds with a single
``<script src>``).

Second source document: during a major incident the intranet homepage carries a banner that
"will link to the latest announcement on the incident and will remain in place for the
duration". So a banner is an open incident or maintenance thread whose latest published
message has the ``banner`` channel; it links to that latest message and disappears once the
thread is resolved (the next build drops it). Maintenance carries its window, which the
script honours by the viewer's clock between builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2

from .. import templates
from ..content.model import Channel, ThreadKind
from ..content.urls import BANNER_FILES
from ..text.markup import plain, without_tags
from . import BuildContext
from .common import dumps, iso, message_url, summary_of, thread_revision

BANNER_CSS = "banner.css"
"""Served next to banner.js; the script links it (no inline style, so a strict CSP holds)."""
LEVEL_WORDS = {"outage": "Outage", "degraded": "Service problem",
               "maintenance": "Maintenance", "notice": "Notice"}


@dataclass(frozen=True)
class Banner:
    id: str
    level: str
    """outage (role=alert) | degraded | maintenance | notice (role=status)."""
    title: str
    text: str
    url: str
    start: datetime
    end: datetime | None
    revision: int

    @property
    def role(self) -> str:
        return "alert" if self.level == "outage" else "status"

    @property
    def label(self) -> str:
        return LEVEL_WORDS[self.level]

    def showing(self, now: datetime) -> bool:
        return self.start <= now and (self.end is None or now < self.end)

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "level": self.level, "label": self.label, "role": self.role,
                "title": self.title, "text": self.text, "url": self.url,
                "start": iso(self.start), "end": iso(self.end), "revision": self.revision}


def active_banners(ctx: BuildContext) -> list[Banner]:
    """Open incident and maintenance threads whose latest published message asks for a
    banner, worst first. Maintenance that has not started is included with its window."""
    banners = []
    for state in ctx.report.threads.values():
        if state.kind not in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE) or not state.open:
            continue
        latest = state.latest
        if Channel.BANNER not in (latest.meta.channels or ()):
            continue
        end = state.expected_end if state.kind is ThreadKind.MAINTENANCE else None
        if end is not None and end <= ctx.now:
            continue
        banners.append(Banner(
            id=state.id, level=state.severity, title=without_tags(plain(state.title)),
            text=without_tags(summary_of(latest, 200)), url=message_url(ctx, latest),
            start=ctx.content.local(state.start),
            end=ctx.content.local(end) if end else None,
            revision=thread_revision(state.published)))
    order = list(LEVEL_WORDS)
    banners.sort(key=lambda b: (order.index(b.level), b.start))
    return banners


def _environment(project: Path) -> jinja2.Environment:
    return templates.environment("banner", project, autoescape=True, trim_blocks=True,
                                 lstrip_blocks=True)


def produce_banner(ctx: BuildContext) -> dict[str, bytes]:
    banners = active_banners(ctx)
    data = {"status_url": ctx.base_url, "banners": [b.as_json() for b in banners]}
    showing = [b for b in banners if b.showing(ctx.now)]
    project = templates.project_dir(ctx.content.root)
    html = _environment(project).get_template("banner.html").render(
        banners=showing, status_url=ctx.base_url)
    json_name, html_name, js_name = BANNER_FILES
    return {
        json_name: dumps(data),
        html_name: html.encode("utf-8"),
        js_name: templates.read_bytes("banner", "banner.js", project),
        BANNER_CSS: templates.read_bytes("banner", "banner.css", project),
    }
