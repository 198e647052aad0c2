"""The status engine as a pure function of (content, now), on small contents built per test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from contentkit import front, load

from publisher.content.model import ComponentStatus, Status
from publisher.status import LIGHTS, Indicator, evaluate, history, thread_state

LONDON = ZoneInfo("Europe/London")
OP = ComponentStatus.OPERATIONAL


def at(text: str) -> datetime:
    """A London wall-clock time as an aware instant (as the loader reads naive times)."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def outage(services: dict[str, str], start: str, send: str, title: str = "Email trouble",
           **extra: object) -> str:
    return front(title=title, type="unplanned-outage", services=services,
                 status=extra.pop("status", "investigating"), window={"start": start},
                 audiences=["all-staff"], send_at=send, **extra)


def maintenance(services: dict[str, str], start: str, end: str, send: str, **extra: object) -> str:
    return front(title="Upgrade", type="planned-maintenance", services=services,
                 window={"start": start, "expected_end": end}, audiences=["all-staff"],
                 send_at=send, **extra)


def test_overlapping_incidents_on_one_service_worst_wins(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-02-10-slow-email.md": outage({"email": "degraded_performance"},
                                                "2026-02-10T09:00", "2026-02-10T09:05"),
        "2026/2026-02-10-email-down.md": outage({"email": "major_outage",
                                                 "calendar": "partial_outage"},
                                                "2026-02-10T09:30", "2026-02-10T09:40"),
    })
    early = evaluate(content, at("2026-02-10T09:20"))
    assert early.services["email"].status is ComponentStatus.DEGRADED_PERFORMANCE
    assert early.services["calendar"].status is OP
    report = evaluate(content, at("2026-02-10T10:00"))
    email = report.services["email"]
    assert email.status is ComponentStatus.MAJOR_OUTAGE
    assert email.threads == ("2026-02-10-email-down", "2026-02-10-slow-email")  # worst first
    assert report.services["calendar"].status is ComponentStatus.PARTIAL_OUTAGE
    assert {t.id for t in report.open_incidents} == {"2026-02-10-email-down",
                                                     "2026-02-10-slow-email"}
    assert report.overall.indicator is Indicator.CRITICAL


def test_maintenance_window_before_during_after(tmp_path: Path) -> None:
    content = load(tmp_path, {"2026/2026-02-20-vle-upgrade.md": maintenance(
        {"vle": "under_maintenance"}, "2026-02-20T07:00", "2026-02-20T09:00",
        "2026-02-10T10:00")})
    thread = content.threads["2026-02-20-vle-upgrade"]

    before = evaluate(content, at("2026-02-20T06:59"))
    assert before.services["vle"].status is OP
    assert [s.id for s in before.upcoming_maintenance] == ["2026-02-20-vle-upgrade"]
    assert before.active_maintenance == ()
    assert before.threads[thread.id].status is Status.SCHEDULED

    during = evaluate(content, at("2026-02-20T07:00"))
    assert during.services["vle"].status is ComponentStatus.UNDER_MAINTENANCE
    assert [s.id for s in during.active_maintenance] == [thread.id]
    assert during.upcoming_maintenance == ()
    assert during.overall.indicator is Indicator.MAINTENANCE
    assert during.overall.sentence == "Under maintenance: Virtual learning environment"

    after = evaluate(content, at("2026-02-20T09:00"))
    assert after.services["vle"].status is OP
    state = after.threads[thread.id]
    assert state.status is Status.COMPLETED and not state.open
    assert state.end == at("2026-02-20T09:00")
    assert after.overall.indicator is Indicator.NONE

    not_announced = evaluate(content, at("2026-02-09T10:00"))  # before its send time
    assert thread.id not in not_announced.threads
    assert not_announced.upcoming_maintenance == ()


def test_maintenance_all_clear_ends_it_early(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-02-20-vle-upgrade/01-notice.md": maintenance(
            {"vle": "under_maintenance"}, "2026-02-20T07:00", "2026-02-20T11:00",
            "2026-02-10T10:00"),
        "2026/2026-02-20-vle-upgrade/02-all-clear.md": front(type="all-clear",
                                                             send_at="2026-02-20T08:15"),
    })
    report = evaluate(content, at("2026-02-20T09:00"))
    state = report.threads["2026-02-20-vle-upgrade"]
    assert state.status is Status.COMPLETED
    assert report.services["vle"].status is OP
    assert report.active_maintenance == ()
    assert state.end == at("2026-02-20T08:15")


