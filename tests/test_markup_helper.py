"""Converting many bodies on two cores gives exactly what converting them one by one gives.

``markup.prepare`` hands part of a build's texts to a helper process (``python -m
publisher.text.markup``); the HTML must be the same as this process makes, hostile bodies
included, and a helper that fails must cost only time.
"""

from __future__ import annotations

import sys

import pytest
from xss_corpus import PAYLOADS

from publisher.text import markup


def texts(count: int) -> list[str]:
    base = ["Our **engineers** are *on it*.\n\n- one\n- two\n\n[help](https://example.org/h)",
            "| a | b |\n|---|---|\n| 1 | 2 |", "`<script>`", "Ünïcode — “quotes” ✓", *PAYLOADS]
    return [f"{base[i % len(base)]}\n\nNumber {i}." for i in range(count)]


def test_the_helper_converts_exactly_as_this_process_does() -> None:
    sample = texts(300)
    assert markup._Helper(sample).result() == [markup.convert(t) for t in sample]


def test_prepare_fills_every_text_as_to_html_would(tmp_path) -> None:
    sample = texts(markup.PARALLEL_MIN * 2)
    expected = [markup.convert(t) for t in sample]
    markup.attach(tmp_path / "html")
    try:
        markup.prepare(sample)
        assert all(t in markup._memo for t in sample)
        assert [markup.to_html(t) for t in sample] == expected
        markup.save()
        markup.attach(tmp_path / "html")  # a later build finds them in the cache
        assert [markup.to_html(t) for t in sample] == expected
    finally:
        markup.attach(None)


@pytest.mark.parametrize("broken", ["/bin/false", "/nonexistent/python"])
def test_a_failed_helper_costs_only_time(monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    sample = texts(markup.PARALLEL_MIN * 2)
    expected = [markup.convert(t) for t in sample]
    markup.attach(None)
    monkeypatch.setattr(sys, "executable", broken)
    assert markup._Helper(sample[:10]).result() is None
    markup.prepare(sample)
    assert [markup.to_html(t) for t in sample] == expected
