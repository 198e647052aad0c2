"""The built site in real headless Chromium: layout, no console
errors, no request to another host, and zero axe-core violations.

The site is served by a local ``http.server`` thread; every request is routed through a
handler that lets loopback through and records (and blocks) anything else.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_build import REPO, built_site

from publisher.content import urls
from publisher.content.load import load_content
from publisher.status import evaluate
from tests.conftest import DEMO, DEMO_NOW

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / ".cache" / "node_modules" / "axe-core" / "axe.min.js"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def axe_script() -> Path:
    """axe-core from npm, installed once into the git-ignored .cache/ (never from a CDN)."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install axe-core (apt-get install npm)")
        subprocess.run([npm, "install", "--prefix", str(REPO / ".cache"), "axe-core@4",
                        "--no-audit", "--no-fund", "--silent"], check=True, timeout=300)
    return AXE


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(root: Path) -> Iterator[str]:
    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def demo_url() -> Iterator[str]:
    yield from serve(built_site(DEMO, DEMO_NOW))


class Watched:
    """A page with every request routed: loopback passes, anything else is blocked."""

    def __init__(self, browser, width: int = 1280, dark: bool = False,
                 clock: datetime | None = DEMO_NOW) -> None:
        self.context = browser.new_context(
            viewport={"width": width, "height": 900},
            color_scheme="dark" if dark else "light", timezone_id="America/New_York")
        self.page = self.context.new_page()
        self.foreign: list[str] = []
        self.errors: list[str] = []
        if clock is not None:  # the viewer stands at the build's moment unless a test moves
            self.page.clock.install(time=clock)
        self.page.route("**/*", self._route)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser) -> Iterator[Watched]:
    page = Watched(browser, clock=None)
    yield page
    page.close()


def test_home_at_phone_and_desktop_widths(browser, demo_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    report = evaluate(load_content(DEMO)[0], DEMO_NOW)  # type: ignore[arg-type]
    for width in (375, 1280):
        view = Watched(browser, width)
        try:
            view.page.goto(demo_url, wait_until="networkidle")
            view.page.screenshot(path=str(ARTIFACTS / f"site-home-{width}.png"), full_page=True)
            # Readable without horizontal scrolling, even on a phone.
            scroll = view.page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{scroll}px wide at {width}px"
            sentence = view.page.locator(".pub-overall__sentence")
            assert sentence.is_visible()
            assert sentence.inner_text() == report.overall.sentence
            lights = view.page.locator(".pub-service .pub-light")
            assert lights.count() == len(report.services)
            assert lights.first.locator(".pub-light__word").is_visible()
            assert view.errors == [] and view.foreign == []
        finally:
            view.close()


def test_times_in_viewer_zone_with_organisation_time_on_hover(watched: Watched,
                                                              demo_url: str) -> None:
    watched.page.goto(demo_url)
    updated = watched.page.locator(".pub-updated time")
    # The viewer is in New York (set on the context): 10:30 GMT reads as 05:30 EST.
    assert "05:30" in updated.inner_text() and "EST" in updated.inner_text()
    assert updated.get_attribute("title") == "Organisation time: Wed 18 Nov 2026, 10:30 GMT"


def test_readable_without_javascript(browser, demo_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(demo_url)
        assert page.locator(".pub-overall__sentence").is_visible()
        assert page.locator(".pub-updated time").inner_text() == "Wed 18 Nov 2026, 10:30 GMT"
        assert page.locator(".pub-service .pub-light__word").first.is_visible()
    finally:
        context.close()


def axe_pages() -> list[str]:
    """Home, two thread pages (an open incident, a major incident), a service page, the
    history index and a month, the newsroom and its second page."""
    content, _ = load_content(DEMO)
    assert content is not None
    report = evaluate(content, DEMO_NOW)
    major = next(s for s in report.threads.values()
                 if any(m.meta.major_incident for m in s.published))
    return ["", urls.thread_path(report.open_incidents[0].thread), urls.thread_path(major.thread),
            urls.service_path("student-records"), urls.history_path(),
            urls.history_path("2026-11"), urls.newsroom_path(), urls.newsroom_path(2)]


def every_page_type() -> list[str]:
    """``axe_pages`` and the other kinds: the services index, a maintenance and a story
    thread, a newsroom category, and the 404 page."""
    content, _ = load_content(DEMO)
    assert content is not None
    report = evaluate(content, DEMO_NOW)
    maintenance = report.active_maintenance[0]
    return [*axe_pages(), "services/", urls.thread_path(maintenance.thread),
            urls.thread_path(report.stories[0].thread), "news/category/news/", "404.html"]


def axe_violations(page, script: Path) -> list[dict[str, object]]:
    page.add_script_tag(path=str(script))
    return page.evaluate(
        "axe.run(document).then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))")


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_no_violations(browser, demo_url: str, dark: bool, width: int) -> None:
    script = axe_script()
    # A month after the build, so the out-of-date notice is on the pages too.
    view = Watched(browser, width=width, dark=dark, clock=DEMO_NOW + timedelta(days=30))
    stale = 0
    try:
        for path in every_page_type():
            view.page.goto(demo_url + path)
            stale += view.page.locator(".pub-stale").count()
            scheme = view.page.evaluate("document.body.getAttribute('data-md-color-scheme')")
            assert scheme == ("slate" if dark else "default")
            result = axe_violations(view.page, script)
            assert result == [], f"/{path}: {result}"
        assert stale >= 4  # home, services, service and thread pages carry it
        assert view.errors == [] and view.foreign == []
    finally:
        view.close()


def test_no_request_to_another_host_on_any_page_kind(watched: Watched, demo_url: str) -> None:
    for path in axe_pages():
        watched.page.goto(demo_url + path, wait_until="networkidle")  # scripts' fetches too
    assert watched.foreign == []
    assert watched.errors == []

