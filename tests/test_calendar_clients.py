"""Every maintenance calendar read by three real calendar libraries: ical.js (npm, behind
many web calendars, run with node), icalendar and vobject. All three must see the same UTC
instants for every event, in winter and in summer time, and every file must be a valid
RFC 5545 calendar (at least one component, even with no window in it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vobject
from conftest import DEMO_NOW
from icalendar import Calendar
from site_build import REPO
from test_calendar import build, demo

from publisher.renderers import BuildContext
from publisher.renderers.api import produce_api

ICALJS_VERSION = "2.2.1"
ICALJS = REPO / ".cache" / "node_modules" / "ical.js" / "dist" / "ical.js"
READER = Path(__file__).parent / "js" / "ical_times.mjs"
Times = dict[str, tuple[str, str]]


def icaljs() -> Path:
    """ical.js from npm, pinned, installed once into the git-ignored .cache/ (as axe-core)."""
    if shutil.which("node") is None:
        pytest.fail("node is needed to run ical.js (apt-get install nodejs npm)")
    if not ICALJS.is_file():
        subprocess.run(["npm", "install", "--prefix", str(REPO / ".cache"),
                        f"ical.js@{ICALJS_VERSION}", "--no-audit", "--no-fund", "--silent"],
                       check=True, timeout=300)
    return ICALJS


def utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def by_icalendar(data: bytes) -> Times:
    calendar = Calendar.from_ical(data)
    return {str(e["UID"]): (utc(e.decoded("DTSTART")), utc(e.decoded("DTEND")))
            for e in calendar.walk("VEVENT")}


def by_vobject(data: bytes) -> Times:
    calendar = vobject.readOne(data.decode("utf-8"))
    return {e.uid.value: (utc(e.dtstart.value), utc(e.dtend.value))
            for e in calendar.contents.get("vevent", [])}


@pytest.fixture(scope="module")
def calendars(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, bytes]:
    folder = tmp_path_factory.mktemp("calendars")
    files = {}
    for name, data in build().items():
        path = folder / name.replace("/", "_")
        path.write_bytes(data)
        files[path] = data
    return files


def test_icaljs_icalendar_and_vobject_agree_on_every_instant(
        calendars: dict[Path, bytes]) -> None:
    result = subprocess.run(["node", str(READER), str(icaljs()), *map(str, calendars)],
                            capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(result.stdout)
    summer = 0
    for path, data in calendars.items():
        expected = by_icalendar(data)
        from_js = {uid: tuple(times) for uid, times in seen[str(path)]["events"].items()}
        assert from_js == expected, path.name
        assert by_vobject(data) == expected, path.name
        summer += sum(start[5:7] in {"04", "05", "06", "07", "08", "09"}
                      for start, _ in expected.values())
    assert summer >= 5  # the demo has windows in British Summer Time: the case ical.js broke
    # 18:00 on 2 April 2026 in London is 17:00 UTC (BST), in every library
    vpn = "2026-04-02-vpn-security-fix@status.westmarch.example"
    whole = next(p for p in calendars if p.name == "calendar_maintenance.ics")
    assert seen[str(whole)]["events"][vpn][0] == "2026-04-02T17:00:00.000Z"


def test_timezone_changes_are_one_rdate_per_line(calendars: dict[Path, bytes]) -> None:
    for data in calendars.values():
        for line in data.decode().splitlines():
            if line.startswith("RDATE"):
                assert "," not in line, line


def test_every_calendar_has_a_component_even_without_windows(
        calendars: dict[Path, bytes]) -> None:
    empty = 0
    for path, data in calendars.items():
        calendar = Calendar.from_ical(data)
        assert calendar.subcomponents, f"{path.name}: RFC 5545 needs at least one component"
        assert calendar.subcomponents[0].name == "VTIMEZONE"
        if not calendar.walk("VEVENT"):
            empty += 1
            assert by_vobject(data) == {}
    assert empty >= 1  # some services never had maintenance
    assert build() == build()  # an empty calendar does not change with the build time


def test_completed_window_ends_when_it_really_ended(calendars: dict[Path, bytes]) -> None:
    """The calendar shows when the service was really affected (actual end); the API keeps
    Statuspage's meaning: scheduled_until is the plan, resolved_at the actual end."""
    whole = next(d for p, d in calendars.items() if p.name == "calendar_maintenance.ics")
    phones = "2026-06-20-telephone-system-update"
    start, end = by_icalendar(whole)[f"{phones}@status.westmarch.example"]
    api = json.loads(produce_api(BuildContext.at(demo(), DEMO_NOW))[
        "api/v2/scheduled-maintenances.json"])
    window = next(m for m in api["scheduled_maintenances"] if m["id"] == phones)
    assert utc(datetime.fromisoformat(window["scheduled_for"])) == start
    assert utc(datetime.fromisoformat(window["resolved_at"])) == end  # 08:15 BST, the real end
    assert window["scheduled_until"].startswith("2026-06-20T09:00")  # 09:00 BST, the plan
    assert end == "2026-06-20T07:15:00.000Z"
