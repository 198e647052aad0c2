"""Converting many bodies on two cores gives exactly what converting them one by one gives.

``markup.prepare`` hands part of a build's texts to a forked child, or, where forking is not
safe, to a helper process (``python -m publisher.text.markup``); the HTML must be the same
as this process makes, hostile bodies included, and a child or helper that fails must cost
only time. The forked path runs in a fresh process: this one may hold a browser's threads.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from xss_corpus import PAYLOADS

from publisher.build import REPO
from publisher.text import markup

FORKED = """
import os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tests"))
from publisher import forked
from publisher.text import markup
from tests.test_markup_helper import texts

started = []
real = forked.Child.start

def start(work, name, label):
    started.append(name)
    return real((lambda: os._exit(3)) if sys.argv[2] == "dies" else work, name, label)

forked.Child.start = start
markup._Helper = None  # the helper process must not be the one converting here
sample = texts(markup.PARALLEL_MIN * 2)
markup.attach(None)
markup.prepare(sample)
prepared = sum(1 for t in sample if t in markup._memo)
same = [markup.to_html(t) for t in sample] == [markup.convert(t) for t in sample]
print(started, prepared, len(sample), same)
"""


@pytest.fixture
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """No forking in this (perhaps threaded) test process: the helper process is used."""
    monkeypatch.setattr(markup, "can_fork", lambda: False)


def texts(count: int) -> list[str]:
    base = ["Our **engineers** are *on it*.\n\n- one\n- two\n\n[help](https://example.org/h)",
            "| a | b |\n|---|---|\n| 1 | 2 |", "`<script>`", "Ünïcode — “quotes” ✓", *PAYLOADS]
    return [f"{base[i % len(base)]}\n\nNumber {i}." for i in range(count)]


def test_the_helper_converts_exactly_as_this_process_does() -> None:
    sample = texts(300)
    assert markup._Helper(sample).result() == [markup.convert(t) for t in sample]


@pytest.mark.usefixtures("one_process")
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


@pytest.mark.usefixtures("one_process")
@pytest.mark.parametrize("broken", ["/bin/false", "/nonexistent/python"])
def test_a_failed_helper_costs_only_time(monkeypatch: pytest.MonkeyPatch, broken: str) -> None:
    sample = texts(markup.PARALLEL_MIN * 2)
    expected = [markup.convert(t) for t in sample]
    markup.attach(None)
    monkeypatch.setattr(sys, "executable", broken)
    assert markup._Helper(sample[:10]).result() is None
    markup.prepare(sample)
    assert [markup.to_html(t) for t in sample] == expected


@pytest.mark.parametrize("child", ["works", "dies"])
def test_a_forked_child_converts_half_exactly_as_this_process_does(child: str) -> None:
    done = subprocess.run([sys.executable, "-c", FORKED, str(REPO), child],
                          capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert done.returncode == 0, done.stderr
    started, prepared, count, same = done.stdout.split(" ", 1)[0], *done.stdout.split()[1:]
    assert started == "['publisher-md']" and same == "True"
    # the child's half is prepared too, unless it died: then converted when shown
    assert int(prepared) == (int(count) if child == "works" else int(count) // 2)
