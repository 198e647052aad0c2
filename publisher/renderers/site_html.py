"""HTML helpers for the site's pages: the jinja environment, icons, times, links, lights.

Kept apart from ``site`` (which decides *what* each page says) so that the page model stays
plain data and the presentation can change without touching it.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from .. import templates
from ..content.model import ComponentStatus
from ..status import LIGHTS, Indicator

INDICATOR_LIGHTS = {
    # The overall indicator as a light: colour, icon, word. Never colour alone.
    Indicator.NONE: ("green", "check", "All systems operational"),
    Indicator.MAINTENANCE: ("blue", "wrench", "Maintenance in progress"),
    Indicator.MINOR: ("amber", "alert", "Minor disruption"),
    Indicator.MAJOR: ("amber", "alert-octagon", "Major disruption"),
    Indicator.CRITICAL: ("red", "close-octagon", "Critical disruption"),
}
STATUS_WORDS = {
    "investigating": "Investigating", "identified": "Identified", "monitoring": "Monitoring",
    "resolved": "Resolved", "postmortem": "Post-incident review", "scheduled": "Scheduled",
    "in_progress": "In progress", "verifying": "Verifying", "completed": "Completed",
    "cancelled": "Cancelled",
}
EXTRA_ICONS = ("rss", "calendar", "email", "clock-outline", "chevron-left", "chevron-right")


@cache
def icon(name: str) -> Markup:
    """An inline SVG icon from the Material Design set shipped with mkdocs-material.

    Inline, so the page needs no icon font or request; decorative, so hidden from readers
    (the word next to it carries the meaning).
    """
    import material

    path = Path(material.__file__).parent / "templates" / ".icons" / "material" / f"{name}.svg"
    svg = path.read_text(encoding="utf-8").strip()
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


def relative(from_path: str, to_path: str) -> str:
    """A link from one page (``incidents/x/``) to another site path (``services/email/``),
    relative so the site works under any prefix and from a plain file server.

    Every page path is a directory ending in "/", so climbing to the root is one "../" per
    segment: cheaper than ``posixpath.relpath`` on thousands of links a build."""
    if to_path.startswith("#"):
        return to_path
    return "../" * from_path.count("/") + to_path or "./"


def local_time(value: datetime, tz: tzinfo, with_date: bool = True) -> str:
    local = value.astimezone(tz)
    text = f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M %Z}" if with_date else (
        f"{local:%H:%M %Z}")
    return text


def duration(delta: timedelta) -> str:
    """A human duration: "45 min", "2 h 35 min", "3 days 4 h"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def light(status: ComponentStatus | str) -> dict[str, object]:
    """What a traffic light shows for one component status (one shared, read-only dict per
    status: thousands of pages show the same few lights)."""
    return _light(ComponentStatus(status))


@cache
def _light(status: ComponentStatus) -> dict[str, object]:
    colour, icon_name, word = LIGHTS[status]
    return {"status": status.value, "colour": colour, "icon": icon(icon_name), "word": word}


def indicator_light(indicator: Indicator, sentence: str) -> dict[str, object]:
    colour, icon_name, word = INDICATOR_LIGHTS[indicator]
    return {"status": indicator.value, "colour": colour, "icon": icon(icon_name), "word": word,
            "sentence": sentence}


def environment(project: Path | None) -> jinja2.Environment:
    """The page templates: the organisation's ``site_templates/pages`` first, then ours.

    Compiled once per process (``templates.clear_cache()`` forgets them for ``serve``)."""
    env = templates.environment(
        "pages", project, autoescape=True, auto_reload=False, trim_blocks=True,
        lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals["icon"] = icon
    env.globals["status_word"] = lambda s: STATUS_WORDS.get(str(s), str(s))
    return env
