"""The status engine: a pure function of (content, now).

Every output (site, feeds, API, banner, calendar, badges, mail) asks ``evaluate`` and never
decides for itself what "active", "open" or "published" means. Only published messages
(approved, not held, and due) for the status site or the newsroom count; drafts, held
messages, future sends and internal messages (e.g. email and Teams only) are invisible
here, hence in every public output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from .content.model import (
    CLOSED_STATUSES,
    ComponentStatus,
    Content,
    Impact,
    Message,
    MessageType,
    Service,
    ServiceGroup,
    Status,
    Thread,
    ThreadKind,
)


class Indicator(StrEnum):
    """The overall indicator (Statuspage's ``status.indicator``, plus ``maintenance``)."""

    NONE = "none"
    MAINTENANCE = "maintenance"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Indicator).index(self)


INDICATOR_FOR = {
    ComponentStatus.OPERATIONAL: Indicator.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Indicator.MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE: Indicator.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Indicator.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Indicator.CRITICAL,
}
IMPACT_FOR = {
    ComponentStatus.OPERATIONAL: Impact.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Impact.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}
IMPACT_ORDER = [Impact.NONE, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL]
LIGHTS = {
    # Traffic lights: each has a colour name, an icon name and a word; never colour alone.
    ComponentStatus.OPERATIONAL: ("green", "check", "Operational"),
    ComponentStatus.UNDER_MAINTENANCE: ("blue", "wrench", "Under maintenance"),
    ComponentStatus.DEGRADED_PERFORMANCE: ("amber", "alert", "Degraded performance"),
    ComponentStatus.PARTIAL_OUTAGE: ("amber", "alert-octagon", "Partial outage"),
    ComponentStatus.MAJOR_OUTAGE: ("red", "close-octagon", "Major outage"),
}


