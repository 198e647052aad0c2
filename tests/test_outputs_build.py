"""Feeds, API, banner, calendars and badges land under build/site through both builds:
``mkdocs build`` (the plugin) and ``publisher build`` (the CLI), byte for byte as produced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import feedparser
import lxml.html
from conftest import DEMO, DEMO_NOW
from site_build import built_site

from publisher.content.load import load_content
from publisher.renderers import BuildContext, static_outputs

KEY_FILES = ("feeds/all.xml", "feeds/all.atom", "api/v2/summary.json", "banner.json",
             "banner.html", "banner.js", "banner.css", "calendar/maintenance.ics",
             "badges/overall.svg", "badges/student-records.svg")


def expected() -> dict[str, bytes]:
    content, problems = load_content(DEMO)
    assert content is not None, problems
    return static_outputs(BuildContext.at(content, DEMO_NOW))


def assert_outputs(site: Path) -> None:
    files = expected()
    assert set(KEY_FILES) <= set(files)
    for path, data in files.items():
        written = site / path
        assert written.is_file(), path
        assert written.read_bytes() == data, path


def test_mkdocs_build_writes_every_output() -> None:
    site = built_site(DEMO, DEMO_NOW)
    assert_outputs(site)
    assert feedparser.parse((site / "feeds/all.atom").read_bytes()).bozo == 0


def test_publisher_build_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "build" / "site"
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(DEMO), "--out", str(out),
         "--now", DEMO_NOW.isoformat()],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert_outputs(out)


def test_pages_offer_feed_autodiscovery_that_resolves() -> None:
    site = built_site(DEMO, DEMO_NOW)
    page = site / "services" / "student-records" / "index.html"
    tree = lxml.html.fromstring(page.read_bytes())
    hrefs = tree.xpath("//link[contains(concat(' ', @rel, ' '), ' alternate ')]/@href")
    assert any(h.endswith("feeds/services/student-records.xml") for h in hrefs)
    for href in hrefs:
        assert (page.parent / href).resolve().is_file(), href
