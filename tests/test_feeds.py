"""Feeds read back with feedparser (an independent parser): valid, complete, stable, safe."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from conftest import DEMO, DEMO_NOW

from publisher.content.load import load_content
from publisher.content.model import Content
from publisher.content.urls import feed_path
from publisher.renderers import BuildContext
from publisher.renderers import feeds as feed_specs_module
from publisher.renderers.common import is_public
from publisher.renderers.feeds import AGGREGATE_LIMIT, alternate_links, produce_feeds

BASE = "https://status.westmarch.example/"


def load(root: Path) -> Content:
    content, problems = load_content(root)
    assert content is not None, problems
    return content


@pytest.fixture(scope="module")
def demo() -> Content:
    return load(DEMO)


@pytest.fixture(scope="module")
def feeds(demo: Content) -> dict[str, bytes]:
    return produce_feeds(BuildContext.at(demo, DEMO_NOW))


def test_every_feed_parses_without_errors(feeds: dict[str, bytes]) -> None:
    assert len(feeds) > 100
    for path, data in feeds.items():
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("rss20" if path.endswith(".xml") else "atom10"), path


def test_a_feed_for_every_scope_in_both_formats(demo: Content,
                                                feeds: dict[str, bytes]) -> None:
    report = BuildContext.at(demo, DEMO_NOW).report
    wanted = [("all", None), ("news", None)]
    wanted += [("services", s) for s in demo.services]
    wanted += [("groups", g.id) for g in demo.groups]
    wanted += [("audiences", a) for a in demo.audiences]
    wanted += [("threads", t.id) for t in report.threads.values()
               if any(is_public(m) for m in t.published)]
    for scope, key in wanted:
        for fmt in ("rss", "atom"):
            assert feed_path(scope, key, fmt) in feeds, (scope, key, fmt)  # type: ignore[arg-type]


def test_only_published_messages_appear(demo: Content, feeds: dict[str, bytes]) -> None:
    seen = set()
    for data in feeds.values():
        for entry in feedparser.parse(data).entries:
            seen.add(entry.id)
    ctx = BuildContext.at(demo, DEMO_NOW)
    published = {m.id for m in ctx.report.published}
    for message in demo.messages.values():
        anchor = message.id.rpartition("/")[2]
        hits = [i for i in seen if message.thread_id in i and i.endswith(f"#m-{anchor}")]
        if message.id not in published:
            assert not hits, message.id
    # the future VLE upgrade reminder and the unapproved items are out; the live incident in
    assert any("2026-11-18-student-records-outage" in i for i in seen)
    assert not any("2026-12-09-phone-system-change" in i for i in seen)


def test_thread_feed_lists_every_update_newest_first_with_absolute_links(
        feeds: dict[str, bytes]) -> None:
    parsed = feedparser.parse(feeds["feeds/threads/2026-11-18-student-records-outage.atom"])
    ids = [e.id for e in parsed.entries]
    assert [i.rpartition("#")[2] for i in ids] == ["m-03-extension", "m-02-update", "m-01-notice"]
    for entry in parsed.entries:
        assert entry.link.startswith(BASE + "incidents/2026-11-18-student-records-outage/")
        assert entry.id == entry.link
    assert parsed.feed.title.endswith("Student records unavailable")
    assert "13:00" in parsed.entries[0].content[0].value
    assert "<strong>13:00</strong>" in parsed.entries[0].content[0].value


def test_dates_carry_the_timezone(feeds: dict[str, bytes]) -> None:
    atom = feeds["feeds/all.atom"].decode()
    stamps = re.findall(r"<(?:published|updated)>([^<]+)<", atom)
    assert stamps
    for stamp in stamps:
        assert datetime.fromisoformat(stamp).tzinfo is not None, stamp
    rss = feeds["feeds/all.xml"].decode()
    # RFC 822 dates with a numeric offset; a summer message in London is +0100
    assert re.search(r"<pubDate>[^<]+ \+0100</pubDate>", rss)
    assert re.search(r"<pubDate>[^<]+ \+0000</pubDate>", rss)


def test_service_group_and_audience_feeds_hold_the_right_items(
        demo: Content, feeds: dict[str, bytes]) -> None:
    service = feedparser.parse(feeds["feeds/services/student-records.xml"])
    assert service.entries
    for entry in service.entries:
        assert "Student records" in [t.term for t in entry.tags]
    group = feedparser.parse(feeds["feeds/groups/business.xml"])
    service_ids = {e.id for e in service.entries}
    assert service_ids <= {e.id for e in group.entries}
    audience = feedparser.parse(feeds["feeds/audiences/library-staff.atom"])
    assert any("library-catalogue-upgrade" in e.id for e in audience.entries)
    everything = feedparser.parse(feeds["feeds/all.xml"])
    assert 0 < len(everything.entries) <= AGGREGATE_LIMIT
    news = feedparser.parse(feeds["feeds/news.atom"])
    assert news.entries and all("/news/" in e.link for e in news.entries)


def test_guids_do_not_change_on_rebuild_later_or_after_a_correction(
        demo_copy: Path, feeds: dict[str, bytes]) -> None:
    before = {e.id: e.title for e in feedparser.parse(
        feeds["feeds/threads/2026-11-18-student-records-outage.xml"]).entries}
    notice = demo_copy / "messages/2026/2026-11-18-student-records-outage/01-notice.md"
    notice.write_text(notice.read_text().replace("type: unplanned-outage",
                                                 "type: unplanned-outage\nrevision: 2", 1))
    later = BuildContext.at(load(demo_copy), DEMO_NOW + timedelta(days=3))
    rebuilt = produce_feeds(later)
    after = {e.id: e.title for e in feedparser.parse(
        rebuilt["feeds/threads/2026-11-18-student-records-outage.xml"]).entries}
    assert set(before) <= set(after)
    # and a byte-identical rebuild at the same moment
    again = produce_feeds(BuildContext.at(load(DEMO), DEMO_NOW))
    assert again == feeds
    # a minute later nothing new is published: every feed, even an empty one, is unchanged
    assert produce_feeds(BuildContext.at(load(DEMO), DEMO_NOW + timedelta(minutes=1))) == feeds


def test_draft_and_internal_notes_never_reach_a_feed(mini_root: Path) -> None:
    files = produce_feeds(BuildContext.at(load(mini_root), DEMO_NOW))
    blob = b"".join(files.values())
    assert b"A draft story" not in blob
    assert b"secret draft" not in blob
    assert b"mail relay" not in blob
    for data in files.values():
        assert feedparser.parse(data).bozo == 0


def test_alternate_links_point_at_existing_feeds(demo: Content, feeds: dict[str, bytes]) -> None:
    ctx = BuildContext.at(demo, DEMO_NOW)
    links = alternate_links(ctx, [("all", None), ("services", "email")])
    assert {link["type"] for link in links} == {"application/rss+xml", "application/atom+xml"}
    for link in links:
        assert link["href"] in feeds


def test_a_plan_written_and_read_back_makes_the_same_feeds(demo: Content) -> None:
    """The feed writer (a helper process) gets the plan as JSON lines and reads a feed at a
    time: the feeds it makes from them are the feeds made here, byte for byte, including a
    message that several feeds show."""
    ctx = BuildContext.at(demo, DEMO_NOW)
    whole = produce_feeds(ctx)
    plan = feed_specs_module.feed_plan(ctx)
    assert plan.shared  # the aggregate feeds share items with the thread feeds
    written = io.BytesIO()
    feed_specs_module.write_plan(plan, written)
    lines = written.getvalue().splitlines(keepends=True)
    assert len(lines) == 1 + len(whole) // 2  # what every feed shares, then a line a feed
    read = feed_specs_module.read_plan(iter(lines))
    assert dict(feed_specs_module.render(read)) == whole
    assert sorted(feed_specs_module.paths(plan)) == sorted(whole)


def test_a_rebuild_checks_every_feed_without_the_bodies(
        demo: Content, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild finds each unchanged feed by its key, made from what the messages stand for
    (their files' fingerprints): no body's HTML is fetched only to find nothing changed."""
    ctx = BuildContext.at(demo, DEMO_NOW)
    ctx.extras["cache"] = tmp_path
    ctx.extras["reuse"] = lambda path, digest: False  # the first build: nothing to link
    first = produce_feeds(ctx)
    assert first and any((tmp_path / "feeds").rglob("*.json"))
    linked: list[str] = []
    ctx.extras["reuse"] = lambda path, digest: linked.append(path) or True

    def no_body(text: str) -> str:
        raise AssertionError("a body's HTML was fetched for an unchanged feed")

    monkeypatch.setattr(feed_specs_module, "body_html", no_body)
    assert produce_feeds(ctx) == {}
    assert sorted(linked) == sorted(first)
