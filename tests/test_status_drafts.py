"""Property: the status never depends on drafts. Adding unapproved messages anywhere (new
threads, inside thread folders, joining threads by ``thread:``) never changes the report."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import MINI
from contentkit import front
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.content.load import load_content
from publisher.status import StatusReport, evaluate, history

SERVICES = ["email", "calendar", "vle", "hpc"]
IMPACTS = ["operational", "degraded_performance", "partial_outage", "major_outage",
           "under_maintenance"]
INCIDENT = ["investigating", "identified", "monitoring", "resolved"]
MAINTENANCE = ["scheduled", "in_progress", "verifying", "completed", "cancelled"]
MOMENTS = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(hours=h)
           for h in (0, 0.5, 1, 2, 2.5, 3, 24, 24 * 17, 24 * 18 - 2, 24 * 18 - 1.5, 24 * 30)]


NEAR = [datetime(2026, 3, 2, 9, 30), datetime(2026, 3, 2, 10, 0), datetime(2026, 3, 2, 11, 39),
        datetime(2026, 3, 10, 10, 30), datetime(2026, 3, 20, 7, 30), datetime(2026, 3, 5, 9)]


@st.composite
def draft(draw: st.DrawFn, index: int) -> tuple[str, str]:
    """(path under messages/, file text) of one valid, unapproved message."""
    stage = draw(st.sampled_from(["draft", "review", "intake", "withdrawn"]))
    where = draw(st.sampled_from(["new", "email-folder", "vle-join", "email-join"]))
    # a follow-up is scheduled after its thread's first message (before it is an error)
    earliest = {"new": datetime(2026, 2, 25), "vle-join": datetime(2026, 3, 10, 10, 1)}.get(
        where, datetime(2026, 3, 2, 9, 26))
    near = [t for t in NEAR if t >= earliest]  # right between the published messages
    send = draw(st.none() | st.sampled_from(near) |
                st.datetimes(min_value=earliest, max_value=datetime(2026, 3, 25)))
    services = draw(st.dictionaries(st.sampled_from(SERVICES), st.sampled_from(IMPACTS),
                                    max_size=3))
    fields: dict[str, object] = {"workflow": {"stage": stage}}
    if send is not None:
        fields["send_at"] = send.strftime("%Y-%m-%dT%H:%M")
    if services:
        fields["services"] = services
    if where == "new":
        kind = draw(st.sampled_from(["unplanned-outage", "planned-maintenance", "news"]))
        statuses = {"unplanned-outage": INCIDENT, "planned-maintenance": MAINTENANCE}.get(kind)
        if statuses and draw(st.booleans()):
            fields["status"] = draw(st.sampled_from(statuses))
        return (f"2026/2026-03-0{index % 9 + 1}-draft-{index}.md",
                front(title=f"Draft {index}", type=kind, **fields))
    kind = draw(st.sampled_from(["update", "extension", "all-clear"]))
    statuses = INCIDENT if where != "vle-join" else MAINTENANCE
    if draw(st.booleans()):
        allowed = [s for s in statuses if kind != "all-clear" or s in
                   ("resolved", "completed", "cancelled")]
        fields["status"] = draw(st.sampled_from(allowed))
    if where == "email-folder":
        return f"2026/2026-03-02-email-outage/9{index}-draft.md", front(type=kind, **fields)
    thread = "2026-03-20-vle-upgrade" if where == "vle-join" else "2026-03-02-email-outage"
    return (f"2026/2026-03-1{index % 9}-joined-{index}.md",
            front(type=kind, thread=thread, **fields))


def projection(report: StatusReport, content: object) -> dict[str, object]:
    """Everything an output could show, by value (threads compared by id, not identity)."""
    return {
        "services": {k: (v.status, v.threads) for k, v in report.services.items()},
        "groups": [(g.group.id, g.status) for g in report.groups],
        "overall": report.overall,
        "threads": {k: (s.status, s.services, s.impact, s.start, s.expected_end, s.end, s.open,
                        s.active, s.latest.id, [m.id for m in s.published],
                        [m.meta for m in s.published])
                    for k, s in report.threads.items()},
        "open": [s.id for s in report.open_incidents],
        "active": [s.id for s in report.active_maintenance],
        "upcoming": [s.id for s in report.upcoming_maintenance],
        "stories": [s.id for s in report.stories],
        "published": [m.id for m in report.published],
        "history": {k: [(d.day, d.status, d.threads) for d in bar]
                    for k, bar in history(content, report, days=40).items()},  # type: ignore[arg-type]
    }


_BASE, _ = load_content(MINI)
assert _BASE is not None
BASELINE = {now: projection(evaluate(_BASE, now), _BASE) for now in MOMENTS}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=6).flatmap(
    lambda seeds: st.tuples(*(draft(i) for i in range(len(seeds))))))
def test_drafts_never_change_the_report(drafts: tuple[tuple[str, str], ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "content"
        shutil.copytree(MINI, root)
        for rel, text in drafts:
            path = root / "messages" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        content, problems = load_content(root)
        errors = [str(p) for p in problems if p.is_error]
        assert errors == []
        assert content is not None
        assert len(content.messages) == 4 + len(drafts)
        for now in MOMENTS:
            assert projection(evaluate(content, now), content) == BASELINE[now], now


def test_a_scheduled_draft_between_published_messages_is_not_inherited(tmp_path: Path) -> None:
    """A follow-up takes left-out fields from the approved message before it, never a draft."""
    root = tmp_path / "content"
    shutil.copytree(MINI, root)
    (root / "messages" / "2026" / "2026-03-02-email-outage" / "015-draft.md").write_text(front(
        type="update", status="monitoring", services={"vle": "major_outage"},
        send_at="2026-03-02T10:00", workflow={"stage": "review"}))
    content, problems = load_content(root)
    assert content is not None and not [p for p in problems if p.is_error]
    clear = content.messages["2026-03-02-email-outage/02-all-clear"]
    assert dict(clear.meta.services) == {"email": "major_outage",
                                         "calendar": "degraded_performance"}
    for now in MOMENTS:
        assert projection(evaluate(content, now), content) == BASELINE[now], now
