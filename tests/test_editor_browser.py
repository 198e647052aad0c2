"""The browser editor end to end: Decap CMS (from npm) in Debian's Chromium, decap-server
writing into a temporary git repository, and the file it saves checked and previewed by
``publisher`` like any hand-written draft."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from editor_support import decap_dist, decap_server, free_port, served, wait_for
from site_build import REPO
from tools_support import Repo, front_matter, make_repo

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path)


@pytest.fixture
def editor(repo: Repo) -> Iterator[str]:
    """The generated editor, served, with decap-server on the repository; yields its URL."""
    port = free_port()
    done = repo.run("editor", "content", "--decap", str(decap_dist()),
                    "--local-url", f"http://localhost:{port}/api/v1", now=None)
    assert done.returncode == 0, done.stderr
    with decap_server(repo.root, port), served(repo.root / "build" / "admin") as url:
        yield url


def open_form(browser, url: str, collection: str, width: int):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}#/collections/{collection}/new")
    page.get_by_role("button", name="Login").click(timeout=60_000)
    page.get_by_label("Publish and send at (Europe/London time) (optional)",
                      exact=True).wait_for(timeout=60_000)
    return page, errors


def choose(page, label: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into a select (react-select) and take the first match, as a person would."""
    page.get_by_label(label, exact=True).fill(text)
    page.keyboard.press("Enter")


def write_body(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Replace the template's wording in the Markdown body as a person does: select it all,
    delete it, and type at a person's pace. Typing into Slate's selection of several
    template paragraphs at machine speed raced its re-rendering ("Cannot resolve a Slate
    point from DOM point") now and then."""
    body = page.locator("[data-slate-editor]").first
    body.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    page.wait_for_timeout(300)  # let Slate settle on its one empty paragraph
    page.keyboard.type(text, delay=25)


def publish(page, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    """Save through Decap's Publish menu; return the one new file decap-server wrote."""
    before = set(folder.rglob("*.md"))
    page.get_by_role("button", name="Publish").first.click()
    page.get_by_text("Publish now", exact=True).click()
    try:
        page.get_by_text("Entry saved", exact=False).first.wait_for(timeout=60_000)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "editor-publish-failed.png"), full_page=True)
        raise
    created = sorted(set(folder.rglob("*.md")) - before)
    assert len(created) == 1, created
    return created[0]


def test_an_unplanned_outage_written_in_the_editor_is_a_draft_that_checks_and_previews(
        browser, repo: Repo, editor: str) -> None:
    page, errors = open_form(browser, editor, "unplanned-outage", 1280)
    page.get_by_label("Title", exact=True).fill("Wi-Fi down in the Library")
    choose(page, "Service", "Wi-Fi")
    choose(page, "Impact on the service", "Partial outage")
    page.get_by_label("Started (Europe/London time)", exact=True).fill("2026-11-18T10:00")
    page.get_by_label("Expected end (Europe/London time) (optional)",
                      exact=True).fill("2026-11-18T13:00")
    choose(page, "Audiences", "Students")
    choose(page, "Channels", "sms")
    write_body(page, "Wi-Fi in the Library is not working. Use eduroam elsewhere on campus.")
    path = publish(page, repo.content / "messages")
    assert not errors, errors
    assert path.parent == repo.content / "messages" / path.parent.name  # messages/YYYY/
    meta = front_matter(path)
    assert meta["type"] == "unplanned-outage"
    assert meta["services"] == [{"service": "wifi", "impact": "partial_outage"}]
    assert meta["window"]["start"] == "2026-11-18T10:00"
    assert meta["audiences"] == ["students"]
    assert set(meta["channels"]) == {"status", "banner", "rss", "sms"}
    assert meta["workflow"]["stage"] == "draft"
    assert "Use eduroam elsewhere" in path.read_text(encoding="utf-8")

    relative = str(path.relative_to(repo.root))
    checked = repo.run("check", "content", "--format", "json")
    report = json.loads(checked.stdout)
    assert report["errors"] == 0, [p for p in report["problems"] if p["severity"] == "error"]
    mine = [p for p in report["problems"] if p["path"] == relative]
    assert mine and all(p["severity"] == "warning" for p in mine)  # a draft's to-dos
    preview = repo.run("preview", relative)
    assert preview.returncode == 0, preview.stderr
    thread = path.stem
    page_html = next((repo.root / "build" / "preview" / thread / "site").rglob(
        f"{thread}/index.html")).read_text(encoding="utf-8")
    assert "Wi-Fi down in the Library" in page_html and "Use eduroam elsewhere" in page_html
    assert "Partial outage" in page_html


def test_an_update_to_that_thread_from_a_phone(browser, repo: Repo) -> None:
    created = repo.run("new", "outage", "--title", "Wi-Fi down in the Library", "--slug",
                       "wifi-library", "--service", "wifi=major_outage", "--start",
                       "2026-11-18T10:00", "--audience", "students")
    assert created.returncode == 0, created.stderr
    port, server_port = free_port(), free_port()
    # the documented local mode, one command; the editor lists the threads there are when
    # it is generated (CI generates it again on every push)
    command = [sys.executable, "-m", "publisher", "editor", "content", "--serve", "--decap",
               str(decap_dist()), "--port", str(port),
               "--local-url", f"http://localhost:{server_port}/api/v1"]
    with subprocess.Popen(command, cwd=repo.root, env=repo.env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as running:
        try:
            assert running.stdout is not None
            line = ""
            while "Ctrl-C stops" not in line:
                line = running.stdout.readline()
                assert line, "publisher editor --serve stopped"
            wait_for(server_port)
            page, errors = open_form(browser, f"http://localhost:{port}/", "update", 375)
            choose(page, "Thread", "2026-11-18-wifi-library")
            choose(page, "Status (optional)", "identified")
            write_body(page, "We have found the fault: a failed switch. Engineers are "
                             "replacing it.")
            width = page.evaluate("document.documentElement.scrollWidth")
            path = publish(page, repo.content / "messages")
        finally:
            running.send_signal(signal.SIGINT)
            running.wait(timeout=20)
    assert not errors, errors
    assert width <= 375 + 1, f"the form scrolls sideways at 375 px ({width} px wide)"
    meta = front_matter(path)
    assert meta["type"] == "update" and meta["thread"] == "2026-11-18-wifi-library"
    assert meta["status"] == "identified"
    relative = str(path.relative_to(repo.root))
    preview = repo.run("preview", relative)
    assert preview.returncode == 0, preview.stderr
    message_id = f"2026-11-18-wifi-library/{path.stem}"
    assert f"preview of {message_id} (draft)" in preview.stdout
    html = next((repo.root / "build" / "preview" / message_id / "site").rglob(
        "2026-11-18-wifi-library/index.html")).read_text(encoding="utf-8")
    # the thread page shows the update above the first notice, in one timeline
    assert html.index("a failed switch") < html.index("Since about 10:00")
