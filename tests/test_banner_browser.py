"""banner.js in real headless Chromium, embedded with one <script src> in a plain host page
served with a strict Content-Security-Policy: show, dismiss, re-show on a new revision,
honour windows by the viewer's clock, disappear after resolution."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_banner import add_update, at

CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Intranet</title>
<link rel="stylesheet" href="/host.css"></head>
<body><h1>Staff intranet</h1><p class="news">Welcome.</p>
<script src="/status/banner.js"></script>
</body></html>
"""
# A hostile host stylesheet: if the banner's CSS were not isolated, these would leak in.
HOST_CSS = "div, p, a, button { display: inline; color: rgb(1, 2, 3) !important; }\n"

pytestmark = pytest.mark.browser


class CspHandler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    (root / "status").mkdir(parents=True)
    (root / "index.html").write_text(HOST_PAGE)
    (root / "host.css").write_text(HOST_CSS)
    (root / "favicon.ico").write_bytes(b"")  # so the only requests that can fail are ours
    handler = functools.partial(CspHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root / "status"
    finally:
        server.shutdown()
        server.server_close()


def publish(target: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (target / name).write_bytes(data)


@pytest.fixture
def page(browser, site):
    context = browser.new_context()
    tab = context.new_page()
    problems: list[str] = []
    tab.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"),
                                     dialog.dismiss()))
    tab.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
           if msg.type in ("error", "warning") else None)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.problems = problems
    yield tab
    context.close()


def open_host(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_show_dismiss_reshow_and_disappear(page, site, mini_copy: Path) -> None:
    url, status_dir = site
    publish(status_dir, at(mini_copy, "2026-03-02T10:00:00+00:00"))
    open_host(page, url)
    banner = page.locator(".pubsb-banner")
    banner.wait_for()
    assert banner.count() == 1
    assert banner.get_attribute("role") == "alert"
    assert "Email unavailable for some staff" in banner.inner_text()
    assert "Outage" in banner.inner_text()
    link = page.locator(".pubsb-link")
    assert link.get_attribute("href").endswith("/incidents/2026-03-02-email-outage/#m-01-notice")
    # styled by banner.css through the CSP (not inline), untouched by the host's CSS
    assert banner.evaluate("e => getComputedStyle(e).display") == "flex"
    assert page.locator("h1").evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    assert page.locator("p.news").evaluate("e => getComputedStyle(e).display") == "inline"

    page.get_by_role("button", name="Dismiss: Email unavailable for some staff").click()
    assert page.locator(".pubsb-banner").count() == 0
    open_host(page, url)
    page.wait_for_timeout(300)
    assert page.locator(".pubsb-banner").count() == 0  # stays dismissed for this revision

    add_update(mini_copy, "01b-update.md", "2026-03-02T10:30")
    publish(status_dir, at(mini_copy, "2026-03-02T10:45:00+00:00"))
    open_host(page, url)
    page.locator(".pubsb-banner").wait_for()
    assert page.locator(".pubsb-link").get_attribute("href").endswith("#m-01b-update")

    publish(status_dir, at(mini_copy, "2026-03-02T12:00:00+00:00"))
    assert json.loads((status_dir / "banner.json").read_text())["banners"] == []
    open_host(page, url)
    page.wait_for_timeout(300)
    assert page.locator(".pubsb-banner").count() == 0
    assert page.locator("[data-status-banner]").count() == 0
    assert page.problems == []


def test_windows_follow_the_viewers_clock_and_maintenance_is_a_status(
        page, site) -> None:
    url, status_dir = site
    now = datetime.now(UTC)

    def banner(ident: str, level: str, start: datetime, end: datetime | None) -> dict:
        return {"id": ident, "level": level, "title": f"{ident} title", "text": "Details.",
                "url": "https://status.test.example/maintenance/x/", "revision": 0,
                "start": start.isoformat(), "end": end.isoformat() if end else None}

    publish(status_dir, at(Path(__file__).parent / "fixtures" / "mini",
                           "2026-03-02T12:00:00+00:00"))  # banner.js and banner.css
    data = {"banners": [
        banner("past", "maintenance", now - timedelta(hours=3), now - timedelta(hours=1)),
        banner("now", "maintenance", now - timedelta(hours=1), now + timedelta(hours=1)),
        banner("later", "maintenance", now + timedelta(hours=1), now + timedelta(hours=2)),
        banner("slow", "degraded", now - timedelta(minutes=5), None),
        banner("bad-link", "notice", now - timedelta(minutes=5), None),
    ]}
    data["banners"][-1]["url"] = "javascript:alert(1)"
    (status_dir / "banner.json").write_text(json.dumps(data))
    open_host(page, url)
    page.locator(".pubsb-banner").first.wait_for()
    shown = page.locator(".pubsb-banner")
    ids = [shown.nth(i).get_attribute("data-banner-id") for i in range(shown.count())]
    assert ids == ["now", "slow", "bad-link"]
    assert {shown.nth(i).get_attribute("role") for i in range(shown.count())} == {"status"}
    bad = page.locator('[data-banner-id="bad-link"]')
    assert bad.locator("a").count() == 0  # a javascript: URL is never made a link
    # Dismissing one banner hands keyboard focus to the next banner's Dismiss button.
    page.get_by_role("button", name="Dismiss: now title").focus()
    page.keyboard.press("Enter")
    assert page.locator(".pubsb-banner").count() == 2
    assert page.evaluate("document.querySelector('[data-status-banner]').shadowRoot"
                         ".activeElement.getAttribute('aria-label')") == "Dismiss: slow title"
    assert page.problems == []
