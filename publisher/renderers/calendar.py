"""Maintenance calendars (icalendar): ``calendar/maintenance.ics`` and one per service.

One VEVENT per maintenance thread with a public, published message. Subscribed calendar apps
match events by UID and take a higher SEQUENCE as a change, so the UID is the thread id (it
never changes) and SEQUENCE counts the thread's changes (each new message or correction adds
one). A cancelled window stays in the feed with STATUS:CANCELLED so subscribers see it go.
Times are in the organisation's zone (TZID) with a VTIMEZONE, so "07:00" stays 07:00 local.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Component, Event, Timezone

from ..content.model import Status, ThreadKind
from ..content.urls import calendar_path
from ..status import ThreadState
from ..text.markup import plain
from . import BuildContext
from .common import public_messages, text_of, thread_revision, thread_url

DEFAULT_LENGTH = timedelta(hours=1)
"""A window announced without an end shows as an hour, rather than not at all."""


def _event(ctx: BuildContext, state: ThreadState, host: str) -> Event:
    content = ctx.content
    messages = public_messages(state)
    first, latest = messages[0], messages[-1]
    start = content.local(state.start)
    end = state.end if state.status is not Status.CANCELLED and state.end else None
    end = content.local(end or state.expected_end or state.start + DEFAULT_LENGTH)
    if end <= start:
        end = start + DEFAULT_LENGTH
    url = thread_url(ctx, state.thread)
    event = Event()
    event.add("uid", f"{state.id}@{host}")
    event.add("sequence", thread_revision(messages))
    event.add("dtstamp", latest.send_at.astimezone(UTC))  # type: ignore[union-attr]
    event.add("created", first.send_at.astimezone(UTC))  # type: ignore[union-attr]
    event.add("last-modified", latest.send_at.astimezone(UTC))  # type: ignore[union-attr]
    event.add("summary", plain(state.title))
    event.add("description", f"{text_of(latest.body)}\n\nDetails and updates: {url}")
    event.add("url", url)
    event.add("dtstart", start)
    event.add("dtend", end)
    cancelled = state.status is Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a maintenance window is not the reader's busy time
    names = [plain(content.services[s].name) for s in state.services if s in content.services]
    if names:
        event.add("categories", names)
    return event


def _calendar(ctx: BuildContext, name: str, events: list[Event]) -> bytes:
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
    first = min((e.decoded("dtstart") for e in events), default=ctx.now).date()
    last = max((e.decoded("dtend") for e in events), default=ctx.now).date()
    timezone = Timezone.from_tzid(ctx.content.organisation.timezone,
                                  first_date=date(first.year - 1, 1, 1),
                                  last_date=date(last.year + 2, 1, 1))
    for part in timezone.subcomponents:
        _one_rdate_per_line(part)
    calendar.add_component(timezone)
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


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
    content = ctx.content
    host = urlsplit(content.organisation.base_url).hostname or "status"
    label = plain(content.organisation.short_name or content.organisation.name)
    states = sorted((s for s in ctx.report.threads.values()
                     if s.kind is ThreadKind.MAINTENANCE and public_messages(s)),
                    key=lambda s: (s.start, s.id))
    events = {s.id: _event(ctx, s, host) for s in states}
    files = {calendar_path(): _calendar(ctx, f"{label}: planned maintenance",
                                        list(events.values()))}
    for service_id, service in content.services.items():
        mine = [events[s.id] for s in states if service_id in s.services]
        files[calendar_path(service_id)] = _calendar(
            ctx, f"{label}: {plain(service.name)} maintenance", mine)
    return files
