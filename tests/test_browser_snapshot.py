"""One moment per page, in real headless Chromium: every status element on the home, service
and thread pages agrees with the others and with the build's moment, whatever the viewer's
clock says (playwright's clock before, during and after a window), with JavaScript on or off.
Once the viewer's clock passes a planned change the page says it is out of date instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from site_build import built_site
from test_browser_site import Watched, axe_pages, serve

from publisher.content import urls
from publisher.content.load import load_content
from publisher.status import evaluate
from tests.conftest import DEMO, DEMO_NOW, MINI

pytestmark = pytest.mark.browser
# In the mini fixture the VLE upgrade runs 07:00-09:00 GMT on 20 March 2026.
BEFORE = datetime.fromisoformat("2026-03-20T06:59:00+00:00")
DURING = datetime.fromisoformat("2026-03-20T07:30:00+00:00")
AFTER = datetime.fromisoformat("2026-03-20T09:30:00+00:00")
VLE = "2026-03-20-vle-upgrade"
PAGES = ("", "services/vle/", f"maintenance/{VLE}/")

# Every element that says something about status, and the heading each entry sits under.
SNAPSHOT = """() => {
  const text = e => e.textContent.replace(/\\s+/g, " ").trim();
  const all = s => [...document.querySelectorAll(s)];
  let heading = "";
  const placed = [];
  for (const e of all("article h2, article h3, article h4")) {
    if (e.classList.contains("pub-entry__title")) placed.push(heading + " > " + text(e));
    else heading = text(e);
  }
  return {
    lights: all(".pub-light").map(e => e.dataset.status + ":" + text(e)),
    states: all(".pub-state").map(text),
    overall: all(".pub-overall__word, .pub-overall__sentence").map(text),
    overallClass: all(".pub-overall").map(e => e.className),
    facts: all(".pub-facts dd").filter(d => !d.querySelector("time")).map(text),
    placed: placed,
  };
}"""


@pytest.fixture(scope="module")
def before_url() -> Iterator[str]:
    yield from serve(built_site(MINI, BEFORE))


@pytest.fixture(scope="module")
def during_url() -> Iterator[str]:
    yield from serve(built_site(MINI, DURING))


def snapshot(page: Any, url: str) -> dict[str, Any]:
    page.goto(url)
    return page.evaluate(SNAPSHOT)


def without_js(browser, url: str) -> dict[str, Any]:
    context = browser.new_context(java_script_enabled=False)
    try:
        return snapshot(context.new_page(), url)
    finally:
        context.close()


def test_a_page_never_moves_with_the_viewers_clock(browser, before_url: str) -> None:
    """Built a minute before the window: before, during and after it by the viewer's clock,
    every status element is the build's, and the same as without JavaScript."""
    for path in PAGES:
        expected = without_js(browser, before_url + path)
        for viewer, stale in ((BEFORE + timedelta(seconds=10), False),
                              (DURING, True), (AFTER, True)):
            view = Watched(browser, clock=viewer)
            try:
                assert snapshot(view.page, before_url + path) == expected, (path, viewer)
                notice = view.page.locator(".pub-stale")
                assert notice.count() == (1 if stale else 0), (path, viewer)
                if stale:
                    assert "out of date" in notice.inner_text()
                    assert notice.get_by_role("link", name="Reload for the latest status")
                assert view.errors == [] and view.foreign == []
            finally:
                view.close()
    home = without_js(browser, before_url)
    assert "Upcoming > VLE upgrade" in home["placed"]
    assert "in_progress" not in str(home["states"]) and home["states"] == ["Scheduled"]
    assert all(not light.startswith("under_maintenance") for light in home["lights"])


def test_every_element_agrees_during_a_window(browser, during_url: str) -> None:
    """Built inside the window: the label, the section, the service and group lights, the
    overall word and sentence and the thread's facts all say maintenance is in progress."""
    home = without_js(browser, during_url)
    assert home["states"] == ["In progress"]
    assert "In progress > VLE upgrade" in home["placed"]
    assert "under_maintenance:Under maintenance" in home["lights"]  # the VLE and its group
    assert home["overall"][0] == "Maintenance in progress"
    assert home["overall"][1] == "Under maintenance: Virtual learning environment"
    service = without_js(browser, during_url + "services/vle/")
    assert service["lights"][0] == "under_maintenance:Under maintenance"
    assert service["states"] == ["In progress"]
    thread = without_js(browser, during_url + f"maintenance/{VLE}/")
    assert "In progress" in thread["facts"]
    view = Watched(browser, clock=DURING + timedelta(minutes=1))
    try:
        for path in PAGES:  # the viewer stands inside the same window: nothing to add
            assert snapshot(view.page, during_url + path) == without_js(browser,
                                                                        during_url + path)
            assert view.page.locator(".pub-stale").count() == 0
    finally:
        view.close()


def test_the_demo_shows_the_same_state_with_and_without_javascript(
        browser, demo_url: str) -> None:
    """The demo is built at a fixed past moment; a viewer today sees that moment's status."""
    report = evaluate(load_content(DEMO)[0], DEMO_NOW)  # type: ignore[arg-type]
    view = Watched(browser, clock=None)  # the viewer's real clock, weeks after the build
    try:
        for path in [*axe_pages()[:4], urls.service_path("library-catalogue")]:
            assert snapshot(view.page, demo_url + path) == without_js(browser, demo_url + path)
        home = snapshot(view.page, demo_url)
        assert home["overall"][1] == report.overall.sentence
        in_progress = [p for p in home["placed"] if p.startswith("In progress > ")]
        assert len(in_progress) == len(report.active_maintenance)
        assert "Completed" not in home["states"]
        assert view.errors == [] and view.foreign == []
    finally:
        view.close()


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    yield from serve(built_site(DEMO, DEMO_NOW))