def test_incident_closed_by_its_all_clear(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-02-10-email/01-notice.md": outage({"email": "major_outage"},
                                                     "2026-02-10T09:00", "2026-02-10T09:10"),
        "2026/2026-02-10-email/02-update.md": front(type="update", status="identified",
                                                    send_at="2026-02-10T10:00"),
        "2026/2026-02-10-email/03-all-clear.md": front(
            type="all-clear", send_at="2026-02-10T11:40",
            window={"actual_end": "2026-02-10T11:30"}),
    })
    open_ = evaluate(content, at("2026-02-10T11:35"))
    state = open_.threads["2026-02-10-email"]
    assert state.status is Status.IDENTIFIED and state.open and state.active
    assert state.latest.id == "2026-02-10-email/02-update"
    assert open_.services["email"].status is ComponentStatus.MAJOR_OUTAGE

    closed = evaluate(content, at("2026-02-10T11:40"))
    state = closed.threads["2026-02-10-email"]
    assert state.status is Status.RESOLVED
    assert not state.open and not state.active
    assert state.end == at("2026-02-10T11:30")
    assert state.duration(at("2026-02-11T00:00")) == timedelta(hours=2, minutes=30)
    assert closed.services["email"].status is OP
    assert closed.open_incidents == ()
    assert closed.overall.sentence == "All systems operational"
    assert closed.overall.indicator is Indicator.NONE
    assert state.latest.id == "2026-02-10-email/03-all-clear"


def test_draft_never_counts(tmp_path: Path) -> None:
    draft = outage({"email": "major_outage"}, "2026-02-10T09:00", "2026-02-10T09:10",
                   workflow={"stage": "draft"})
    review = outage({"calendar": "major_outage"}, "2026-02-10T09:00", "2026-02-10T09:10",
                    title="Calendar", workflow={"stage": "review"})
    content = load(tmp_path, {"2026/2026-02-10-draft.md": draft,
                              "2026/2026-02-10-review.md": review})
    report = evaluate(content, at("2026-02-12T00:00"))
    assert report.threads == {}
    assert report.published == ()
    assert all(s.status is OP for s in report.services.values())
    assert thread_state(content.threads["2026-02-10-draft"], at("2026-02-12T00:00")) is None


def test_draft_follow_up_does_not_close_or_change_a_thread(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-02-10-email/01-notice.md": outage({"email": "partial_outage"},
                                                     "2026-02-10T09:00", "2026-02-10T09:10"),
        "2026/2026-02-10-email/02-all-clear.md": front(
            type="all-clear", send_at="2026-02-10T10:00", workflow={"stage": "draft"}),
    })
    report = evaluate(content, at("2026-02-10T12:00"))
    state = report.threads["2026-02-10-email"]
    assert state.open and state.latest.id == "2026-02-10-email/01-notice"
    assert report.services["email"].status is ComponentStatus.PARTIAL_OUTAGE


def test_future_dated_send_is_not_yet_published(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-02-10-email/01-notice.md": outage({"email": "partial_outage"},
                                                     "2026-02-10T09:00", "2026-02-10T09:10"),
        "2026/2026-02-10-email/02-all-clear.md": front(type="all-clear",
                                                       send_at="2026-02-10T12:00"),
        "2026/2026-02-11-news.md": front(title="Tomorrow's news", type="news",
                                         send_at="2026-02-11T10:00"),
    })
    now = at("2026-02-10T11:59")
    report = evaluate(content, now)
    assert report.threads["2026-02-10-email"].open
    assert "2026-02-11-news" not in report.threads
    assert report.stories == ()
    assert not content.messages["2026-02-11-news"].is_published(now)
    assert content.messages["2026-02-11-news"].is_published(at("2026-02-11T10:00"))
    assert [m.id for m in report.published] == ["2026-02-10-email/01-notice"]
    later = evaluate(content, at("2026-02-11T10:00"))
    assert not later.threads["2026-02-10-email"].open
    assert [s.id for s in later.stories] == ["2026-02-11-news"]


