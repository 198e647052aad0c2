"""A read-only JSON API shaped like Atlassian Statuspage's public API v2, under ``api/v2/``.

Existing Statuspage clients (chat integrations, aggregators, dashboards) read it unchanged:
the same file names, field names, nesting and enums. Services are components, service groups
are group components (``group: true`` with the ids of their ``components``), incident threads
are incidents and maintenance threads are scheduled maintenances; each published, public
message is one ``incident_update`` (newest first, as Statuspage lists them).

Where our model says more than Statuspage can, we map down: a cancelled maintenance is
``completed`` (its last update says it was cancelled) and stories never appear here.
"""

from __future__ import annotations

import bisect
import hashlib
from datetime import UTC, datetime
from typing import Any

from ..content.model import ComponentStatus, Message, Status, ThreadKind
from ..content.urls import API_ROOT
from ..status import Indicator, ThreadState, status_of
from ..text.markup import plain
from . import BuildContext
from .common import dumps, is_public, public_messages, text_of, thread_url

LIST_LIMIT = 50
"""incidents.json and scheduled-maintenances.json list the 50 most recent, as Statuspage does."""
DESCRIPTIONS = {
    Indicator.NONE: "All Systems Operational",
    Indicator.MAINTENANCE: "Service Under Maintenance",
    Indicator.MINOR: "Minor Service Outage",
    Indicator.MAJOR: "Partial System Outage",
    Indicator.CRITICAL: "Major Service Outage",
}
MAINTENANCE_API_STATUS = {
    Status.SCHEDULED: "scheduled",
    Status.IN_PROGRESS: "in_progress",
    Status.VERIFYING: "verifying",
    Status.COMPLETED: "completed",
    Status.CANCELLED: "completed",  # Statuspage has no "cancelled"; the update body says so
}
Json = dict[str, Any]