def worst(statuses: list[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=lambda s: s.rank, default=ComponentStatus.OPERATIONAL)


@dataclass(frozen=True)
class ThreadState:
    """A thread as the world sees it at ``now``: only its published messages."""

    thread: Thread
    published: tuple[Message, ...]
    status: Status | None
    """Effective status; maintenance moves scheduled → in_progress → completed by the clock."""
    services: dict[str, ComponentStatus]
    """Declared impact per service (from the latest published message)."""
    impact: Impact
    start: datetime
    expected_end: datetime | None
    end: datetime | None
    """When it actually ended (None while open)."""
    open: bool
    active: bool
    """Whether its impact counts towards service lights right now."""

    @property
    def id(self) -> str:
        return self.thread.id

    @property
    def kind(self) -> ThreadKind:
        return self.thread.kind

    @property
    def latest(self) -> Message:
        return self.published[-1]

    @property
    def worst(self) -> ComponentStatus:
        """The worst impact it declares on any service (operational when none)."""
        return worst(list(self.services.values()))

    @property
    def severity(self) -> str:
        """How loudly outputs announce it: outage, degraded, maintenance or notice."""
        if self.kind is ThreadKind.MAINTENANCE:
            return "maintenance"
        if self.worst.rank >= ComponentStatus.PARTIAL_OUTAGE.rank or self.impact in (
                Impact.MAJOR, Impact.CRITICAL):
            return "outage"
        if self.worst is ComponentStatus.DEGRADED_PERFORMANCE or self.impact is Impact.MINOR:
            return "degraded"
        return "notice"

    @property
    def first(self) -> Message:
        return self.published[0]

    @property
    def title(self) -> str:
        return self.thread.title

    def duration(self, now: datetime) -> timedelta:
        # In UTC: two times in the same zone subtract as wall-clock times, which is an hour
        # out across a daylight-saving change.
        return (self.end or now).astimezone(UTC) - self.start.astimezone(UTC)


@dataclass(frozen=True)
class ServiceState:
    service: Service
    group: ServiceGroup
    status: ComponentStatus
    threads: tuple[str, ...]
    """Ids of the active threads that set this status, worst first."""


@dataclass(frozen=True)
class GroupState:
    group: ServiceGroup
    status: ComponentStatus
    services: tuple[ServiceState, ...]


@dataclass(frozen=True)
class Overall:
    indicator: Indicator
    status: ComponentStatus
    sentence: str


@dataclass(frozen=True)
class StatusReport:
    now: datetime
    threads: dict[str, ThreadState]
    """Every thread with at least one published message, newest activity first."""
    services: dict[str, ServiceState]
    groups: tuple[GroupState, ...]
    overall: Overall
    open_incidents: tuple[ThreadState, ...]
    active_maintenance: tuple[ThreadState, ...]
    upcoming_maintenance: tuple[ThreadState, ...]
    stories: tuple[ThreadState, ...]
    """Published news, announcements, leadership messages and launches, newest first."""
    published: tuple[Message, ...] = field(default=())
    """Every published message, newest first."""


def _maintenance_status(declared: Status | None, start: datetime | None,
                        end: datetime | None, now: datetime) -> Status:
    if declared in (Status.VERIFYING, Status.COMPLETED, Status.CANCELLED):
        return declared
    if start is None or now < start:
        return Status.SCHEDULED
    if end is not None and now >= end:
        return Status.COMPLETED
    return Status.IN_PROGRESS


def _incident_status(latest: Message) -> Status:
    if latest.meta.status is not None:
        return latest.meta.status
    if latest.type is MessageType.ALL_CLEAR:
        return Status.RESOLVED
    if latest.type is MessageType.POST_INCIDENT_REVIEW:
        return Status.POSTMORTEM
    return Status.INVESTIGATING


def status_of(kind: ThreadKind, latest: Message, start: datetime, now: datetime
              ) -> Status | None:
    """A thread's status at ``now`` from its latest published message and its start: the
    part of ``thread_state`` the API also needs at each message's send time."""
    meta = latest.meta
    if kind is ThreadKind.MAINTENANCE:
        declared = meta.status
        if declared is None and latest.type in (MessageType.ALL_CLEAR,
                                                MessageType.POST_INCIDENT_REVIEW):
            declared = Status.COMPLETED  # an all-clear ends the work, even before its window
        window = meta.window
        end = (window.actual_end or window.expected_end) if window else None
        return _maintenance_status(declared, start, end, now)
    if kind is ThreadKind.INCIDENT:
        return _incident_status(latest)
    return None


def thread_state(thread: Thread, now: datetime, public: bool = False) -> ThreadState | None:
    """The state of one thread at ``now``, or None while none of its messages is published.

    ``public``: count only messages for the status site or the newsroom (what every public
    output shows); the policy counts internal messages too (an email acknowledges)."""
    now = now.astimezone(UTC)  # compare instants, never wall-clock times of one zone
    published = tuple(m for m in thread.messages if m.is_published(now)
                      and (not public or m.is_public))
    if not published:
        return None
    latest = published[-1]
    meta = latest.meta
    window = meta.window
    start = (window.start if window and window.start else None) or published[0].send_at
    expected = window.expected_end if window else None
    actual = window.actual_end if window else None
    assert start is not None  # published messages always have send_at

    closer = next((m for m in published if m.closes), None)
    status = status_of(thread.kind, latest, start, now)
    active = False
    if thread.kind is ThreadKind.MAINTENANCE:
        active = status in (Status.IN_PROGRESS, Status.VERIFYING)
    elif thread.kind is ThreadKind.INCIDENT:
        active = status not in CLOSED_STATUSES and start <= now
    is_open = status is not None and status not in CLOSED_STATUSES
    end: datetime | None = None
    if status is not None and not is_open:
        # Closed by a message: it ended when that message said so; by the clock: at its end.
        end = actual or (closer.send_at if closer else expected)

    services = dict(meta.services)
    impact = meta.impact or max(
        (IMPACT_FOR[s] for s in services.values()), key=IMPACT_ORDER.index, default=Impact.NONE
    )
    if thread.first.type is MessageType.MAJOR_INCIDENT and meta.impact is None:
        impact = max(impact, Impact.MAJOR, key=IMPACT_ORDER.index)
    return ThreadState(thread, published, status, services, impact, start, expected, end,
                       is_open, active)


def _sentence(services: dict[str, ServiceState]) -> str:
    by_status: dict[ComponentStatus, list[str]] = {}
    for state in services.values():
        if state.status is not ComponentStatus.OPERATIONAL:
            by_status.setdefault(state.status, []).append(state.service.name)
    if not by_status:
        return "All systems operational"
    parts = [
        f"{status.label}: {', '.join(names)}"
        for status, names in sorted(by_status.items(), key=lambda kv: -kv[0].rank)
    ]
    return "; ".join(parts)


def evaluate(content: Content, now: datetime) -> StatusReport:
    """Everything every output needs to know about the world at ``now``."""
    now = now.astimezone(UTC)
    states = [s for t in content.threads.values()
              if (s := thread_state(t, now, public=True)) is not None]
    states.sort(key=lambda s: s.latest.send_at.timestamp(),  # type: ignore[union-attr]
                reverse=True)

    affecting: dict[str, list[tuple[ComponentStatus, str]]] = {}
    for state in states:
        if state.active:
            for service_id, impact in state.services.items():
                affecting.setdefault(service_id, []).append((impact, state.id))

    services: dict[str, ServiceState] = {}
    groups: list[GroupState] = []
    for group in content.groups:
        members = []
        for service in group.services:
            hits = sorted(affecting.get(service.id, []), key=lambda h: -h[0].rank)
            status = worst([impact for impact, _ in hits])
            light = ServiceState(service, group, status,
                                 tuple(tid for impact, tid in hits if impact.rank > 0))
            services[service.id] = light
            members.append(light)
        groups.append(GroupState(group, worst([m.status for m in members]), tuple(members)))

    overall_status = worst([s.status for s in services.values()])
    open_incidents = tuple(s for s in states if s.kind is ThreadKind.INCIDENT and s.open)
    indicator = max(
        [INDICATOR_FOR[overall_status]]
        + [Indicator(i.impact.value) for i in open_incidents if i.impact is not Impact.NONE],
        key=lambda i: i.rank,
    )
    maintenance = [s for s in states if s.kind is ThreadKind.MAINTENANCE]
    published = sorted((m for s in states for m in s.published),
                       key=lambda m: m.send_at.timestamp(),  # type: ignore[union-attr]
                       reverse=True)
    return StatusReport(
        now=now,
        threads={s.id: s for s in states},
        services=services,
        groups=tuple(groups),
        overall=Overall(indicator, overall_status, _sentence(services)),
        open_incidents=open_incidents,
        active_maintenance=tuple(s for s in maintenance if s.active),
        upcoming_maintenance=tuple(sorted(
            (s for s in maintenance if s.status is Status.SCHEDULED and s.start > now),
            key=lambda s: s.start.timestamp())),
        stories=tuple(s for s in states if s.kind in (ThreadKind.STORY, ThreadKind.LAUNCH)),
        published=tuple(published),
    )


@dataclass(frozen=True)
class Day:
    """One day of a service's history bar: its worst status that day and what caused it."""

    day: date
    status: ComponentStatus
    threads: tuple[str, ...]


def history(content: Content, report: StatusReport, days: int = 90) -> dict[str, list[Day]]:
    """Per service, the worst status of each of the last ``days`` days (organisation dates).

    Built from incident and maintenance windows, so the 90-day bars on service pages agree
    with the lights: both come from the same thread states.
    """
    tz = content.organisation.tz
    today = report.now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    worst_on: dict[tuple[str, date], tuple[ComponentStatus, list[str]]] = {}
    for state in report.threads.values():
        if state.kind not in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE):
            continue
        if state.kind is ThreadKind.MAINTENANCE and state.status in (Status.SCHEDULED,
                                                                     Status.CANCELLED):
            continue
        start_day = max(state.start.astimezone(tz).date(), first)
        end_day = min((state.end or report.now).astimezone(tz).date(), today)
        impacts: dict[str, ComponentStatus] = {}
        for message in state.published:  # worst impact the thread ever declared per service
            for service_id, impact in message.meta.services.items():
                impacts[service_id] = worst([impacts.get(service_id, impact), impact])
        day = start_day
        while day <= end_day:
            for service_id, impact in impacts.items():
                if impact is ComponentStatus.OPERATIONAL:
                    continue
                current, ids = worst_on.get((service_id, day), (ComponentStatus.OPERATIONAL, []))
                worst_on[(service_id, day)] = (worst([current, impact]), [*ids, state.id])
            day += timedelta(days=1)
    out: dict[str, list[Day]] = {}
    quiet: tuple[ComponentStatus, list[str]] = (ComponentStatus.OPERATIONAL, [])
    for service_id in report.services:
        bar = []
        for offset in range(days):
            day = first + timedelta(days=offset)
            status, ids = worst_on.get((service_id, day), quiet)
            bar.append(Day(day, status, tuple(ids)))
        out[service_id] = bar
    return out


def next_change(report: StatusReport) -> datetime | None:
    """The first instant after ``report.now`` at which the clock alone (no new message) would
    change what ``evaluate`` says: a window opening or closing. None when nothing is planned.

    Pages are a snapshot at ``now``; the site's script uses this to tell a reader when the
    snapshot has been overtaken by a planned change, instead of re-evaluating it.
    """
    now = report.now
    moments: list[datetime] = []
    for state in report.threads.values():
        if state.kind is ThreadKind.MAINTENANCE and state.open:
            # declared verifying is final for the clock; scheduled/in progress move on time
            if state.status is not Status.VERIFYING:
                moments += [state.start, state.expected_end] if state.expected_end else [
                    state.start]
        elif state.kind is ThreadKind.INCIDENT and state.open:
            moments.append(state.start)
    future = [m.astimezone(UTC) for m in moments if m is not None and m.astimezone(UTC) > now]
    return min(future, default=None)
