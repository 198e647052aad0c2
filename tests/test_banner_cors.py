"""banner.js embedded from another site, the normal case, in real headless Chromium: the
intranet page and the status site are two loopback servers on different ports (different
origins). With the documented ``Access-Control-Allow-Origin`` header (the build's
``_headers``) the banner shows; without it the script says in the console exactly what is
missing. After dismissing, keyboard focus lands somewhere sensible, never on <body>."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from site_build import built_site

from publisher.renderers.hosting import HEADERS_FILE
from tests.conftest import MINI

pytestmark = pytest.mark.browser
OUTAGE = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Intranet</title></head>
<body><main><h1>Staff intranet</h1><p><a href="/news">News</a></p></main>
<script src="{status}banner.js"></script>
</body></html>
"""


def allowed_origin(site: Path) -> str | None:
    """The Access-Control-Allow-Origin the build's _headers file gives banner.json."""
    lines = (site / HEADERS_FILE).read_text().splitlines()
    start = lines.index("/banner.json")
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        name, _, value = line.strip().partition(": ")
        if name == "Access-Control-Allow-Origin":
            return value
    return None


def start(root: Path, cors: str | None, csp: str | None = None) -> tuple[str, object]:
    class Handler(SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            if cors:
                self.send_header("Access-Control-Allow-Origin", cors)
            if csp:
                self.send_header("Content-Security-Policy", csp)
            self.send_header("Cache-Control", "no-store")
            super().end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler,
                                                                     directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@pytest.fixture(params=["with-header", "without-header"])
def embed(request, tmp_path: Path) -> Iterator[tuple[str, bool]]:
    # The whole site as mkdocs builds it, at a moment the mini's email outage has a banner.
    status_root = built_site(MINI, OUTAGE)
    header = allowed_origin(status_root) if request.param == "with-header" else None
    status_url, status_server = start(status_root, header)
    host_root = tmp_path / "intranet"
    host_root.mkdir()
    (host_root / "index.html").write_text(HOST_PAGE.format(status=status_url))
    (host_root / "favicon.ico").write_bytes(b"")
    csp = (f"default-src 'self'; script-src 'self' {status_url}; style-src 'self' {status_url};"
           f" connect-src 'self' {status_url}")
    host_url, host_server = start(host_root, None, csp)
    try:
        yield host_url, header is not None
    finally:
        for server in (status_server, host_server):
            server.shutdown()  # type: ignore[attr-defined]
            server.server_close()  # type: ignore[attr-defined]


def test_cross_origin_embed_with_and_without_the_header(browser, embed) -> None:
    url, with_header = embed
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    try:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        banner = page.locator(".pubsb-banner")
        if with_header:
            banner.wait_for()
            assert "Email unavailable for some staff" in banner.inner_text()
            assert not [m for m in messages if "Status banner" in m]
            # Dismissing sends focus on to the host page, never to <body>.
            page.get_by_role("button", name="Dismiss: Email unavailable for some staff").focus()
            page.keyboard.press("Enter")
            assert banner.count() == 0
            assert page.evaluate("document.activeElement.textContent") == "News"
        else:
            page.wait_for_timeout(300)
            assert banner.count() == 0
            ours = [m for m in messages if "Status banner" in m]
            assert len(ours) == 1, messages
            assert ours[0].startswith("error: Status banner: could not read http://127.0.0.1:")
            assert "'Access-Control-Allow-Origin: *'" in ours[0]
            assert "banner.json" in ours[0] and "docs/banner.md" in ours[0]
    finally:
        context.close()


def test_the_build_allows_cross_origin_reads_of_public_data() -> None:
    text = (built_site(MINI, OUTAGE) / HEADERS_FILE).read_text()
    for path in ("/banner.json", "/api/v2/*", "/feeds/*", "/calendar/*"):
        block = text.split(path + "\n", 1)[1].split("\n/", 1)[0]
        assert "Access-Control-Allow-Origin: *" in block, path
