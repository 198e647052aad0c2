"""On a rebuild, feeds, API, calendars and the other non-page outputs are written by a
forked worker while the pages are drawn (``publisher.outputs``): the same site as writing
them in-process, the worker's files reach the manifest (the next build links them), and a
worker that fails or dies fails the build with the previous site untouched."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from publisher import outputs, renderers
from publisher.build import REPO, BuildError, build
from publisher.renderers import BuildContext
from tests.conftest import DEMO, DEMO_NOW
from tests.test_build_cache import differing

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(DEMO, tmp_path / "content")
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    return tmp_path


def extra_producer(monkeypatch: pytest.MonkeyPatch, produce: object) -> None:
    monkeypatch.setattr(renderers, "PRODUCERS", [*renderers.PRODUCERS, produce])


def test_the_worker_writes_the_same_site_as_this_process(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def whose(ctx: BuildContext) -> dict[str, bytes]:
        return {"pid.txt": str(os.getpid()).encode()}

    extra_producer(monkeypatch, whose)
    later = DEMO_NOW + timedelta(minutes=5)
    build(project / "content", DEMO_NOW, project / "forked")
    # a cold build writes them here: a worker would copy most of this process's memory
    assert (project / "forked" / "pid.txt").read_text() == str(os.getpid())
    build(project / "content", later, project / "forked")  # over the previous site: forked
    assert (project / "forked" / "pid.txt").read_text() != str(os.getpid())  # a worker's

    monkeypatch.setattr(outputs, "_can_fork", lambda: False)
    shutil.rmtree(project / "cache")
    build(project / "content", DEMO_NOW, project / "here")
    build(project / "content", later, project / "here")
    assert (project / "here" / "pid.txt").read_text() == str(os.getpid())
    assert differing(project / "forked", project / "here") == {"pid.txt"}
    assert any((project / "here" / "feeds").rglob("*.xml"))


def test_the_workers_files_are_linked_by_the_next_build(project: Path) -> None:
    site = project / "site"
    build(project / "content", DEMO_NOW, site)
    feeds = sorted(p for p in (site / "feeds").rglob("*") if p.is_file())
    calendars = sorted(p for p in (site / "calendar").rglob("*") if p.is_file())
    before = {p: p.stat().st_ino for p in feeds + calendars}
    build(project / "content", DEMO_NOW + timedelta(minutes=5), site)
    kept = [p for p, inode in before.items() if p.exists() and p.stat().st_ino == inode]
    # the manifest named them, so they were linked, not written again: a thread's feed and
    # a service's calendar do not change in five quiet minutes
    assert len(kept) > len(before) // 2
    assert any(p.parent.name == "threads" for p in kept)


def failing(ctx: BuildContext) -> Iterator[tuple[str, bytes]]:
    yield "early.txt", b"written before the failure"
    raise RuntimeError("the calendar could not be made")


def dying(ctx: BuildContext) -> dict[str, bytes]:
    os._exit(3)  # the worker is killed mid-way, reporting nothing


@pytest.mark.parametrize("producer", [failing, dying], ids=["raises", "dies"])
def test_a_failed_worker_fails_the_build_and_keeps_the_previous_site(
        project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        producer: object) -> None:
    site = project / "site"
    build(project / "content", DEMO_NOW, site)
    listing = sorted(p.relative_to(site) for p in site.rglob("*"))
    extra_producer(monkeypatch, producer)
    with pytest.raises(BuildError, match="is unchanged"):
        build(project / "content", DEMO_NOW + timedelta(minutes=5), site)
    # mkdocs logs a plugin's error and raises its own "Aborted"; the log says what broke
    said = "the calendar could not be made" if producer is failing else "outputs worker ended"
    assert any(said in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == listing
    assert not (site / "early.txt").exists()
    assert not [p for p in project.iterdir() if p.name.startswith(".site")]  # no staging left


def test_a_file_in_docs_dir_that_an_output_would_overwrite_is_refused_by_the_worker(
        project: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = project / "mkdocs.yml"
    shutil.copy(REPO / "mkdocs.yml", config)
    static = project / "site_templates" / "static"
    static.mkdir(parents=True)
    site = project / "site"
    build(project / "content", DEMO_NOW, site, config_file=config)
    before = (site / "banner.json").read_bytes()
    (static / "banner.json").write_text("{}")
    with pytest.raises(BuildError):  # a rebuild: the worker refuses it
        build(project / "content", DEMO_NOW + timedelta(minutes=5), site, config_file=config)
    assert any("banner.json is generated; remove it from docs_dir" in r.getMessage()
               for r in caplog.records)
    assert (site / "banner.json").read_bytes() == before
