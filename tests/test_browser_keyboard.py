"""Keyboard use at a phone's width (375 px), in real headless Chromium: the skip link is the
first Tab stop on every page kind and moves focus to the content; Tab never lands on an
invisible element (the closed menu drawer is out of the tab order); the ☰ menu opens with
Enter, takes focus, and Escape closes it and gives focus back (WCAG 2.4.1, 2.4.7, 2.4.11)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from site_build import built_site
from test_browser_site import Watched, axe_pages, serve

from tests.conftest import DEMO, DEMO_NOW

pytestmark = pytest.mark.browser
TABS = 25
FOCUSED = """() => {
  let e = document.activeElement;
  // The theme's palette switch is a zero-size radio; what shows is the switch's one label
  // that is not hidden (the ring is drawn on it).
  if (e.matches("input.md-option")) {
    e = e.parentElement.querySelector("label:not([hidden])") || e;
  }
  const r = e.getBoundingClientRect();
  const style = getComputedStyle(e);
  return {
    name: (e.getAttribute("aria-label") || e.textContent || e.tagName).trim().slice(0, 50),
    id: e.id, inDrawer: !!e.closest(".md-sidebar--primary"),
    visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 &&
      r.left < innerWidth && r.top < innerHeight && style.visibility === "visible",
  };
}"""


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    yield from serve(built_site(DEMO, DEMO_NOW))


def tab(page) -> dict[str, object]:
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    if focused["inDrawer"]:
        page.wait_for_timeout(300)  # without the script the drawer slides in over .25 s
        focused = page.evaluate(FOCUSED)
    return focused


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_skip_link_first_and_focus_never_invisible(browser, demo_url: str,
                                                   javascript: bool) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800},
                                  java_script_enabled=javascript)
    try:
        page = context.new_page()
        for path in axe_pages():
            page.goto(demo_url + path)
            first = tab(page)
            assert first["name"] == "Skip to content" and first["visible"], (path, first)
            stops = [tab(page) for _ in range(TABS)]
            hidden = [s for s in stops if not s["visible"]]
            assert hidden == [], (path, hidden)
            if javascript:  # the closed drawer is skipped altogether
                assert not any(s["inDrawer"] for s in stops), path
            page.goto(demo_url + path)
            tab(page)
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "pub-content", path
            after = tab(page)
            assert after["visible"] and not after["inDrawer"], (path, after)
    finally:
        context.close()


def test_menu_button_opens_and_closes_by_keyboard(browser, demo_url: str) -> None:
    view = Watched(browser, 375)
    try:
        page = view.page
        page.goto(demo_url)
        tab(page)
        menu = tab(page)
        assert menu["name"] == "Menu" and menu["visible"]
        button = page.get_by_role("button", name="Menu")
        assert button.get_attribute("aria-expanded") == "false"
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)
        assert button.get_attribute("aria-expanded") == "true"
        inside = page.evaluate(FOCUSED)
        assert inside["inDrawer"] and inside["visible"], inside
        assert tab(page)["inDrawer"]  # the open drawer's links are reachable in turn
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false"
        assert page.evaluate(FOCUSED)["name"] == "Menu"
        page.keyboard.press(" ")  # Space works too
        assert button.get_attribute("aria-expanded") == "true"
        assert view.errors == [] and view.foreign == []
    finally:
        view.close()
