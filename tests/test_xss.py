"""XSS corpus through the real build: no executable script in any HTML page, feed, banner or
badge, whatever the payload and whichever field carries it (parsed, not grepped)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import lxml.etree
import lxml.html
import pytest
from conftest import DEMO_NOW
from xss_corpus import CONFIG_PAYLOADS, PAYLOADS, TEXT_PAYLOADS, make_content

from publisher.content.safety import TAG_RE

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster",
                  "background", "srcdoc", "{http://www.w3.org/1999/xlink}href"}
DANGEROUS_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data):", re.I)
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet",
                  "foreignobject", "mglyph"}
MARKERS = ("xss", "alert(")


def test_corpus_is_big_and_varied() -> None:
    assert len(PAYLOADS) >= 20
    kinds = {"<script": 0, " on": 0, "javascript:": 0, "<svg": 0, "<math": 0, "data:": 0,
             "CDATA": 0, "&lt;": 0, "\x00": 0}
    for payload in PAYLOADS:
        for kind in kinds:
            if kind in payload:
                kinds[kind] += 1
    assert all(kinds.values()), kinds


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("xss")
    content = make_content(base / "content")
    out = base / "build" / "site"
    done = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(content), "--out", str(out),
         "--now", DEMO_NOW.isoformat()],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def html_problems(root: lxml.html.HtmlElement, where: str) -> list[str]:
    """Everything in a parsed HTML tree that could run injected code."""
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().rpartition("}")[2]
        if tag in FORBIDDEN_TAGS:
            found.append(f"{where}: <{tag}>")
        if tag == "script":
            code = (element.text or "") + (element.get("src") or "")
            if any(marker in code for marker in MARKERS):
                found.append(f"{where}: injected <script> {code[:60]!r}")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            found.append(f"{where}: <meta refresh>")
        if tag == "style" and any(m in (element.text or "") for m in MARKERS):
            found.append(f"{where}: injected <style>")
        for name, value in element.attrib.items():
            local = name.lower().rpartition("}")[2]
            if local.startswith("on"):
                found.append(f"{where}: <{tag} {name}=…>")
            if (name.lower() in URL_ATTRIBUTES or local == "href") and DANGEROUS_SCHEMES.match(
                    value):
                found.append(f"{where}: <{tag} {name}={value[:40]!r}>")
            if local == "style" and ("javascript" in value.lower() or "url(" in value.lower()):
                found.append(f"{where}: style={value[:40]!r}")
    return found


def fragment(html: str, where: str) -> list[str]:
    if not html.strip():
        return []
    return html_problems(lxml.html.fragment_fromstring(html, create_parent="div"), where)


def test_payloads_reached_the_outputs(site: Path) -> None:
    # the corpus is only a test if its cases were published: titles show on pages and feeds
    index = (site / "feeds" / "all.xml").read_text()
    assert index.count("Case ") >= len(PAYLOADS) // 2
    pages = [p for p in (site / "incidents").rglob("*.html") if "case-" in str(p)]
    assert len(pages) >= len(PAYLOADS) // 2
    banners = json.loads((site / "banner.json").read_text())["banners"]
    assert len(banners) >= len(PAYLOADS) // 2


def test_no_executable_script_in_any_html_page(site: Path) -> None:
    problems = []
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        tree = lxml.html.fromstring(page.read_bytes())
        problems += html_problems(tree, str(page.relative_to(site)))
    assert problems == []


def test_no_executable_script_in_any_feed(site: Path) -> None:
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    feeds = list((site / "feeds").rglob("*.xml")) + list((site / "feeds").rglob("*.atom"))
    assert feeds
    problems = []
    for path in feeds:
        tree = lxml.etree.parse(str(path), parser)
        where = str(path.relative_to(site))
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            local = element.tag.rpartition("}")[2]
            text = element.text or ""
            if local in ("encoded", "content", "description", "summary"):
                problems += fragment(text, f"{where} <{local}>")
            elif local in ("title", "name", "category", "subtitle") and TAG_RE.search(text):
                # Text elements: what check lets into a title (a lone "<svg/onload=…" with no
                # ">", "a<b") is text there; a whole tag never is.
                problems.append(f"{where}: markup in <{local}>: {text[:60]!r}")
            for name, value in element.attrib.items():
                if DANGEROUS_SCHEMES.match(value):
                    problems.append(f"{where}: {name}={value[:40]!r}")
    assert problems == []


def test_banner_fragment_json_and_badges_are_inert(site: Path) -> None:
    html = (site / "banner.html").read_text()
    assert "<script" not in html.lower()
    assert fragment(html, "banner.html") == []
    for name in ["banner.json", *[str(p.relative_to(site))
                                  for p in (site / "api").rglob("*.json")]]:
        raw = (site / name).read_bytes()
        assert b"<" not in raw and b">" not in raw, name  # markup characters are \u-escaped
        json.loads(raw)
    for data in json.loads((site / "banner.json").read_text())["banners"]:
        assert data["url"].startswith("https://status.test.example/")
    for badge in (site / "badges").glob("*.svg"):
        tree = lxml.etree.parse(str(badge))
        problems = html_problems(tree.getroot(), badge.name)  # type: ignore[arg-type]
        assert problems == []
        assert not tree.xpath("//*[local-name()='script']")


def test_config_payloads_are_text_escaped_exactly_once(site: Path) -> None:
    # The organisation name is on every page (header, <title>), a service name on its page:
    # parsed, each reads back as exactly what was written, and made no element.
    home = lxml.html.fromstring((site / "index.html").read_bytes())
    assert home.findtext(".//title") == CONFIG_PAYLOADS["organisation"]
    assert CONFIG_PAYLOADS["organisation"] in home.text_content()
    service = lxml.html.fromstring((site / "services" / "calendar" / "index.html").read_bytes())
    assert service.findtext(".//title") == (
        f"{CONFIG_PAYLOADS['service']} - {CONFIG_PAYLOADS['organisation']}")
    assert not service.xpath("//svg[@onload]") and not home.xpath("//svg[@onload]")
    thread = next((site / "incidents").glob("*case-01*/index.html"))
    title = lxml.html.fromstring(thread.read_bytes()).findtext(".//title")
    assert title.startswith(f"Case 1 {TEXT_PAYLOADS[1]} - ")


def test_feed_html_shows_markup_as_text_and_loads_nothing(site: Path) -> None:
    # A reader renders <description> and content as HTML: what the site shows as text (a
    # code span with <img onerror>, an escaped <img>) must stay text, with no remote image.
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)
    tree = lxml.etree.parse(str(site / "feeds" / "all.xml"), parser)
    channel = tree.find("channel")
    assert lxml.html.fragment_fromstring(channel.findtext("description"),
                                         create_parent="div").text_content() == (
        f"Every status update and news item from {CONFIG_PAYLOADS['organisation']}.")
    shown = 0
    for item in tree.iter("item"):
        for field in ("description", "{http://purl.org/rss/1.0/modules/content/}encoded"):
            html = item.findtext(field) or ""
            root = lxml.html.fragment_fromstring(html, create_parent="div")
            assert not root.xpath("//img | //svg | //iframe | //object | //embed"), html[:200]
            assert "evil.example/feed" not in " ".join(
                v for el in root.iter() for v in el.attrib.values())
            shown += "onerror=\"alert('feed1')" in root.text_content()
    assert shown  # the code span's markup reached the feed, as text