class _Api:
    """Builds the objects once per build; every endpoint reuses them."""

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.content = ctx.content
        org = ctx.content.organisation
        self.page_id = hashlib.sha1(org.base_url.encode()).hexdigest()[:12]
        public = [m for m in ctx.report.published if is_public(m)]
        self.epoch: datetime = (public[-1].send_at if public else None) or ctx.now
        self.page = {
            "id": self.page_id,
            "name": plain(org.name),
            "url": org.base_url,
            "time_zone": org.timezone,
            "updated_at": self.time(public[0].send_at if public else ctx.now),
        }
        self.states = [s for s in ctx.report.threads.values()
                       if s.kind in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE)
                       and public_messages(s)]
        self.touched: dict[str, datetime] = {}
        for state in self.states:
            moments = [m.send_at for m in public_messages(state)]
            if state.active and state.start <= ctx.now:
                moments.append(state.start)  # a window opening changes a light without a message
            for service_id in state.services:
                latest = max(m for m in moments if m is not None)
                if service_id not in self.touched or self.touched[service_id] < latest:
                    self.touched[service_id] = latest
        self.components = self._components()
        self.by_id = {c["id"]: c for c in self.components}

    def time(self, instant: datetime | None) -> str | None:
        return self.content.local(instant).isoformat() if instant is not None else None

    # ------------------------------------------------------------------ components

    def _component(self, cid: str, name: str, description: str, status: ComponentStatus,
                   position: int, group_id: str | None, updated: datetime) -> Json:
        return {
            "id": cid,
            "name": plain(name),
            "status": status.value,
            "created_at": self.time(self.epoch),
            "updated_at": self.time(max(updated, self.epoch)),
            "position": position,
            "description": plain(description) or None,
            "showcase": False,
            "start_date": None,
            "group_id": group_id,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def _components(self) -> list[Json]:
        out: list[Json] = []
        for g_index, group_state in enumerate(self.ctx.report.groups, start=1):
            group = group_state.group
            members = []
            for s_index, state in enumerate(group_state.services, start=1):
                service = state.service
                members.append(self._component(
                    service.id, service.name, service.description, state.status, s_index,
                    group.id, self.touched.get(service.id, self.epoch)))
            updated = max((self.touched.get(s.service.id, self.epoch)
                           for s in group_state.services), default=self.epoch)
            head = self._component(group.id, group.name, group.description, group_state.status,
                                   g_index, None, updated)
            head["group"] = True
            head["components"] = [m["id"] for m in members]
            out.append(head)
            out.extend(members)
        return out

    # ------------------------------------------------------------------ incidents

    def _status(self, state: ThreadState) -> str:
        assert state.status is not None
        if state.kind is ThreadKind.MAINTENANCE:
            return MAINTENANCE_API_STATUS[state.status]
        return state.status.value

    def _status_then(self, state: ThreadState, approved: list[Message], times: list[float],
                     message: Message) -> str:
        """The thread's status when ``message`` was sent, as ``thread_state`` would give it
        then, found by bisection (a thread of 10,000 updates stays linear, not quadratic)."""
        assert message.send_at is not None
        now = message.send_at.astimezone(UTC)
        count = bisect.bisect_right(times, now.timestamp())
        if count == 0:
            return self._status(state)
        latest = approved[count - 1]
        window = latest.meta.window
        start = (window.start if window and window.start else None) or approved[0].send_at
        assert start is not None
        status = status_of(state.kind, latest, start, now)
        assert status is not None
        if state.kind is ThreadKind.MAINTENANCE:
            return MAINTENANCE_API_STATUS[status]
        return status.value

    def _update(self, state: ThreadState, message: Message, previous: Message | None,
                approved: list[Message], times: list[float]) -> Json:
        status = self._status_then(state, approved, times, message)
        body = text_of(message.body)
        if message.meta.status is Status.CANCELLED:
            body = f"Cancelled. {body}".strip()
        before = dict(previous.meta.services) if previous else {}
        affected = [
            {
                "code": service_id,
                "name": plain(self.content.services[service_id].name)
                if service_id in self.content.services else service_id,
                "old_status": before.get(service_id, ComponentStatus.OPERATIONAL).value,
                "new_status": impact.value,
            }
            for service_id, impact in message.meta.services.items()
            if before.get(service_id) != impact
        ]
        when = self.time(message.send_at)
        return {
            "id": message.id.replace("/", "-"),
            "status": status,
            "body": body,
            "incident_id": state.id,
            "created_at": when,
            "updated_at": when,
            "display_at": when,
            "affected_components": affected or None,
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }

    def incident(self, state: ThreadState) -> Json:
        messages = public_messages(state)
        updates = []
        previous: Message | None = None
        # public messages that may be published (approved, not held), in send order
        approved = [m for m in state.thread.messages if m.approved and not m.held
                    and m.is_public and m.send_at is not None]
        times = [m.send_at.timestamp() for m in approved]  # type: ignore[union-attr]
        for message in messages:
            updates.append(self._update(state, message, previous, approved, times))
            previous = message
        updates.reverse()  # Statuspage lists the newest update first
        monitoring = next((m.send_at for m in messages if m.meta.status is Status.MONITORING),
                          None)
        maintenance = state.kind is ThreadKind.MAINTENANCE
        data: Json = {
            "id": state.id,
            "name": plain(state.title),
            "status": self._status(state),
            "created_at": self.time(messages[0].send_at),
            "updated_at": self.time(messages[-1].send_at),
            "monitoring_at": self.time(monitoring),
            "resolved_at": self.time(state.end) if not state.open else None,
            "impact": "maintenance" if maintenance else state.impact.value,
            "shortlink": thread_url(self.ctx, state.thread),
            "started_at": self.time(state.start),
            "page_id": self.page_id,
            "incident_updates": updates,
            "components": [self.by_id[sid] for sid in state.services if sid in self.by_id],
        }
        if maintenance:
            data["scheduled_for"] = self.time(state.start)
            data["scheduled_until"] = self.time(state.expected_end or state.end or state.start)
        return data

    # ------------------------------------------------------------------ endpoints

    def files(self) -> dict[str, bytes]:
        report = self.ctx.report
        incidents = [s for s in self.states if s.kind is ThreadKind.INCIDENT]
        maintenance = [s for s in self.states if s.kind is ThreadKind.MAINTENANCE]
        unresolved = [self.incident(s) for s in incidents if s.open]
        active = [self.incident(s) for s in maintenance
                  if s.status in (Status.IN_PROGRESS, Status.VERIFYING)]
        upcoming_ids = {s.id for s in report.upcoming_maintenance}
        upcoming = [self.incident(s) for s in sorted(maintenance, key=lambda s: s.start)
                    if s.id in upcoming_ids]
        indicator = report.overall.indicator
        status = {"indicator": indicator.value, "description": DESCRIPTIONS[indicator]}
        page = self.page
        documents: dict[str, Json] = {
            "summary.json": {"page": page, "components": self.components,
                             "incidents": unresolved,
                             "scheduled_maintenances": active + upcoming, "status": status},
            "status.json": {"page": page, "status": status},
            "components.json": {"page": page, "components": self.components},
            "incidents.json": {"page": page, "incidents": [
                self.incident(s) for s in newest_created(incidents)[:LIST_LIMIT]]},
            "incidents/unresolved.json": {"page": page, "incidents": unresolved},
            "scheduled-maintenances.json": {"page": page, "scheduled_maintenances": [
                self.incident(s) for s in newest_created(maintenance)[:LIST_LIMIT]]},
            "scheduled-maintenances/upcoming.json": {"page": page,
                                                     "scheduled_maintenances": upcoming},
            "scheduled-maintenances/active.json": {"page": page,
                                                   "scheduled_maintenances": active},
        }
        return {API_ROOT + name: dumps(doc) for name, doc in documents.items()}


def newest_created(states: list[ThreadState]) -> list[ThreadState]:
    """Newest ``created_at`` (first public message) first, as Statuspage lists incidents and
    scheduled maintenances; a later update does not move an old incident up the list."""
    return sorted(states, key=lambda s: (public_messages(s)[0].send_at.timestamp(),  # type: ignore[union-attr]
                                         s.id), reverse=True)


def produce_api(ctx: BuildContext) -> dict[str, bytes]:
    """The Statuspage-compatible JSON documents, keyed by path under the site root."""
    return _Api(ctx).files()
