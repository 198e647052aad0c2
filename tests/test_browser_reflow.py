"""Phones, in real headless Chromium: no page of the demo overflows horizontally at 320 px
(WCAG 2.2 reflow, 1.4.10), with JavaScript on and off, and the 90-day bar shows the newest
days first when it cannot fit all ninety."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from site_build import built_site
from test_browser_site import Watched, serve

from tests.conftest import DEMO, DEMO_NOW

pytestmark = pytest.mark.browser
OVERFLOW = (Path(__file__).parent / "js" / "overflow.js").read_text()
BAR = """() => {
  const bar = document.querySelector(".pub-bar").getBoundingClientRect();
  const days = [...document.querySelectorAll(".pub-bar__day")];
  return days.map((d) => {
    const r = d.getBoundingClientRect();
    return r.width > 0 && r.left >= bar.left - 0.5 && r.right <= bar.right + 0.5;
  });
}"""


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site(DEMO, DEMO_NOW)


@pytest.fixture(scope="module")
def demo_url(site: Path) -> Iterator[str]:
    yield from serve(site)


def every_page(site: Path) -> list[str]:
    paths = sorted(str(p.parent.relative_to(site)) + "/" for p in site.rglob("index.html"))
    return ["" if p == "./" else p for p in paths] + ["404.html"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_page_overflows_at_320px(browser, site: Path, demo_url: str,
                                    javascript: bool) -> None:
    pages = every_page(site)
    assert len(pages) > 80
    context = browser.new_context(viewport={"width": 320, "height": 800},
                                  java_script_enabled=javascript)
    try:
        page = context.new_page()
        found = {}
        for path in pages:
            page.goto(demo_url + path)
            if sticking_out := page.evaluate(OVERFLOW):
                found[path] = sticking_out[:3]
        assert found == {}
    finally:
        context.close()


def test_the_90_day_bar_keeps_the_newest_days_when_it_cannot_fit(browser,
                                                                  demo_url: str) -> None:
    for width, all_fit in ((1280, True), (360, True), (320, True), (260, False)):
        view = Watched(browser, width)
        try:
            view.page.goto(demo_url + "services/teams-chat/")
            visible = view.page.evaluate(BAR)
            assert len(visible) == 90
            assert visible[-1], f"the newest day is hidden at {width}px"
            if all_fit:
                assert all(visible), f"{visible.count(False)} days hidden at {width}px"
            else:  # what is cut is the oldest end, in one piece
                first = visible.index(True)
                assert first > 0 and all(visible[first:])
            assert view.page.evaluate(OVERFLOW) == []
        finally:
            view.close()
