"""Badges read with an XML parser: one per service and overall, word + icon + colour,
an accessible title, and escaped text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from conftest import DEMO, DEMO_NOW

from publisher.content.load import load_content
from publisher.content.urls import badge_path
from publisher.renderers import BuildContext
from publisher.renderers.badges import FILL, produce_badges

SVG = "{http://www.w3.org/2000/svg}"


def build(root: Path, now: datetime = DEMO_NOW) -> dict[str, bytes]:
    content, problems = load_content(root)
    assert content is not None, problems
    return produce_badges(BuildContext.at(content, now))


def parse(data: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(data)


def status_text(svg: ElementTree.Element) -> ElementTree.Element:
    return next(t for t in svg.iter(f"{SVG}text") if t.get("data-status"))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_a_badge_per_service_and_overall_that_parse_as_svg() -> None:
    content, _ = load_content(DEMO)
    assert content is not None
    files = build(DEMO)
    assert set(files) == {badge_path()} | {badge_path(s) for s in content.services}
    for data in files.values():
        svg = parse(data)
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        title = svg.find(f"{SVG}title")
        assert title is not None and title.text
        assert svg.get("aria-labelledby") == title.get("id")


def test_status_word_icon_and_colour_follow_the_lights() -> None:
    files = build(DEMO)
    cases = {"student-records": ("major_outage", "Major outage", "#b42318"),
             "library-catalogue": ("under_maintenance", "Under maintenance", "#0b5cad"),
             "wifi": ("degraded_performance", "Degraded performance", "#f0b400"),
             "email": ("operational", "Operational", "#1a7f37")}
    for service, (status, word, colour) in cases.items():
        svg = parse(files[badge_path(service)])
        text = status_text(svg)
        assert text.get("data-status") == status
        assert text.text is not None and text.text.endswith(word)
        assert not text.text.startswith(word)  # an icon precedes the word
        assert svg.find(f"{SVG}title").text.endswith(f": {word}")  # type: ignore[union-attr]
        assert colour in [r.get("fill") for r in svg.iter(f"{SVG}rect")]
    overall = parse(files[badge_path()])
    assert status_text(overall).get("data-status") == "major_outage"
    assert overall.find(f"{SVG}title").text == "Westmarch IT: Major outage"  # type: ignore[union-attr]


def test_every_colour_pair_meets_aa_contrast() -> None:
    for background, foreground in FILL.values():
        light, dark = sorted([luminance(background), luminance(foreground)], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (background, foreground)


def test_names_are_escaped(mini_copy: Path) -> None:
    services = mini_copy / "services.yml"
    services.write_text(services.read_text().replace(
        "name: Email\n", "name: \"Email </title <svg/onload=alert(1) & co\"\n", 1))  # no tag
    svg = parse(build(mini_copy)[badge_path("email")])
    assert not list(svg.iter(f"{SVG}script")) and not list(svg.iter("script"))
    label = next(iter(svg.iter(f"{SVG}text")))
    assert not list(svg.iter(f"{SVG}svg"))[1:]  # the name made no element
    assert label.text == "Email </title <svg/onload=alert(1) & co"  # text, escaped once