def test_dst_spring_forward_durations_and_local_times(tmp_path: Path) -> None:
    """Sunday 29 March 2026: London clocks jump 01:00 GMT → 02:00 BST."""
    content = load(tmp_path, {
        "2026/2026-03-29-hpc/01-notice.md": outage({"hpc": "major_outage"}, "2026-03-29T00:30",
                                                   "2026-03-29T00:40"),
        "2026/2026-03-29-hpc/02-all-clear.md": front(
            type="all-clear", send_at="2026-03-29T03:40",
            window={"actual_end": "2026-03-29T03:30"}),
    })
    notice = content.messages["2026-03-29-hpc/01-notice"]
    assert notice.send_at is not None
    assert notice.send_at.utcoffset() == timedelta(0)  # GMT before the change
    clear = content.messages["2026-03-29-hpc/02-all-clear"]
    assert clear.send_at is not None
    assert clear.send_at.astimezone(UTC) == datetime(2026, 3, 29, 2, 40, tzinfo=UTC)
    # 01:30 UTC is 02:30 BST: still open, shown at the right local time
    mid = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert content.local(mid).strftime("%H:%M %Z") == "02:30 BST"
    assert evaluate(content, mid).services["hpc"].status is ComponentStatus.MAJOR_OUTAGE
    state = evaluate(content, datetime(2026, 3, 29, 3, 0, tzinfo=UTC)).threads["2026-03-29-hpc"]
    assert not state.open
    # 00:30 GMT → 03:30 BST is two hours, not the three the wall clock suggests
    assert state.duration(datetime(2026, 3, 30, tzinfo=UTC)) == timedelta(hours=2)
    # an open incident's duration to "now" across the change is right too
    open_state = evaluate(content, datetime(2026, 3, 29, 2, 0, tzinfo=UTC)).threads[
        "2026-03-29-hpc"]
    assert open_state.open
    assert open_state.duration(datetime(2026, 3, 29, 2, 0, tzinfo=UTC)) == timedelta(hours=1,
                                                                                    minutes=30)


def test_dst_fall_back_durations_and_history_days(tmp_path: Path) -> None:
    """Sunday 25 October 2026: London clocks go back 02:00 BST → 01:00 GMT."""
    content = load(tmp_path, {
        "2026/2026-10-24-vle/01-notice.md": outage({"vle": "partial_outage"}, "2026-10-24T23:30",
                                                   "2026-10-24T23:40"),
        "2026/2026-10-24-vle/02-all-clear.md": front(
            type="all-clear", send_at="2026-10-25T03:40",
            window={"actual_end": "2026-10-25T03:30"}),
    })
    now = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)
    report = evaluate(content, now)
    state = report.threads["2026-10-24-vle"]
    # 23:30 BST (22:30 UTC) → 03:30 GMT (03:30 UTC) is five hours, not four
    assert state.duration(now) == timedelta(hours=5)
    assert state.start.astimezone(UTC) == datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
    bars = history(content, report, days=5)["vle"]
    days = {d.day.isoformat(): d.status for d in bars}
    # organisation dates: it started on the 24th (local) although 22:30 UTC, ended the 25th
    assert days["2026-10-24"] is ComponentStatus.PARTIAL_OUTAGE
    assert days["2026-10-25"] is ComponentStatus.PARTIAL_OUTAGE
    assert days["2026-10-26"] is OP
    assert days["2026-10-23"] is OP
    assert bars[-1].day.isoformat() == "2026-10-26"


def test_group_roll_up_overall_indicator_and_sentence(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-02-10-email.md": outage({"email": "partial_outage"}, "2026-02-10T09:00",
                                           "2026-02-10T09:05"),
        "2026/2026-02-10-hpc.md": outage({"hpc": "degraded_performance"}, "2026-02-10T09:00",
                                         "2026-02-10T09:05", title="HPC slow"),
    })
    report = evaluate(content, at("2026-02-10T10:00"))
    groups = {g.group.id: g for g in report.groups}
    assert groups["collaboration"].status is ComponentStatus.PARTIAL_OUTAGE
    assert [s.status for s in groups["collaboration"].services] == [
        ComponentStatus.PARTIAL_OUTAGE, OP]
    assert groups["teaching"].status is ComponentStatus.DEGRADED_PERFORMANCE
    assert report.overall.status is ComponentStatus.PARTIAL_OUTAGE
    assert report.overall.indicator is Indicator.MAJOR
    assert report.overall.sentence == ("Partial outage: Email; "
                                       "Degraded performance: HPC cluster")


