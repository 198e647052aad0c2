"""banner.json / banner.html from the status engine: which threads, which level, which link,
gone once resolved, a new revision for every new update or correction."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import lxml.html
from conftest import DEMO, DEMO_NOW

from publisher.content.load import load_content
from publisher.renderers import BuildContext, static_outputs
from publisher.renderers.banner import produce_banner

OUTAGE = "messages/2026/2026-03-02-email-outage"
VLE = "messages/2026/2026-03-20-vle-upgrade.md"


def at(root: Path, when: str | datetime) -> dict[str, bytes]:
    content, problems = load_content(root)
    assert content is not None, problems
    now = datetime.fromisoformat(when) if isinstance(when, str) else when
    return produce_banner(BuildContext.at(content, now))


def banners(files: dict[str, bytes]) -> list[dict]:
    return json.loads(files["banner.json"])["banners"]


def shown_in_html(files: dict[str, bytes]) -> list[lxml.html.HtmlElement]:
    tree = lxml.html.fragment_fromstring(files["banner.html"].decode(), create_parent="div")
    return tree.xpath("//*[@data-banner-id]")


def add_update(root: Path, name: str, send_at: str, extra: str = "") -> None:
    (root / OUTAGE / name).write_text(
        f"---\ntype: update\nstatus: identified\nsend_at: {send_at}\n{extra}"
        "workflow: {stage: approved}\n---\nWe know the cause.\n")


def test_demo_banner_is_the_open_outage_linking_to_its_latest_update() -> None:
    files = at(DEMO, DEMO_NOW)
    assert set(files) == {"banner.json", "banner.html", "banner.js", "banner.css"}
    [banner] = banners(files)
    assert banner["id"] == "2026-11-18-student-records-outage"
    assert banner["level"] == "outage" and banner["role"] == "alert"
    assert banner["url"] == ("https://status.westmarch.example/incidents/"
                             "2026-11-18-student-records-outage/#m-03-extension")
    assert banner["revision"] == 2  # three published messages
    assert datetime.fromisoformat(banner["start"]).tzinfo is not None
    assert banner["end"] is None  # an incident stays until it is resolved
    # the Wi-Fi incident is open too, but its messages do not ask for a banner
    assert "wifi" not in files["banner.json"].decode()
    [element] = shown_in_html(files)
    assert element.get("role") == "alert"
    assert element.xpath(".//a/@href") == [banner["url"]]


def test_gone_once_resolved(mini_root: Path) -> None:
    assert [b["id"] for b in banners(at(mini_root, "2026-03-02T10:00:00+00:00"))] == [
        "2026-03-02-email-outage"]
    after = at(mini_root, "2026-03-02T12:00:00+00:00")
    assert banners(after) == []
    assert shown_in_html(after) == []


def test_not_before_its_first_message_is_published(mini_root: Path) -> None:
    assert banners(at(mini_root, "2026-03-02T09:20:00+00:00")) == []


def test_revision_grows_with_each_update_and_correction(mini_copy: Path) -> None:
    when = "2026-03-02T11:00:00+00:00"
    first = banners(at(mini_copy, when))[0]["revision"]
    add_update(mini_copy, "01b-update.md", "2026-03-02T10:30")
    second = banners(at(mini_copy, when))
    assert second[0]["revision"] == first + 1
    assert second[0]["url"].endswith("#m-01b-update")
    add_update(mini_copy, "01b-update.md", "2026-03-02T10:30", extra="revision: 2\n")
    assert banners(at(mini_copy, when))[0]["revision"] == first + 2


def test_banner_channel_dropped_by_the_latest_message_removes_it(mini_copy: Path) -> None:
    add_update(mini_copy, "01b-update.md", "2026-03-02T10:30", extra="channels: [status]\n")
    assert banners(at(mini_copy, "2026-03-02T11:00:00+00:00")) == []


def test_maintenance_banner_carries_its_window_and_is_a_status(mini_copy: Path) -> None:
    path = mini_copy / VLE
    path.write_text(path.read_text().replace("channels: [status, email, rss]",
                                             "channels: [status, email, rss, banner]"))
    before = at(mini_copy, "2026-03-15T12:00:00+00:00")
    [banner] = banners(before)
    assert banner["level"] == "maintenance" and banner["role"] == "status"
    assert banner["start"] == "2026-03-20T07:00:00+00:00"
    assert banner["end"] == "2026-03-20T09:00:00+00:00"
    assert shown_in_html(before) == []  # the static fragment shows only what is on now
    during = at(mini_copy, "2026-03-20T08:00:00+00:00")
    [element] = shown_in_html(during)
    assert element.get("role") == "status"
    assert banners(at(mini_copy, "2026-03-20T09:30:00+00:00")) == []


def test_html_fragment_has_no_script_and_escapes_text(mini_copy: Path) -> None:
    notice = mini_copy / OUTAGE / "01-notice.md"
    notice.write_text(notice.read_text().replace(
        "title: Email unavailable for some staff",
        "title: \"Email '\\\"><svg/onload=alert(1) down a<b\""))  # tags are refused by check
    files = at(mini_copy, "2026-03-02T10:00:00+00:00")
    tree = lxml.html.fragment_fromstring(files["banner.html"].decode(), create_parent="div")
    assert tree.xpath("//script") == []
    assert tree.xpath("//img") == []
    assert not [a for el in tree.iter() for a in el.attrib if a.lower().startswith("on")]
    assert tree.xpath("//svg") == []
    assert "Email '\"><svg/onload=alert(1) down a<b" in tree.text_content()


def test_script_and_stylesheet_obey_a_strict_csp_by_construction() -> None:
    js = at(DEMO, DEMO_NOW)["banner.js"].decode()
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "document.write",
                      ".style.", "setAttribute(\"style\"", "new Function"):
        assert forbidden not in js, forbidden
    css = at(DEMO, DEMO_NOW)["banner.css"].decode()
    selectors = [line.split("{")[0] for line in css.splitlines() if "{" in line]
    for selector in selectors:
        for part in selector.split(","):
            part = part.strip()
            assert part.startswith((".pubsb-", ":host", "@media")), part


def test_registered_as_a_producer() -> None:
    content, _ = load_content(DEMO)
    assert content is not None
    files = static_outputs(BuildContext.at(content, DEMO_NOW))
    assert {"banner.json", "banner.html", "banner.js", "banner.css"} <= set(files)
