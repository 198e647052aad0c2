"""Maintenance calendars (icalendar): ``calendar/maintenance.ics`` and one per service.

One VEVENT per maintenance thread with a public, published message. Subscribed calendar apps
match events by UID and take a higher SEQUENCE as a change, so the UID is the thread id (it
never changes) and SEQUENCE counts the thread's changes (each new message or correction adds
one). A cancelled window stays in the feed with STATUS:CANCELLED so subscribers see it go.
Times are in the organisation's zone (TZID) with a VTIMEZONE, so "07:00" stays 07:00 local.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from icalendar import Calendar, Component, Event, Timezone

from ..cache import Pack, code_version, key_of
from ..content.model import Status, ThreadKind
from ..content.urls import calendar_path
from ..status import ThreadState
from ..text.markup import plain
from . import BuildContext
from .common import public_messages, text_of, thread_revision, thread_url

DEFAULT_LENGTH = timedelta(hours=1)
"""A window announced without an end shows as an hour, rather than not at all."""
END = b"END:VCALENDAR\r\n"


def _fields(ctx: BuildContext, state: ThreadState, host: str) -> dict[str, Any]:
    """Everything a thread's VEVENT shows (also what its stored bytes are keyed by)."""
    content = ctx.content
    messages = public_messages(state)
    first, latest = messages[0], messages[-1]
    start = content.local(state.start)
    end = state.end if state.status is not Status.CANCELLED and state.end else None
    end = content.local(end or state.expected_end or state.start + DEFAULT_LENGTH)
    if end <= start:
        end = start + DEFAULT_LENGTH
    url = thread_url(ctx, state.thread)
    names = [plain(content.services[s].name) for s in state.services if s in content.services]
    return {
        "uid": f"{state.id}@{host}", "sequence": thread_revision(messages),
        "dtstamp": latest.send_at.astimezone(UTC),  # type: ignore[union-attr]
        "created": first.send_at.astimezone(UTC),  # type: ignore[union-attr]
        "last-modified": latest.send_at.astimezone(UTC),  # type: ignore[union-attr]
        "summary": plain(state.title),
        "description": f"{text_of(latest.body)}\n\nDetails and updates: {url}",
        "url": url, "dtstart": start, "dtend": end,
        "status": "CANCELLED" if state.status is Status.CANCELLED else "CONFIRMED",
        # a maintenance window is not the reader's busy time
        "transp": "TRANSPARENT", "categories": names,
    }


def _event(fields: dict[str, Any]) -> Event:
    event = Event()
    for name, value in fields.items():
        if name != "categories" or value:
            event.add(name, value)
    return event


def _calendar(ctx: BuildContext, name: str, events: list[tuple[dict[str, Any], bytes]]
              ) -> bytes:
    """The calendar file. Each event is serialized once for every calendar that carries it
    (or kept from an earlier build): the calendar is drawn with its time zone only, and the
    events' bytes go before its END (where icalendar would write them)."""
    calendar = Calendar()
    calendar.add("prodid", "-//publisher//status maintenance calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", ctx.content.organisation.timezone)
    # Transitions only for the years the events span (or the build's year): a short, still
    # complete VTIMEZONE. A calendar with no window still carries it: RFC 5545 requires at
    # least one component, and a subscriber's empty calendar must still parse.
    first = min((f["dtstart"] for f, _ in events), default=ctx.now).date()
    last = max((f["dtend"] for f, _ in events), default=ctx.now).date()
    timezone = Timezone.from_tzid(ctx.content.organisation.timezone,
                                  first_date=date(first.year - 1, 1, 1),
                                  last_date=date(last.year + 2, 1, 1))
    for part in timezone.subcomponents:
        _one_rdate_per_line(part)
    calendar.add_component(timezone)
    drawn = calendar.to_ical()
    if not drawn.endswith(END):  # not the layout expected: draw every event after all
        for fields, _ in events:
            calendar.add_component(_event(fields))
        return calendar.to_ical()
    return drawn[: -len(END)] + b"".join(data for _, data in events) + END


def _key(fields: dict[str, Any], zone: str) -> str:
    shown = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()}
    return key_of(code_version(), zone, json.dumps(shown, sort_keys=True))


def _one_rdate_per_line(part: Component) -> None:
    """Split ``RDATE:a,b,c`` into one RDATE line per change date.

    Both forms are valid RFC 5545, but ical.js (behind many web calendars) reads only the
    first date of a list, which put every summer-time window an hour late there."""
    found = part.get("RDATE")
    if found is None:
        return
    dates = [d.dt for value in (found if isinstance(found, list) else [found])
             for d in value.dts]
    del part["RDATE"]
    for value in dates:
        part.add("rdate", value)


def produce_calendars(ctx: BuildContext) -> dict[str, bytes]:
    """Every maintenance calendar. With the build cache, each event's bytes are reused
    while nothing it shows has changed."""
    content = ctx.content
    host = urlsplit(content.organisation.base_url).hostname or "status"
    label = plain(content.organisation.short_name or content.organisation.name)
    states = sorted((s for s in ctx.report.threads.values()
                     if s.kind is ThreadKind.MAINTENANCE and public_messages(s)),
                    key=lambda s: (s.start, s.id))
    folder = ctx.extras.get("cache")
    stored = Pack(folder / "calendar") if isinstance(folder, Path) else None
    events: dict[str, tuple[dict[str, Any], bytes]] = {}
    for state in states:
        fields = _fields(ctx, state, host)
        key = _key(fields, content.organisation.timezone) if stored is not None else ""
        found = stored.get(key) if stored is not None else None
        # an icalendar Event only for an event not kept: making one was most of the cost
        data = found.encode("utf-8") if isinstance(found, str) else _event(fields).to_ical()
        if stored is not None and not isinstance(found, str):
            stored.put(key, data.decode("utf-8"))
        events[state.id] = (fields, data)
    files = {calendar_path(): _calendar(ctx, f"{label}: planned maintenance",
                                        list(events.values()))}
    for service_id, service in content.services.items():
        mine = [events[s.id] for s in states if service_id in s.services]
        files[calendar_path(service_id)] = _calendar(
            ctx, f"{label}: {plain(service.name)} maintenance", mine)
    if stored is not None:
        stored.save()
    return files
