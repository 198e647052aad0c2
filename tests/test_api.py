"""The JSON API read by an independent consumer: pydantic models written from Atlassian
Statuspage's published public API v2 shapes (not from our code), strict about extra fields."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from conftest import DEMO, DEMO_NOW
from pydantic import AwareDatetime, BaseModel, ConfigDict

from publisher.content.load import load_content
from publisher.renderers import BuildContext
from publisher.renderers.api import produce_api

# --------------------------------------------------------------------------- Statuspage v2


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


ComponentStatus = Literal["operational", "degraded_performance", "partial_outage",
                          "major_outage", "under_maintenance"]
IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved", "postmortem"]
MaintenanceStatus = Literal["scheduled", "in_progress", "verifying", "completed"]
Impact = Literal["none", "minor", "major", "critical", "maintenance"]


class Page(Shape):
    id: str
    name: str
    url: str
    time_zone: str
    updated_at: AwareDatetime


class Component(Shape):
    id: str
    name: str
    status: ComponentStatus
    created_at: AwareDatetime
    updated_at: AwareDatetime
    position: int
    description: str | None
    showcase: bool
    start_date: str | None
    group_id: str | None
    page_id: str
    group: bool
    only_show_if_degraded: bool
    components: list[str] | None = None  # group components only


class AffectedComponent(Shape):
    code: str
    name: str
    old_status: ComponentStatus
    new_status: ComponentStatus


class IncidentUpdate(Shape):
    id: str
    status: IncidentStatus | MaintenanceStatus
    body: str
    incident_id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    display_at: AwareDatetime
    affected_components: list[AffectedComponent] | None
    deliver_notifications: bool
    custom_tweet: str | None
    tweet_id: str | None


class Incident(Shape):
    id: str
    name: str
    status: IncidentStatus
    created_at: AwareDatetime
    updated_at: AwareDatetime | None
    monitoring_at: AwareDatetime | None
    resolved_at: AwareDatetime | None
    impact: Impact
    shortlink: str
    started_at: AwareDatetime
    page_id: str
    incident_updates: list[IncidentUpdate]
    components: list[Component]


class ScheduledMaintenance(Incident):
    status: MaintenanceStatus  # type: ignore[assignment]
    scheduled_for: AwareDatetime
    scheduled_until: AwareDatetime


class StatusIndicator(Shape):
    indicator: Literal["none", "minor", "major", "critical", "maintenance"]
    description: str


class StatusDoc(Shape):
    page: Page
    status: StatusIndicator


class ComponentsDoc(Shape):
    page: Page
    components: list[Component]


class IncidentsDoc(Shape):
    page: Page
    incidents: list[Incident]


class MaintenancesDoc(Shape):
    page: Page
    scheduled_maintenances: list[ScheduledMaintenance]


class Summary(Shape):
    page: Page
    components: list[Component]
    incidents: list[Incident]
    scheduled_maintenances: list[ScheduledMaintenance]
    status: StatusIndicator


SHAPES: dict[str, type[Shape]] = {
    "summary.json": Summary,
    "status.json": StatusDoc,
    "components.json": ComponentsDoc,
    "incidents.json": IncidentsDoc,
    "incidents/unresolved.json": IncidentsDoc,
    "scheduled-maintenances.json": MaintenancesDoc,
    "scheduled-maintenances/upcoming.json": MaintenancesDoc,
    "scheduled-maintenances/active.json": MaintenancesDoc,
}

# --------------------------------------------------------------------------- tests


def build(root: Path, now: datetime = DEMO_NOW) -> dict[str, bytes]:
    content, problems = load_content(root)
    assert content is not None, problems
    return produce_api(BuildContext.at(content, now))


@pytest.fixture(scope="module")
def api() -> dict[str, bytes]:
    return build(DEMO)


def read(api: dict[str, bytes], name: str) -> Any:
    return SHAPES[name].model_validate(json.loads(api["api/v2/" + name]))


def test_every_endpoint_matches_the_statuspage_shape(api: dict[str, bytes]) -> None:
    assert set(api) == {"api/v2/" + name for name in SHAPES}
    for name in SHAPES:
        read(api, name)


def test_summary_reports_the_demo_moment(api: dict[str, bytes]) -> None:
    summary: Summary = read(api, "summary.json")
    assert summary.status.indicator == "critical"
    assert summary.status.description
    by_id = {c.id: c for c in summary.components}
    assert by_id["student-records"].status == "major_outage"
    assert by_id["library-catalogue"].status == "under_maintenance"
    assert by_id["wifi"].status == "degraded_performance"
    assert by_id["email"].status == "operational"
    assert {i.id for i in summary.incidents} == {
        "2026-11-18-student-records-outage", "2026-11-18-wifi-slow-fenwick-building"}
    assert [m.id for m in summary.scheduled_maintenances] == [
        "2026-11-18-library-catalogue-upgrade", "2026-11-28-vle-upgrade"]
    assert summary.page.url == "https://status.westmarch.example/"
    assert summary.page.time_zone == "Europe/London"


def test_groups_are_group_components_with_their_members(api: dict[str, bytes]) -> None:
    components = read(api, "components.json").components
    groups = [c for c in components if c.group]
    assert groups
    ids = {c.id for c in components}
    for group in groups:
        assert group.group_id is None and group.components
        for member in group.components:
            assert member in ids
            assert next(c for c in components if c.id == member).group_id == group.id
    business = next(c for c in groups if c.id == "business")
    assert business.status == "major_outage"


def test_incident_updates_newest_first_with_statuses_and_affected_components(
        api: dict[str, bytes]) -> None:
    incident = next(i for i in read(api, "incidents/unresolved.json").incidents
                    if i.id == "2026-11-18-student-records-outage")
    assert incident.status == "identified"
    assert incident.impact == "major"
    assert incident.resolved_at is None
    assert incident.shortlink.startswith("https://status.westmarch.example/incidents/")
    updates = incident.incident_updates
    assert [u.status for u in updates] == ["identified", "identified", "investigating"]
    assert updates[0].display_at > updates[-1].display_at
    assert "13:00" in updates[0].body and "<" not in updates[0].body
    first = updates[-1].affected_components
    assert first is not None
    assert (first[0].code, first[0].old_status, first[0].new_status) == (
        "student-records", "operational", "major_outage")
    assert [c.id for c in incident.components] == ["student-records"]


def test_resolved_incidents_and_completed_maintenance_in_the_lists(api: dict[str, bytes]) -> None:
    incidents = read(api, "incidents.json").incidents
    assert 0 < len(incidents) <= 50
    resolved = [i for i in incidents if i.status in ("resolved", "postmortem")]
    assert resolved and all(i.resolved_at is not None for i in resolved)
    assert all(u.incident_id == i.id for i in incidents for u in i.incident_updates)
    maintenance = read(api, "scheduled-maintenances.json").scheduled_maintenances
    assert {"completed", "in_progress", "scheduled"} <= {m.status for m in maintenance}
    assert all(m.impact == "maintenance" for m in maintenance)
    active = read(api, "scheduled-maintenances/active.json").scheduled_maintenances
    assert [m.id for m in active] == ["2026-11-18-library-catalogue-upgrade"]
    assert active[0].scheduled_for < DEMO_NOW < active[0].scheduled_until
    upcoming = read(api, "scheduled-maintenances/upcoming.json").scheduled_maintenances
    assert [m.id for m in upcoming] == ["2026-11-28-vle-upgrade"]
    assert upcoming[0].scheduled_for > DEMO_NOW


def test_maintenance_moves_by_the_clock(demo_root: Path) -> None:
    later = build(demo_root, datetime.fromisoformat("2026-11-18T12:30:00+00:00"))
    summary = SHAPES["summary.json"].model_validate(json.loads(later["api/v2/summary.json"]))
    by_id = {c.id: c for c in summary.components}  # type: ignore[attr-defined]
    assert by_id["library-catalogue"].status == "operational"
    done = MaintenancesDoc.model_validate(
        json.loads(later["api/v2/scheduled-maintenances.json"]))
    catalogue = next(m for m in done.scheduled_maintenances
                     if m.id == "2026-11-18-library-catalogue-upgrade")
    assert catalogue.status == "completed"


def test_only_published_messages_and_no_internal_notes(mini_root: Path) -> None:
    files = build(mini_root, DEMO_NOW)
    blob = b"".join(files.values())
    assert b"mail relay" not in blob and b"secret draft" not in blob
    early = build(mini_root, datetime.fromisoformat("2026-03-02T10:00:00+00:00"))
    unresolved = IncidentsDoc.model_validate(
        json.loads(early["api/v2/incidents/unresolved.json"]))
    assert [i.id for i in unresolved.incidents] == ["2026-03-02-email-outage"]
    assert len(unresolved.incidents[0].incident_updates) == 1  # the all-clear is not out yet
    after = IncidentsDoc.model_validate(json.loads(files["api/v2/incidents.json"]))
    assert after.incidents[0].status == "resolved"
    assert after.incidents[0].incident_updates[0].status == "resolved"


def test_markup_in_json_is_escaped_for_html_consumers(demo_copy: Path) -> None:
    notice = demo_copy / "messages/2026/2026-11-18-student-records-outage/01-notice.md"
    text = notice.read_text().replace("title: Student records unavailable",
                                      'title: "Records a<b & \\"more\\" < 5"')
    notice.write_text(text + "\nType `<script>alert(1)</script>` to test.\n")
    files = build(demo_copy)
    raw = files["api/v2/summary.json"]
    assert b"<script" not in raw and b"</" not in raw and b"&" not in raw
    data = json.loads(raw)
    incident = next(i for i in data["incidents"] if i["id"].endswith("student-records-outage"))
    assert incident["name"] == 'Records a<b & "more" < 5'  # plain text: never stripped
    assert "`" not in incident["incident_updates"][-1]["body"]
    assert "<script>alert(1)</script>" in incident["incident_updates"][-1]["body"]


def test_rebuild_is_byte_identical(api: dict[str, bytes]) -> None:
    assert build(DEMO) == api
    assert build(DEMO, DEMO_NOW + timedelta(seconds=30)) == api



def test_lists_are_newest_created_first_as_statuspage(api: dict[str, bytes]) -> None:
    """incidents.json and scheduled-maintenances.json: newest created_at first, so an old
    incident with a late update does not jump above a newer one."""
    for name, key in (("incidents.json", "incidents"),
                      ("scheduled-maintenances.json", "scheduled_maintenances")):
        items = json.loads(api["api/v2/" + name])[key]
        created = [datetime.fromisoformat(i["created_at"]) for i in items]
        assert len(created) > 5
        assert created == sorted(created, reverse=True), name
