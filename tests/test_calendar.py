"""Maintenance calendars read back with icalendar's parser: UIDs, SEQUENCE, CANCELLED, TZID."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import DEMO, DEMO_NOW
from icalendar import Calendar

from publisher.content.load import load_content
from publisher.content.model import Content
from publisher.content.urls import calendar_path
from publisher.renderers import BuildContext
from publisher.renderers.calendar import produce_calendars

LOGIN = "2026-03-21-login-page-update@status.westmarch.example"
CATALOGUE = "2026-11-18-library-catalogue-upgrade@status.westmarch.example"


@lru_cache(maxsize=1)
def demo() -> Content:
    content, problems = load_content(DEMO)
    assert content is not None, problems
    return content


def build(root: Path = DEMO, now: datetime = DEMO_NOW) -> dict[str, bytes]:
    if root == DEMO:
        content: Content | None = demo()  # the demo never changes: load it once
    else:
        content, problems = load_content(root)
        assert content is not None, problems
    return produce_calendars(BuildContext.at(content, now))


def events(data: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_maintenance_calendar_has_every_window_in_local_time_with_a_vtimezone() -> None:
    files = build()
    calendar = Calendar.from_ical(files[calendar_path()])
    assert [str(t["TZID"]) for t in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    found = events(files[calendar_path()])
    assert CATALOGUE in found and LOGIN in found
    catalogue = found[CATALOGUE]
    assert catalogue["DTSTART"].params["TZID"] == "Europe/London"
    start = catalogue.decoded("DTSTART")
    assert start == datetime(2026, 11, 18, 7, 0, tzinfo=ZoneInfo("Europe/London"))
    assert catalogue.decoded("DTEND").hour == 12
    assert str(catalogue["STATUS"]) == "CONFIRMED"
    assert str(catalogue["URL"]).startswith("https://status.westmarch.example/maintenance/")
    assert "Library catalogue" in str(catalogue["CATEGORIES"].to_ical())
    # incidents and stories are not maintenance
    assert not any("student-records-outage" in uid for uid in found)
    assert not any("cirrus-gpu" in uid for uid in found)


def test_cancelled_window_stays_with_status_cancelled_and_a_higher_sequence() -> None:
    before = events(build(now=datetime.fromisoformat("2026-03-12T12:00:00+00:00"))[
        calendar_path()])[LOGIN]
    after = events(build()[calendar_path()])[LOGIN]
    assert str(before["STATUS"]) == "CONFIRMED"
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == before.decoded("DTSTART")


def test_sequence_grows_with_a_correction_and_uid_never_changes(mini_copy: Path) -> None:
    now = datetime.fromisoformat("2026-03-15T12:00:00+00:00")
    uid = "2026-03-20-vle-upgrade@status.test.example"
    first = events(build(mini_copy, now)[calendar_path()])[uid]
    path = mini_copy / "messages/2026/2026-03-20-vle-upgrade.md"
    path.write_text(path.read_text().replace("type: planned-maintenance",
                                             "type: planned-maintenance\nrevision: 2"))
    second = events(build(mini_copy, now)[calendar_path()])[uid]
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second.decoded("DTSTAMP") >= first.decoded("DTSTAMP")


def test_one_calendar_per_service_with_only_its_windows() -> None:
    content = demo()
    files = build()
    assert {calendar_path(s) for s in content.services} | {calendar_path()} == set(files)
    assert CATALOGUE in events(files[calendar_path("library-catalogue")])
    assert CATALOGUE not in events(files[calendar_path("email")])
    for data in files.values():
        Calendar.from_ical(data)  # every file parses


def test_future_and_unpublished_windows_are_absent(mini_root: Path) -> None:
    early = events(build(mini_root, datetime.fromisoformat("2026-03-01T12:00:00+00:00"))[
        calendar_path()])
    assert early == {}  # the VLE upgrade is announced on 10 March
    assert build(DEMO) == build(DEMO)
