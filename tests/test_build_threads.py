"""A warm build makes a thread's page data only when something the page shows may differ.

Under ``publisher build`` each thread page's key is kept under a thread key (its published
messages' fingerprints, its state, the content outside ``messages/``, and the instant while
the thread is open); a thread key that finds the previous site's page links it before the
page's data is made. These tests count which thread pages a warm build really makes.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from publisher.build import build
from publisher.content.load import load_content
from publisher.content.model import MessageType
from publisher.renderers.site import SiteModel
from publisher.status import ThreadState, evaluate
from tests.conftest import DEMO, DEMO_NOW
from tests.test_build_cache import add_message, differing


def made_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the threads whose page data the next build makes."""
    made: list[str] = []
    original = SiteModel.thread_page

    def counted(self: SiteModel, state: ThreadState):  # type: ignore[no-untyped-def]
        made.append(state.id)
        return original(self, state)

    monkeypatch.setattr(SiteModel, "thread_page", counted)
    return made


@pytest.mark.slow
def test_a_later_build_with_a_new_thread_makes_only_what_may_differ(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(DEMO, tmp_path / "content")
    content, site = tmp_path / "content", tmp_path / "site"
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    build(content, DEMO_NOW, site)
    add_message(tmp_path)  # a new incident thread
    later = DEMO_NOW + timedelta(minutes=5)
    made = made_pages(monkeypatch)
    build(content, later, site)
    monkeypatch.undo()

    loaded, _ = load_content(content)
    assert loaded is not None
    states = evaluate(loaded, later).threads.values()
    clocked = {s.id for s in states if s.open or any(
        m.meta.major_incident is not None or m.type is MessageType.MAJOR_INCIDENT
        for m in s.published)}
    new = "2026-03-10-online-exams-again"
    assert new in made
    assert set(made) <= clocked | {new}, "a closed thread's page data was made again"
    assert len(made) == len(set(made))
    assert len(states) - len(made) >= 20, "most threads' pages were kept"

    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(tmp_path / "fresh-cache"))
    build(content, later, tmp_path / "cold")
    assert differing(site, tmp_path / "cold") == set()


@pytest.mark.slow
def test_a_preview_makes_its_thread_page_from_its_data(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A preview shows a draft as published, so it never takes a page by thread key, even
    when built into the very folder whose site holds that thread's page."""
    shutil.copytree(DEMO, tmp_path / "content")
    content, site = tmp_path / "content", tmp_path / "site"
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    build(content, DEMO_NOW, site)
    loaded, _ = load_content(content)
    assert loaded is not None
    message = next(iter(loaded.messages))
    made = made_pages(monkeypatch)
    build(content, DEMO_NOW, site, preview=message)
    assert made == [loaded.messages[message].thread_id]
