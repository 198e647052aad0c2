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
from xss_corpus import PAYLOADS, make_content

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
            elif local in ("title", "name", "category", "subtitle") and re.search(
                    r"<[a-zA-Z!/]", text):
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
