"""The build cache (build/.cache) never changes what is published.

Each test builds through ``publisher build`` as an editor would: once to fill the cache, then
after a change with that cache (warm) and with an empty one (cold), and compares every file
byte for byte. Poisoned entries (well-formed, sealed, but with a marker in the stored HTML)
show which stored results a build really reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mail_helpers import free_port
from site_build import REPO

from publisher import cache
from publisher.content import urls
from publisher.content.load import load_content
from publisher.content.model import ThreadKind
from publisher.status import evaluate
from tests.conftest import DEMO, DEMO_NOW

MAJOR = "messages/2026/2026-03-09-online-exams-major-incident"
POISON = "POISONED-CACHE-ENTRY"


def build(content: Path, out: Path, cache_dir: Path, cwd: Path = REPO,
          now: datetime = DEMO_NOW, **env: str) -> None:
    environ = dict(os.environ, NO_MKDOCS_2_WARNING="1", PUBLISHER_CACHE_DIR=str(cache_dir),
                   **env)
    environ.pop("PUBLISHER_CONTENT", None)
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(content), "--now",
         now.isoformat(), "--out", str(out), "--config-file", str(REPO / "mkdocs.yml")],
        env=environ, capture_output=True, text=True, cwd=cwd, check=False)
    assert result.returncode == 0, result.stderr[-3000:]


def snapshot(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def differing(one: Path, other: Path) -> set[str]:
    a, b = snapshot(one), snapshot(other)
    return {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}


def poison(cache_dir: Path) -> int:
    """Put a marker into every stored page, stored as a valid entry (a new file with its
    digest: the old one is also a page of the site that was built); returns how many."""
    count = 0
    digests = cache.Pack(cache_dir / "pages-sha256")
    for path in (cache_dir / "pages").rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            payload = path.read_bytes()
            assert hashlib.sha256(payload).hexdigest() == digests.get(path.name)
            payload = payload.replace(b"</body>", POISON.encode() + b"</body>")
            path.with_name(".poisoned").write_bytes(payload)
            path.with_name(".poisoned").replace(path)
            digests.put(path.name, hashlib.sha256(payload).hexdigest())
            count += 1
    digests.save()
    return count


def poisoned(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")
            if POISON in p.read_text(encoding="utf-8")}


# ----------------------------------------------------------------------- each kind of input


def edit_message(root: Path) -> None:
    """Edit an approved message and re-approve the new text (its approval digest follows),
    as a comms team would: an edit alone would hold the message (issue 13)."""
    from publisher.content.load import load_content
    from publisher.policy import digest

    notice = next((root / "content" / MAJOR).glob("01-*.md"))
    notice.write_text(notice.read_text() + "\nA sentence added after the first build.\n")
    content, _ = load_content(root / "content")
    assert content is not None
    message = next(m for m in content.messages.values() if m.path == notice)
    pin = digest.pinned(message)
    assert pin is not None and pin.digest
    notice.write_text(notice.read_text().replace(pin.digest, digest.digest_of(message)))


def add_message(root: Path) -> None:
    source = next((root / "content" / MAJOR).glob("01-*.md"))
    folder = root / "content" / "messages" / "2026" / "2026-03-10-online-exams-again"
    folder.mkdir()
    shutil.copy(source, folder / source.name)


def page_template(root: Path) -> None:
    local = root / "site_templates" / "pages"
    local.mkdir(parents=True)
    thread = (REPO / "publisher" / "templates" / "pages" / "thread.html").read_text()
    (local / "thread.html").write_text(thread + "\n<p>An organisation's own line.</p>\n")


def theme_override(root: Path) -> None:
    local = root / "site_templates" / "overrides"
    local.mkdir(parents=True)
    main = (REPO / "publisher" / "templates" / "overrides" / "main.html").read_text()
    (local / "main.html").write_text(main.replace(
        "{% block analytics %}", "{% block footer %}<p>Our footer</p>{% endblock %}\n"
        "{% block analytics %}"))


def policy(root: Path) -> None:
    """Who a major incident is cascaded to comes from the policy (R10)."""
    path = root / "content" / "policy.yml"
    text = path.read_text()
    before = "teaching-learning: [it-support-staff, student-facing-staff,"
    assert before in text
    path.write_text(text.replace(before, "teaching-learning: [student-facing-staff,"))


def services_config(root: Path) -> None:
    path = root / "content" / "services.yml"
    text = path.read_text()
    assert "name: Online exams" in text
    path.write_text(text.replace("name: Online exams", "name: Online examinations", 1))


def organisation_config(root: Path) -> None:
    path = root / "content" / "organisation.yml"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("name:"))
    lines[index] = "name: Westmarch University (renamed)"
    path.write_text("\n".join(lines) + "\n")


def short_name(root: Path) -> None:
    """Every page's head names its feeds after the organisation's short name."""
    path = root / "content" / "organisation.yml"
    text = path.read_text()
    assert "short_name: Westmarch IT" in text
    path.write_text(text.replace("short_name: Westmarch IT", "short_name: WIT"))


def earlier_window(root: Path) -> None:
    """A new window ending before the next planned change: every page that names that
    change ("data-next-change") changes, though most show nothing else new (at the same
    pinned instant). Its approval is pinned again to the new text, as a comms lead would."""
    source = root / "content" / "messages" / "2026" / "2026-11-18-library-catalogue-upgrade"
    folder = source.parent / "2026-11-18-library-catalogue-check"
    folder.mkdir()
    text = (source / "01-notice.md").read_text()
    assert "expected_end: 2026-11-18T12:00" in text
    text = text.replace("expected_end: 2026-11-18T12:00", "expected_end: 2026-11-18T11:00")
    (folder / "01-notice.md").write_text(re.sub(r", digest: sha256:[0-9a-f]+", "", text))
    subprocess.run([sys.executable, "-m", "publisher", "pin-approvals", str(root / "content")],
                   check=True, capture_output=True)


CHANGES: dict[str, Callable[[Path], None]] = {
    "message edited": edit_message, "message added": add_message,
    "earlier next change": earlier_window,
    "page template": page_template, "theme override": theme_override, "policy": policy,
    "services.yml": services_config, "organisation.yml": organisation_config,
    "short name": short_name,
}


@pytest.mark.slow
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_warm_build_after_a_change_equals_a_cold_build(tmp_path: Path, change: str) -> None:
    """The warm build goes into the same folder, as an editor's would: unchanged files are
    linked from the previous site (``outdir.Reuse``), the rest drawn or written again."""
    shutil.copytree(DEMO, tmp_path / "content")
    content, warm_cache, site = tmp_path / "content", tmp_path / "cache", tmp_path / "site"
    build(content, site, warm_cache)
    before = snapshot(site)
    CHANGES[change](tmp_path)
    build(content, site, warm_cache)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache")
    assert differing(site, tmp_path / "cold") == set()
    assert before != snapshot(tmp_path / "cold"), "the change shows somewhere"


def inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*")
            if p.is_file()}


@pytest.mark.slow
def test_a_later_build_time_redraws_what_the_clock_changes(tmp_path: Path) -> None:
    """Scheduled maintenance starts and ends, the "updated" line moves: a rebuild at a later
    instant into the same folder, with the cache and the previous site, equals a cold one."""
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir, site = tmp_path / "content", tmp_path / "cache", tmp_path / "site"
    build(content, site, cache_dir)
    first = inodes(site)
    later = DEMO_NOW + timedelta(days=9, hours=5)
    build(content, site, cache_dir, now=later)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache", now=later)
    assert differing(site, tmp_path / "cold") == set()
    again = inodes(site)
    linked = {path for path, ino in again.items() if first.get(path) == ino}
    assert "feeds/threads/2026-01-12-vle-slow.xml" in linked  # unchanged: linked
    assert "index.html" not in linked  # shows the build time: drawn again


@pytest.mark.slow
def test_a_scheduled_rebuild_leaves_closed_threads_pages_alone(tmp_path: Path) -> None:
    """The schedule rebuilds every five minutes at a new instant: a closed thread's page
    shows no "Status at" line, so it is linked from the previous site, never drawn again;
    an open incident's or window's page says when its status was taken, so it is."""
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir, site = tmp_path / "content", tmp_path / "cache", tmp_path / "site"
    build(content, site, cache_dir)
    first = inodes(site)
    later = DEMO_NOW + timedelta(minutes=5)
    build(content, site, cache_dir, now=later)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache", now=later)
    assert differing(site, tmp_path / "cold") == set()
    loaded, _ = load_content(content)
    assert loaded is not None
    states = evaluate(loaded, later).threads.values()
    again = inodes(site)
    windows = (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE)
    closed = [s for s in states if not s.open and s.kind in windows and s.published]
    live = [s for s in states if s.open and s.kind in windows and s.published]
    assert closed and live
    for state in closed:
        path = f"{urls.thread_path(state.thread)}index.html"
        assert again[path] == first[path], f"{path} was drawn again"
        assert "pub-updated" not in (site / path).read_text(encoding="utf-8")
    for state in live:
        path = f"{urls.thread_path(state.thread)}index.html"
        assert again[path] != first[path], f"{path} still shows the earlier instant"
        assert later.isoformat() in (site / path).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["edited", "truncated", "deleted", "foreign site"])
def test_a_damaged_or_foreign_previous_site_is_not_linked_from(tmp_path: Path,
                                                              damage: str) -> None:
    """Only files still exactly as the last build wrote them are linked into the next."""
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir, site = tmp_path / "content", tmp_path / "cache", tmp_path / "site"
    build(content, site, cache_dir)
    page = site / "incidents/2026-01-12-vle-slow/index.html"
    feeds = sorted((site / "feeds").rglob("*.xml"))
    touched = [page, feeds[0], feeds[-1], site / "api/v2/summary.json"]
    for path in touched:
        if damage == "edited":
            time.sleep(0.01)
            path.write_bytes(path.read_bytes().replace(b"<", b"<!-- edited -->\n<", 1))
        elif damage == "truncated":
            with path.open("r+b") as handle:
                handle.truncate(10)
        elif damage == "deleted":
            path.unlink()
    if damage == "foreign site":  # a copy of the same site (new files), put in its place
        shutil.copytree(site, tmp_path / "copy")
        shutil.rmtree(site)
        (tmp_path / "copy").rename(site)
    mine = inodes(site)
    build(content, site, cache_dir)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache")
    assert differing(site, tmp_path / "cold") == set()
    again = inodes(site)
    for path in touched:
        name = path.relative_to(site).as_posix()
        assert again[name] != mine.get(name), f"{name} was linked from a damaged site"
    if damage == "foreign site":
        assert not {p for p, ino in again.items() if mine.get(p) == ino}
    else:  # the rest of the site is still linked
        assert again["incidents/2026-03-09-online-exams-major-incident/index.html"] == mine[
            "incidents/2026-03-09-online-exams-major-incident/index.html"]


@pytest.mark.slow
def test_unchanged_pages_come_from_the_cache_and_changed_ones_are_drawn_again(
        tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir = tmp_path / "content", tmp_path / "cache"
    build(content, tmp_path / "first", cache_dir)
    assert poison(cache_dir) > 80
    # an old story edited after approval is held until re-approved (issue 13)
    story = content / "messages/2026/2026-01-20-phishing-tax-refund-emails.md"
    story.write_text(story.read_text() + "\nA sentence added after the first build.\n")
    build(content, tmp_path / "second", cache_dir)
    shown = poisoned(tmp_path / "second")
    assert "news/index.html" not in shown  # the newsroom changed: drawn again
    assert "incidents/2026-01-12-vle-slow/index.html" in shown  # unrelated: reused


@pytest.mark.slow
def test_a_new_code_version_ignores_every_stored_page(tmp_path: Path) -> None:
    """Same content, same cache, but the package's source differs by one comment."""
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir = tmp_path / "content", tmp_path / "cache"
    build(content, tmp_path / "first", cache_dir)
    poison(cache_dir)
    build(content, tmp_path / "same-code", cache_dir)  # control: the same code reuses them
    assert poisoned(tmp_path / "same-code")
    package = tmp_path / "pkg" / "publisher"
    shutil.copytree(REPO / "publisher", package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    with (package / "cache.py").open("a") as handle:
        handle.write("\n# a new release\n")
    # run outside the repository, so ``python -m`` does not find the original package first
    build(content, tmp_path / "upgraded", cache_dir, cwd=tmp_path,
          PYTHONPATH=str(package.parent))
    assert poisoned(tmp_path / "upgraded") == set()
    assert differing(tmp_path / "upgraded", tmp_path / "first") == set()


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign", "wrong shape"])
def test_a_damaged_or_foreign_cache_is_ignored_and_rebuilt(tmp_path: Path,
                                                           damage: str) -> None:
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir = tmp_path / "content", tmp_path / "cache"
    build(content, tmp_path / "second", cache_dir)  # the same folder as below: links
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert {p.relative_to(cache_dir).parts[0] for p in files} >= {
        "pages", "messages", "html", "feeds", "sites"}
    for path in files:
        data = path.read_bytes()
        if damage == "garbage":
            path.write_bytes(b"\x00\xff not ours" * 7)
        elif damage == "truncated":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "foreign":  # another version's entry, intact
            head, _, payload = data.partition(b"\n")
            if not head.startswith(b"{"):
                continue  # a stored page: its digest, in a sealed index, is what is foreign
            header = json.loads(head)
            header["code"] = "0" * 64
            path.write_bytes(json.dumps(header).encode() + b"\n" + payload)
        elif path.suffix == ".json":  # sealed, keys kept, but values of the wrong shape
            stored = json.loads(cache.unseal(data) or b"{}")
            path.write_bytes(cache.seal(json.dumps({k: [1, 2] for k in stored}).encode()))
    build(content, tmp_path / "second", cache_dir)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache")
    assert differing(tmp_path / "second", tmp_path / "cold") == set()
    build(content, tmp_path / "third", cache_dir)  # the rewritten cache is good again
    assert differing(tmp_path / "third", tmp_path / "cold") == set()


@pytest.mark.slow
def test_a_failed_build_with_the_cache_in_use_leaves_the_site(tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir, out = tmp_path / "content", tmp_path / "cache", tmp_path / "site"
    build(content, out, cache_dir)
    before = snapshot(out)
    local = tmp_path / "site_templates" / "pages"
    local.mkdir(parents=True)
    (local / "thread.html").write_text("{% if %}broken{% endif %}\n")
    environ = dict(os.environ, NO_MKDOCS_2_WARNING="1", PUBLISHER_CACHE_DIR=str(cache_dir))
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(content), "--now",
         DEMO_NOW.isoformat(), "--out", str(out), "--config-file", str(REPO / "mkdocs.yml")],
        env=environ, capture_output=True, text=True, cwd=REPO, check=False)
    assert result.returncode == 1 and "unchanged" in result.stderr
    assert snapshot(out) == before  # every page was stored, yet none was reused
    (local / "thread.html").unlink()
    build(content, out, cache_dir)
    assert snapshot(out) == before


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_mkdocs_serve_rebuilds_from_the_cache(tmp_path: Path) -> None:
    """``mkdocs serve`` fills the cache; after an edit its rebuild reuses unchanged pages
    (poisoned here, so reuse shows) and draws the changed thread again."""
    shutil.copytree(DEMO, tmp_path / "content")
    cache_dir = tmp_path / "cache"
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    environ = dict(os.environ, NO_MKDOCS_2_WARNING="1", PUBLISHER_CACHE_DIR=str(cache_dir),
                   PUBLISHER_CONTENT=str(tmp_path / "content"), PUBLISHER_NOW=DEMO_NOW.isoformat())
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(REPO / "mkdocs.yml"), "-a",
         f"127.0.0.1:{port}"], env=environ, cwd=REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    thread = "incidents/2026-03-09-online-exams-major-incident/"
    try:
        assert wait_for(lambda: "Online exams" in fetch(base + thread), 240)
        news = fetch(base + "news/")
        assert poison(cache_dir) > 80
        # an old story edited after approval is held until re-approved (issue 13): the
        # newsroom changes and is drawn again; an unrelated incident's page is reused
        story = tmp_path / "content/messages/2026/2026-01-20-phishing-tax-refund-emails.md"
        story.write_text(story.read_text() + "\nA sentence added after the first build.\n")
        assert wait_for(lambda: fetch(base + "news/") != news, 240)
        assert POISON not in fetch(base + "news/")
        # mkdocs serve rewrites pages one by one: the rebuild may still be writing when the
        # newsroom has changed, so wait for it to reach the unrelated page (reused)
        assert wait_for(lambda: POISON in fetch(base + thread), 60)
    finally:
        server.terminate()
        server.wait(timeout=30)
