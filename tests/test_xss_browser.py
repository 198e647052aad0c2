"""The XSS corpus in real headless Chromium: every built page, and an intranet host page
embedding banner.js with the corpus's banners, raise no dialog and run no injected code."""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import DEMO_NOW
from xss_corpus import PAYLOADS, make_content

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Intranet</title></head>
<body><h1>Intranet</h1><script src="/site/banner.js"></script></body></html>
"""


READER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Reader</title></head>
<body><main id="items"></main><script>
// What a feed reader that does not sanitise does: item HTML straight into the page.
async function show(path, entries, fields) {
  const xml = new DOMParser().parseFromString(await (await fetch(path)).text(), "text/xml");
  for (const entry of xml.querySelectorAll(entries)) {
    const article = document.createElement("article");
    const title = document.createElement("h2");
    title.textContent = entry.querySelector("title").textContent;
    article.append(title);
    for (const field of fields) {
      const found = entry.getElementsByTagName(field)[0];
      if (found) article.insertAdjacentHTML("beforeend", found.textContent);
    }
    document.getElementById("items").append(article);
  }
}
Promise.all([show("/site/feeds/all.xml", "item", ["description", "content:encoded"]),
             show("/site/feeds/all.atom", "entry", ["summary", "content"])])
  .then(() => { document.body.dataset.done = "1"; });
</script></body></html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    base = tmp_path_factory.mktemp("xss-browser")
    content = make_content(base / "content")
    www = base / "www"
    site = www / "site"
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(content), "--out", str(site),
         "--now", DEMO_NOW.isoformat()],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    (www / "host.html").write_text(HOST_PAGE)
    (www / "reader.html").write_text(READER_PAGE)
    (www / "favicon.ico").write_bytes(b"")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", site
    finally:
        server.shutdown()
        server.server_close()


POKE = """() => {
  // What a reader might do, fast: fire the events that inline handlers listen for.
  for (const el of document.querySelectorAll("*")) {
    for (const type of ["mouseover", "mouseenter", "focus", "toggle", "error", "load"]) {
      el.dispatchEvent(new Event(type));
    }
  }
}"""


class Probe:
    """One tab that loads pages in turn and reports any dialog or injected flag."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.fired: list[str] = []
        self.page.on("dialog", lambda dialog: (self.fired.append(f"dialog {dialog.message!r}"),
                                               dialog.dismiss()))

    def visit(self, url: str) -> list[str]:
        self.fired = []
        self.page.goto(url, wait_until="domcontentloaded")
        self.page.evaluate(POKE)
        self.page.wait_for_timeout(30)
        flag = self.page.evaluate("() => window.__xss")
        if flag is not None:
            self.fired.append(f"window.__xss = {flag!r}")
        return self.fired

    def close(self) -> None:
        self.context.close()


def test_the_probe_catches_an_injection(browser, served) -> None:
    base, site = served
    (site.parent / "control.html").write_text(
        "<!doctype html><title>c</title><p onmouseover=\"window.__xss=1\">x</p>"
        "<img src=x onerror=\"alert('control')\">")
    probe = Probe(browser)
    assert probe.visit(f"{base}control.html")
    probe.close()


def test_no_dialog_and_no_injected_code_on_any_built_page(browser, served) -> None:
    base, site = served
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 20
    assert any("case-" in p for p in pages)  # the corpus was published
    fired = {}
    probe = Probe(browser)
    for page in pages:
        found = probe.visit(f"{base}site/{page}")
        if found:
            fired[page] = list(found)
    probe.close()
    assert fired == {}


def test_host_page_with_the_corpus_banners_runs_no_injected_code(browser, served) -> None:
    base, _ = served
    context = browser.new_context()
    page = context.new_page()
    fired: list[str] = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    page.goto(f"{base}host.html")
    page.locator(".pubsb-banner").first.wait_for()
    banners = page.locator(".pubsb-banner")
    assert banners.count() >= len(PAYLOADS) // 2
    text = page.locator("[data-status-banner]").first.evaluate(
        "host => host.shadowRoot.textContent")
    assert "Case 1" in text
    # the payloads are shown as text, never turned into elements
    assert page.locator("[data-status-banner] img, [data-status-banner] svg, "
                        "[data-status-banner] script, [data-status-banner] iframe").count() == 0
    for link in page.locator(".pubsb-link").all():
        assert link.get_attribute("href").startswith("https://status.test.example/")
    page.evaluate(POKE)
    assert page.evaluate("() => window.__xss") is None
    assert fired == []
    context.close()


def test_feeds_rendered_as_html_by_a_reader_run_nothing_and_load_nothing(browser,
                                                                        served) -> None:
    base, _ = served
    context = browser.new_context()
    page = context.new_page()
    fired: list[str] = []
    elsewhere: list[str] = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: None if request.url.startswith(base)
            else elsewhere.append(request.url))
    page.goto(f"{base}reader.html")
    page.wait_for_selector("body[data-done='1']")
    assert page.locator("article").count() >= len(PAYLOADS) // 2  # the feeds were rendered
    assert "alert('feed1')" in page.locator("main").text_content()  # shown as text
    assert page.locator("main img, main svg, main iframe, main script").count() == 0
    page.evaluate(POKE)
    page.wait_for_timeout(50)
    assert page.evaluate("() => window.__xss") is None
    assert fired == []
    assert elsewhere == []  # no remote image, no other host
    context.close()
