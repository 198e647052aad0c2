"""The status site, built by ``mkdocs build`` and read with an HTML parser."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lhtml
from site_build import REPO, built_site

from publisher.content import urls
from publisher.content.load import load_content
from publisher.content.model import Content, ThreadKind
from publisher.renderers.site import PER_PAGE
from publisher.status import StatusReport, evaluate, history
from tests.conftest import DEMO, DEMO_NOW


@pytest.fixture(scope="session")
def site() -> Path:
    return built_site(DEMO, DEMO_NOW)


@pytest.fixture(scope="session")
def content() -> Content:
    loaded, _ = load_content(DEMO)
    assert loaded is not None
    return loaded


@pytest.fixture(scope="session")
def report(content: Content) -> StatusReport:
    return evaluate(content, DEMO_NOW)


def parse(path: Path) -> lhtml.HtmlElement:
    return lhtml.fromstring(path.read_bytes())


def page(site: Path, url_path: str) -> lhtml.HtmlElement:
    return parse(site / url_path.partition("#")[0] / "index.html")


def test_home_lights_match_the_status_engine(site: Path, report: StatusReport) -> None:
    doc = page(site, "")
    shown = {li.get("data-service"): li.find_class("pub-light")[0]
             for li in doc.find_class("pub-service")}
    assert set(shown) == set(report.services)
    for service_id, state in report.services.items():
        lamp = shown[service_id]
        assert lamp.get("data-status") == state.status.value, service_id
        # Never colour alone: a word and an icon in every light.
        assert lamp.find_class("pub-light__word")[0].text_content() == state.status.label
        assert lamp.find(".//svg") is not None
    assert doc.find_class("pub-overall__sentence")[0].get("data-indicator") == (
        report.overall.indicator.value)
    assert doc.find_class("pub-overall__sentence")[0].text_content() == report.overall.sentence


def test_demo_has_every_kind_of_light(report: StatusReport) -> None:
    # Guards the test above: the demo moment must show more than green.
    assert {s.status.value for s in report.services.values()} >= {
        "operational", "major_outage", "degraded_performance", "under_maintenance"}


def test_service_pages_show_the_engines_status(site: Path, report: StatusReport) -> None:
    for service_id, state in report.services.items():
        doc = page(site, urls.service_path(service_id))
        lamp = doc.find_class("pub-service-status")[0].find_class("pub-light")[0]
        assert lamp.get("data-status") == state.status.value


def test_home_lists_open_incidents_and_maintenance(site: Path, report: StatusReport) -> None:
    doc = page(site, "")
    links = {a.get("href") for a in doc.xpath("//article[contains(@class,'pub-entry')]//h3/a"
                                              " | //article[contains(@class,'pub-entry')]//h4/a")}
    for state in (*report.open_incidents, *report.active_maintenance,
                  *report.upcoming_maintenance):
        assert urls.thread_path(state.thread) in links
    assert len(doc.find_class("pub-latest")) == len(report.open_incidents)
    updated = doc.find_class("pub-updated")[0].find(".//time")
    assert updated.get("datetime") == DEMO_NOW.isoformat()
    assert updated.text_content() == "Wed 18 Nov 2026, 10:30 GMT"  # organisation time zone


def test_thread_pages_show_only_published_messages(site: Path, content: Content,
                                                   report: StatusReport) -> None:
    for state in report.threads.values():
        doc = page(site, urls.thread_path(state.thread))
        anchors = [li.get("id") for li in doc.find_class("pub-timeline__item")]
        assert sorted(anchors) == sorted(urls.message_anchor(m) for m in state.published)
    unpublished = [t for t in content.threads.values() if t.id not in report.threads]
    for thread in unpublished:
        assert not (site / urls.thread_path(thread)).exists()


def test_major_incident_page_has_faq(site: Path, report: StatusReport) -> None:
    majors = [s for s in report.threads.values()
              if any(m.meta.major_incident for m in s.published)]
    assert majors
    doc = page(site, urls.thread_path(majors[0].thread))
    faq = doc.find_class("pub-faq")[0]
    questions = [h.text_content() for h in faq.findall(".//h3")]
    assert "What is happening?" in questions and "Is there a workaround?" in questions


def test_major_incident_cascade_plan_without_names(site: Path, content: Content,
                                                   report: StatusReport) -> None:
    from publisher.policy import cascade_plan, load_policy

    state = next(s for s in report.threads.values()
                 if any(m.meta.major_incident for m in s.published))
    message = next(m for m in reversed(state.published) if m.meta.major_incident)
    rows = cascade_plan(content, load_policy(content), message, DEMO_NOW)
    assert rows
    doc = page(site, urls.thread_path(state.thread))
    items = [li.text_content() for li in doc.xpath("//section[contains(@class,'pub-cascade')]//li")]
    assert len(items) == len(rows)
    for row, item in zip(rows, items, strict=True):
        assert item.startswith(row.audience_name)
        if row.person:
            assert row.person not in item  # who holds a role is internal


def test_service_history_bar_matches_engine(site: Path, content: Content,
                                            report: StatusReport) -> None:
    bars = history(content, report)
    for service_id, bar in bars.items():
        doc = page(site, urls.service_path(service_id))
        days = doc.xpath("//ol[contains(@class,'pub-bar')]/li")
        assert [d.get("data-status") for d in days] == [d.status.value for d in bar]
        # Without JS or CSS the same facts read as a list of days with problems.
        listed = doc.xpath("//ul[contains(@class,'pub-days')]/li")
        assert len(listed) == sum(d.status.value != "operational" for d in bar)


def test_subscribe_links_per_service(site: Path, content: Content) -> None:
    for service in content.services.values():
        doc = page(site, urls.service_path(service.id))
        hrefs = [a.get("href") for a in doc.xpath("//ul[contains(@class,'pub-subscribe')]//a")]
        assert any(h.endswith(urls.feed_path("services", service.id, "rss")) for h in hrefs)
        assert any(h.endswith(urls.calendar_path(service.id)) for h in hrefs)
        # calendar apps subscribe to the webcal: form, beside the https .ics file
        assert ("webcal://status.westmarch.example/" + urls.calendar_path(service.id)) in hrefs
        # never a mailto: to the list itself: that would post to everyone on it
        assert not any(h == f"mailto:{service.subscribers}" for h in hrefs)
        email = [a for a in doc.xpath("//ul[contains(@class,'pub-subscribe')]//a")
                 if a.text_content().strip() == "Subscribe by email"]
        assert [a.get("href") for a in email] == ([service.subscribe] if service.subscribe
                                                  else [])
    phones = page(site, urls.service_path("phones"))
    assert phones.xpath("//a[text()='Subscribe by email']/@href") == [
        "mailto:telephony-updates-request@lists.westmarch.example?subject=subscribe"]


def test_feed_autodiscovery_on_every_page(site: Path, report: StatusReport) -> None:
    state = next(iter(report.threads.values()))
    for path, own in (("", None), (urls.thread_path(state.thread),
                                   urls.feed_path("threads", state.id))):
        doc = page(site, path)
        feeds = [link for link in doc.xpath("//head/link[@rel]")
                 if "alternate" in link.get("rel").split()]
        types = {f.get("type") for f in feeds}
        assert types == {"application/rss+xml", "application/atom+xml"}
        hrefs = [f.get("href") for f in feeds]
        assert any(h.endswith(urls.feed_path("all")) for h in hrefs)
        if own:
            assert any(h.endswith(own) for h in hrefs)
        # Every link has its own name, the feed's own title, never the page's title.
        titles = [f.get("title") for f in feeds]
        assert len(set(titles)) == len(titles), titles
        assert "Westmarch IT: all updates (RSS)" in titles
        if own:
            assert f"Westmarch IT: {state.thread.title} (Atom)" in titles


def test_feed_links_on_an_incident_page_name_each_feed(site: Path, report: StatusReport
                                                       ) -> None:
    incident = report.open_incidents[0]
    doc = page(site, urls.thread_path(incident.thread))
    titles = sorted(link.get("title") for link in doc.xpath("//head/link[@rel='alternate feed']"))
    assert titles == sorted([
        "Westmarch IT: all updates (RSS)", "Westmarch IT: all updates (Atom)",
        f"Westmarch IT: {incident.title} (RSS)", f"Westmarch IT: {incident.title} (Atom)"])


def test_history_archive_by_month(site: Path, content: Content, report: StatusReport) -> None:
    windows = [s for s in report.threads.values()
               if s.kind in (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE)]
    months = sorted({f"{content.local(s.start):%Y-%m}" for s in windows}, reverse=True)
    index = page(site, urls.history_path())
    assert len(index.xpath("//ul[contains(@class,'pub-months')]/li")) == len(months)
    seen = 0
    for i, month in enumerate(months):
        doc = page(site, urls.history_path(month))
        seen += len(doc.find_class("pub-entry"))
        older = doc.xpath("//nav[contains(@class,'pub-pager')]/a[@rel='next']")
        assert bool(older) == (i + 1 < len(months))
    assert seen == len(windows)


def test_newsroom_paginated_with_categories(site: Path, report: StatusReport) -> None:
    stories = report.stories
    pages = -(-len(stories) // PER_PAGE)
    assert pages >= 2
    titles = []
    for number in range(1, pages + 1):
        doc = page(site, urls.newsroom_path(number))
        titles += [a.text_content() for a in doc.xpath("//article//h2/a")]
    assert len(titles) == len(stories)
    assert not (site / urls.newsroom_path(pages + 1)).exists()
    categories = page(site, urls.newsroom_path()).xpath("//nav[@aria-label='Categories']//a")
    assert len(categories) > 3
    first = categories[1].get("href")
    assert page(site, "news/" + first).find_class("pub-entry")


def test_nav_does_not_grow_with_messages(site: Path, report: StatusReport) -> None:
    state = next(iter(report.threads.values()))
    for path in ("", urls.thread_path(state.thread)):
        tabs = [a.text_content().strip() for a in page(site, path).find_class("md-tabs__link")]
        assert tabs == ["Service status", "Services", "History", "Newsroom"]


def all_text(site: Path) -> dict[Path, str]:
    return {p: " ".join(html.unescape(p.read_text(encoding="utf-8", errors="replace")).split())
            for p in site.rglob("*") if p.is_file() and not p.name.endswith(".gz")}


def distinctive_lines(body: str) -> list[str]:
    lines = [" ".join(re.sub(r"[*_`>#]", "", line).split()) for line in body.splitlines()]
    return [line for line in lines if len(line) > 30]


def test_no_drafts_internal_notes_reviewers_or_intake(site: Path, content: Content,
                                                      report: StatusReport) -> None:
    files = all_text(site)
    published = {m.id for s in report.threads.values() for m in s.published}
    # Whitespace-normalised: feeds and pages wrap the same sentence differently.
    published_text = " ".join(" ".join(re.sub(r"[*_`>#]", "", m.body + " " + m.title).split())
                              for m in content.messages.values() if m.id in published)
    secrets: set[str] = set()
    for message in content.messages.values():
        meta = message.meta
        if meta.internal_notes:
            secrets.update(distinctive_lines(meta.internal_notes) or [meta.internal_notes])
        for step in meta.workflow.steps:
            secrets.add(step.by)
            person = content.people.get(step.by)
            if person and person.name not in published_text:
                secrets.add(person.name)
            if step.note:
                secrets.add(step.note)
        if meta.workflow.requested_by:
            secrets.add(meta.workflow.requested_by)
        if message.id not in published:
            secrets.update(line for line in distinctive_lines(message.body)
                           if line not in published_text)
    secrets.update({"internal_notes", "requested_by", "workflow"})
    assert len(secrets) > 50  # the demo has plenty to leak
    for path, text in files.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked into {path.relative_to(site)}"


def test_internal_messages_appear_in_no_public_file(site: Path, content: Content) -> None:
    """A message for neither the status site nor the newsroom (email and Teams to one team)
    is in no page, list, category, sitemap, feed, API, banner or calendar."""
    internal = content.messages["2026-05-20-elearning-team-exam-season-rota"]
    assert internal.approved and set(internal.meta.channels or []) == {"email", "teams"}
    marks = {internal.id, internal.title, "exam season support rota", "exam-season-rota"}
    marks.update(line for line in distinctive_lines(internal.body) if len(line) > 30)
    files = [p for p in site.rglob("*") if p.is_file()]
    assert any(p.name == "sitemap.xml" for p in files)
    for path in files:
        text = path.read_text(errors="replace")
        for mark in marks:
            assert mark not in text, f"{mark!r} of an internal message in {path}"


EXTERNAL = re.compile(r"^(https?:)?//", re.I)


def test_no_request_to_another_host(site: Path) -> None:
    for path in site.rglob("*.html"):
        doc = parse(path)
        loaded = doc.xpath("//script/@src | //img/@src | //iframe/@src | //source/@src"
                           " | //video/@src | //audio/@src | //embed/@src | //object/@data"
                           " | //link[not(@rel='canonical')"
                           " and not(contains(@rel, 'alternate'))]/@href")
        external = [u for u in loaded if EXTERNAL.match(u)]
        assert not external, f"{path.relative_to(site)} loads {external}"
    for path in site.rglob("*.css"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", text), path


def test_nothing_written_into_docs_dir(site: Path) -> None:
    del site  # built already
    docs = REPO / "site_templates" / "static"
    assert sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()) == [
        ".gitkeep"]


def test_drafts_in_the_mini_fixture(mini_root: Path) -> None:
    now = datetime.fromisoformat("2026-03-15T12:00:00+00:00")
    out = built_site(mini_root, now)
    text = "\n".join(all_text(out).values())
    assert "A draft story" not in text and "secret draft" not in text
    assert "Email" in text


def test_sitemap_lastmod_is_each_pages_latest_message(site: Path, content: Content,
                                                     report: StatusReport) -> None:
    tree = etree.parse(str(site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    base = content.organisation.base_url
    lastmod = {u.findtext("s:loc", namespaces=ns).removeprefix(base):
               u.findtext("s:lastmod", namespaces=ns) for u in tree.findall("s:url", ns)}
    for state in report.threads.values():
        sent = content.local(state.latest.send_at)  # type: ignore[arg-type]
        assert lastmod[urls.thread_path(state.thread)] == f"{sent:%Y-%m-%d}"
    newest = max(s.latest.send_at for s in report.threads.values())  # type: ignore[type-var]
    assert lastmod[""] == f"{content.local(newest):%Y-%m-%d}"
    assert len(set(lastmod.values())) > 10  # not one build date for every page
