"""Roles (fallback chains, unavailability, who may act) and content-model edge cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import MINI
from contentkit import front, load
from pydantic import ValidationError

from publisher.content.load import load_content
from publisher.content.model import (
    BusinessHours,
    ComponentStatus,
    Content,
    FrontMatter,
    Organisation,
    Period,
    Person,
)
from publisher.content.roles import chain, first_available, may_act, roles_of

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def mini() -> Content:
    content, _ = load_content(MINI)
    assert content is not None
    return content


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


# --------------------------------------------------------------------------- roles


def test_chain_of_a_role(mini: Content) -> None:
    assert chain(mini, "comms-lead") == ["casey-lead", "dana-director"]
    assert chain(mini, "comms-director") == ["dana-director", "dev-delegate"]
    assert chain(mini, "no-such-role") == []


def test_per_service_chain_follows_service_managers_without_repeats(mini: Content) -> None:
    assert chain(mini, "service-manager", ["email"]) == ["sam-manager", "pat-project"]
    assert chain(mini, "service-manager", ["vle", "email"]) == ["pat-project", "sam-manager"]
    assert chain(mini, "service-manager", ["email", "calendar", "hpc"]) == [
        "sam-manager", "pat-project"]
    assert chain(mini, "service-manager", ["no-such-service"]) == []  # the role's own chain
    assert chain(mini, "service-manager") == []


def test_first_available_skips_people_on_leave(mini: Content) -> None:
    # dana-director is away 2026-03-01..2026-03-05 inclusive
    assert first_available(mini, "comms-director", local("2026-02-28T23:59")).id == (
        "dana-director")  # type: ignore[union-attr]
    for day in ("2026-03-01T00:00", "2026-03-03T12:00", "2026-03-05T23:59"):
        person = first_available(mini, "comms-director", local(day))
        assert person is not None and person.id == "dev-delegate", day
    assert first_available(mini, "comms-director", local("2026-03-06T00:00")).id == (
        "dana-director")  # type: ignore[union-attr]
    # the lead is always there
    assert first_available(mini, "comms-lead", local("2026-03-03T12:00")).id == "casey-lead"  # type: ignore[union-attr]


def test_unavailability_uses_organisation_dates_not_utc(tmp_path: Path) -> None:
    content = load(tmp_path / "content", {})
    person = content.people["dana-director"]
    assert person.available_on(date(2026, 2, 28)) and not person.available_on(date(2026, 3, 1))
    # 2026-06-30T23:30Z is already 1 July in London (BST): checked against the London date
    root = tmp_path / "summer"
    load(root, {})
    people = root / "people.yml"
    people.write_text(people.read_text().replace("{from: 2026-03-01, to: 2026-03-05}",
                                                 "{from: 2026-06-20, to: 2026-06-30}"))
    summer, problems = load_content(root)
    assert summer is not None and not [p for p in problems if p.is_error]
    late_utc = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert first_available(summer, "comms-director", late_utc).id == "dana-director"  # type: ignore[union-attr]
    assert first_available(summer, "comms-director",
                           datetime(2026, 6, 30, 22, 30, tzinfo=UTC)).id == "dev-delegate"  # type: ignore[union-attr]


def test_nobody_available_gives_none(tmp_path: Path) -> None:
    root = tmp_path / "content"
    load(root, {})
    people = root / "people.yml"
    people.write_text(people.read_text().replace(
        "  - id: dev-delegate\n    name: Dev Delegate\n",
        "  - id: dev-delegate\n    name: Dev Delegate\n"
        "    unavailable: [{from: 2026-03-02, to: 2026-03-02}]\n"))
    content, _ = load_content(root)
    assert content is not None
    assert first_available(content, "comms-director", local("2026-03-02T10:00")) is None
    assert not may_act(content, "dev-delegate", "comms-director", local("2026-03-02T10:00"))
    assert not may_act(content, "dana-director", "comms-director", local("2026-03-02T10:00"))
    assert may_act(content, "dev-delegate", "comms-director", local("2026-03-03T10:00"))
    assert may_act(content, "dana-director", "comms-director", local("2026-03-06T10:00"))


def test_may_act_only_the_first_available(mini: Content) -> None:
    normal, leave = local("2026-02-20T10:00"), local("2026-03-03T10:00")
    assert may_act(mini, "dana-director", "comms-director", normal)
    assert not may_act(mini, "dev-delegate", "comms-director", normal)  # Dana is in
    assert may_act(mini, "dev-delegate", "comms-director", leave)  # Dana is away
    assert not may_act(mini, "dana-director", "comms-director", leave)
    assert not may_act(mini, "casey-lead", "comms-director", normal)  # not in the chain
    assert not may_act(mini, "nobody", "comms-director", normal)
    assert not may_act(mini, "casey-lead", "no-such-role", normal)
    assert may_act(mini, "sam-manager", "service-manager", normal, ["email"])
    assert not may_act(mini, "pat-project", "service-manager", normal, ["email"])
    assert may_act(mini, "pat-project", "service-manager", normal, ["vle"])


def test_roles_of(mini: Content) -> None:
    assert roles_of(mini, "dana-director") == ["comms-lead", "comms-director"]
    assert roles_of(mini, "sam-manager") == ["service-manager"]
    assert roles_of(mini, "nobody") == []


def test_unknown_person_in_chain_is_skipped_but_reported(tmp_path: Path) -> None:
    root = tmp_path / "content"
    load(root, {})
    people = root / "people.yml"
    people.write_text(people.read_text().replace("chain: [casey-lead, dana-director]",
                                                 "chain: [ghost, casey-lead]"))
    content, problems = load_content(root)
    assert [str(p) for p in problems if p.is_error] == [
        f"{problems[0].path}:19: roles[0].chain[0]: unknown person 'ghost' (known: "
        "casey-lead, dana-director, dev-delegate, pat-project, sam-manager)"]
    assert content is not None
    assert first_available(content, "comms-lead", local("2026-03-03T10:00")).id == "casey-lead"  # type: ignore[union-attr]
    assert may_act(content, "casey-lead", "comms-lead", local("2026-03-03T10:00"))


# --------------------------------------------------------------------------- model


def test_period_is_inclusive_and_ordered() -> None:
    period = Period.model_validate({"from": "2026-03-01", "to": "2026-03-05"})
    assert period.covers(date(2026, 3, 1)) and period.covers(date(2026, 3, 5))
    assert not period.covers(date(2026, 2, 28)) and not period.covers(date(2026, 3, 6))
    with pytest.raises(ValidationError, match="'to' is before 'from'"):
        Period.model_validate({"from": "2026-03-05", "to": "2026-03-01"})
    assert Person(id="x", name="X", unavailable=[period]).available_on(date(2026, 3, 6))


def test_business_hours_boundaries() -> None:
    hours = BusinessHours(start=time(8, 30), end=time(17, 30), closures=[date(2026, 12, 24)])
    assert hours.contains(datetime(2026, 12, 23, 8, 30))  # Wednesday, opening minute
    assert not hours.contains(datetime(2026, 12, 23, 8, 29))
    assert hours.contains(datetime(2026, 12, 23, 17, 29))
    assert not hours.contains(datetime(2026, 12, 23, 17, 30))  # closing time is closed
    assert not hours.contains(datetime(2026, 12, 24, 10, 0))  # a closure day
    assert not hours.contains(datetime(2026, 12, 26, 10, 0))  # Saturday


def test_organisation_defaults_and_url() -> None:
    org = Organisation.model_validate({"name": "U", "site_url": "https://s.example",
                                       "email": {"from": "it@s.example"}})
    assert org.base_url == "https://s.example/"
    assert org.timezone == "UTC" and org.tz == ZoneInfo("UTC")
    assert org.email.sender == "it@s.example" and org.email.batch_size == 50
    with pytest.raises(ValidationError):
        Organisation.model_validate({"name": "U", "site_url": "https://s.example",
                                     "email": {"from": "x"}, "timezone": "Mars/Base"})


def test_front_matter_edge_cases() -> None:
    meta = FrontMatter.model_validate({"type": "news", "services": ["email", "vle"]})
    assert meta.services == {"email": ComponentStatus.OPERATIONAL,
                             "vle": ComponentStatus.OPERATIONAL}
    naive = FrontMatter.model_validate({"type": "news", "send_at": "2026-07-01T09:00"})
    assert naive.send_at is not None and naive.send_at.tzinfo is not None  # UTC without a context
    assert naive.send_at.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    london = FrontMatter.model_validate({"type": "news", "send_at": "2026-07-01T09:00"},
                                        context={"tz": LONDON})
    assert london.send_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    for bad in ({"type": "news", "revision": 0}, {"type": "news", "send_at": "2026-07-01"},
                {"type": "news", "sevrices": []}, {"type": "news", "services": {"Email": "x"}},
                {"type": "news", "workflow": {"stage": "published"}}):
        with pytest.raises(ValidationError):
            FrontMatter.model_validate(bad)


def test_component_status_order_and_labels() -> None:
    order = sorted(ComponentStatus, key=lambda s: s.rank)
    assert order == [ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE,
                     ComponentStatus.DEGRADED_PERFORMANCE, ComponentStatus.PARTIAL_OUTAGE,
                     ComponentStatus.MAJOR_OUTAGE]
    assert ComponentStatus.PARTIAL_OUTAGE.label == "Partial outage"


def test_is_published_boundaries(tmp_path: Path) -> None:
    content = load(tmp_path / "content", {
        "2026/2026-03-10-news.md": front(title="News", type="news", send_at="2026-03-10T10:00"),
        "2026/2026-03-11-withdrawn.md": front(title="Gone", type="news",
                                              send_at="2026-03-11T10:00",
                                              workflow={"stage": "withdrawn"}),
        "2026/2026-03-12-unscheduled.md": front(title="Later", type="news",
                                                workflow={"stage": "draft"}),
    })
    news = content.messages["2026-03-10-news"]
    assert not news.is_published(datetime(2026, 3, 10, 9, 59, 59, tzinfo=UTC))
    assert news.is_published(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))  # due at the minute
    assert not content.messages["2026-03-11-withdrawn"].is_published(datetime(2027, 1, 1,
                                                                             tzinfo=UTC))
    assert not content.messages["2026-03-12-unscheduled"].is_published(datetime(2027, 1, 1,
                                                                               tzinfo=UTC))


def test_follow_up_inherits_and_merges_window(tmp_path: Path) -> None:
    content = load(tmp_path / "content", {
        "2026/2026-03-10-vle/01-notice.md": front(
            title="VLE slow", type="unplanned-outage", services={"vle": "degraded_performance"},
            status="investigating", impact="minor", audiences=["students"],
            window={"start": "2026-03-10T09:00", "expected_end": "2026-03-10T11:00"},
            send_at="2026-03-10T09:10"),
        "2026/2026-03-10-vle/02-extension.md": front(
            type="extension", window={"expected_end": "2026-03-10T13:00"},
            send_at="2026-03-10T10:50"),
        "2026/2026-03-10-vle/03-all-clear.md": front(type="all-clear",
                                                     send_at="2026-03-10T12:10"),
    })
    thread = content.threads["2026-03-10-vle"]
    extension, clear = thread.messages[1], thread.messages[2]
    assert extension.title == "VLE slow" and extension.meta.audiences == ["students"]
    assert extension.meta.status is not None and extension.meta.status.value == "investigating"
    assert extension.meta.window is not None
    assert extension.meta.window.start == local("2026-03-10T09:00")
    assert extension.meta.window.expected_end == local("2026-03-10T13:00")
    assert clear.meta.status is None  # an all-clear never carries the open status on
    assert [m.order for m in thread.messages] == [0, 1, 2]
    assert content.group_of("vle").id == "teaching"
    assert clear.line("window.actual_end") == 2  # not written here: the front matter's top
    assert extension.line("window.expected_end") == 4  # type: 2, window: 3