def test_sentence_lists_several_services_with_one_status(tmp_path: Path) -> None:
    content = load(tmp_path, {"2026/2026-02-10-both.md": outage(
        {"email": "partial_outage", "vle": "partial_outage"}, "2026-02-10T09:00",
        "2026-02-10T09:05")})
    report = evaluate(content, at("2026-02-10T10:00"))
    assert report.overall.sentence == "Partial outage: Email, Virtual learning environment"


def test_declared_impact_raises_indicator_without_service_outage(tmp_path: Path) -> None:
    content = load(tmp_path, {"2026/2026-02-10-mi.md": front(
        title="Exams down", type="major-incident", services={"vle": "degraded_performance"},
        status="investigating", audiences=["students"], send_at="2026-02-10T09:05")})
    report = evaluate(content, at("2026-02-10T10:00"))
    assert report.threads["2026-02-10-mi"].impact.value == "major"
    assert report.overall.indicator is Indicator.MAJOR
    assert report.overall.status is ComponentStatus.DEGRADED_PERFORMANCE


def test_upcoming_maintenance_sorted_by_start(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-03-01-late.md": maintenance({"hpc": "under_maintenance"}, "2026-03-01T07:00",
                                               "2026-03-01T09:00", "2026-02-01T10:00"),
        "2026/2026-02-20-early.md": maintenance({"vle": "under_maintenance"},
                                                "2026-02-20T07:00", "2026-02-20T09:00",
                                                "2026-02-02T10:00"),
        "2026/2026-02-21-cancelled.md": maintenance(
            {"email": "under_maintenance"}, "2026-02-21T07:00", "2026-02-21T09:00",
            "2026-02-02T10:00", status="cancelled"),
    })
    report = evaluate(content, at("2026-02-15T12:00"))
    assert [s.id for s in report.upcoming_maintenance] == ["2026-02-20-early", "2026-03-01-late"]
    assert report.threads["2026-02-21-cancelled"].status is Status.CANCELLED
    during_cancelled = evaluate(content, at("2026-02-21T08:00"))
    assert during_cancelled.services["email"].status is OP


def test_latest_published_message_per_thread(tmp_path: Path) -> None:
    content = load(tmp_path, {
        "2026/2026-02-10-email/01-notice.md": outage({"email": "major_outage"},
                                                     "2026-02-10T09:00", "2026-02-10T09:10"),
        "2026/2026-02-10-email/02-update.md": front(type="update", status="monitoring",
                                                    services={"email": "degraded_performance"},
                                                    send_at="2026-02-10T10:00"),
        "2026/2026-02-10-email/03-draft.md": front(type="update", status="resolved",
                                                   workflow={"stage": "draft"}),
        "2026/2026-02-10-email/04-later.md": front(type="update", status="resolved",
                                                   send_at="2026-02-10T15:00"),
    })
    report = evaluate(content, at("2026-02-10T12:00"))
    state = report.threads["2026-02-10-email"]
    assert state.latest.id == "2026-02-10-email/02-update"
    assert [m.id for m in state.published] == ["2026-02-10-email/01-notice",
                                               "2026-02-10-email/02-update"]
    assert state.status is Status.MONITORING
    assert state.services == {"email": ComponentStatus.DEGRADED_PERFORMANCE}
    assert report.services["email"].status is ComponentStatus.DEGRADED_PERFORMANCE


def test_lights_never_colour_alone() -> None:
    for status in ComponentStatus:
        colour, icon, word = LIGHTS[status]
        assert colour and icon and word == status.label
    assert len({LIGHTS[s][1] for s in ComponentStatus}) == len(ComponentStatus)


def test_demo_at_demo_moment(demo_root: Path, demo_now: datetime) -> None:
    from publisher.content.load import load_content

    content, _ = load_content(demo_root)
    assert content is not None
    report = evaluate(content, demo_now)
    assert report.open_incidents and report.active_maintenance
    assert report.overall.indicator in (Indicator.MAJOR, Indicator.CRITICAL)
    assert report.overall.sentence.startswith(("Major outage: ", "Partial outage: "))
    # a pure function: the same inputs give the same report
    assert evaluate(content, demo_now) == report
