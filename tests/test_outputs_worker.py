"""On a rebuild, feeds, API, calendars and the other non-page outputs are written by a
forked worker while the pages are drawn (``publisher.outputs``); a big first build has its
feeds written by a helper process (``publisher.feedwriter``) and the rest by a worker forked
once the helper is done. Each way gives the same site as writing them in-process, their
files reach the manifest (the next build links them), and a worker or helper that fails or
dies fails the build with the previous site untouched.

Each build runs in a fresh process, as ``publisher build`` does: the worker is forked only
from a process with no other thread, and this test process may hold a browser's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from publisher import cache
from publisher.build import REPO
from tests.conftest import DEMO, DEMO_NOW
from tests.test_build_cache import differing

pytestmark = pytest.mark.slow
LATER = DEMO_NOW + timedelta(minutes=5)

BUILD = """
import os, sys
from datetime import datetime
from pathlib import Path
from publisher import feedwriter, outputs, renderers
from publisher.build import BuildError, build

def whose(ctx):
    return {"pid.txt": str(os.getpid()).encode()}

def whose_feeds(real):
    def stream_feeds(ctx):  # each process that writes feeds says so
        yield from real(ctx)
        yield f"feeds-by-{os.getpid()}.txt", b""
    return stream_feeds

def failing(ctx):
    yield "early.txt", b"written before the failure"
    raise RuntimeError("the calendar could not be made")

def dying(ctx):
    os._exit(3)  # the worker is killed mid-way, reporting nothing

extra, content, out, now, config = sys.argv[1:6]
if extra != "none":
    renderers.PRODUCERS.append(globals()[extra])
if extra == "whose":
    from publisher.renderers import feeds
    feeds.stream_feeds = whose_feeds(feeds.stream_feeds)
if os.environ.get("TEST_NO_FORK"):
    outputs.can_fork = lambda: False
if os.environ.get("TEST_BIG"):  # as if the build held a great deal of memory already
    outputs.COLD_FORK_UNDER = 0
if os.environ.get("TEST_WRITER_FIRST"):  # the helper ends before the first page is drawn
    start = feedwriter.FeedWriter.start
    def started(*args):
        writer = start(*args)
        writer.process.wait()
        return writer
    feedwriter.FeedWriter.start = started
if os.environ.get("TEST_WRITER_SLOW"):  # the helper is still at work when the pages are drawn
    feedwriter.FeedWriter.done = lambda self: False
if os.environ.get("TEST_WRITER_PROGRAM"):
    feedwriter.PROGRAM = ["-c", os.environ["TEST_WRITER_PROGRAM"]]
if os.environ.get("TEST_NO_SPAWN"):
    import subprocess
    def no_spawn(*args, **kwargs):
        raise OSError(24, "Too many open files")
    subprocess.Popen = no_spawn
if os.environ.get("TEST_FORK_FAILS"):
    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")
    os.fork = no_fork
try:
    build(Path(content), datetime.fromisoformat(now), Path(out), Path(config))
except BuildError as exc:
    sys.exit(f"build failed: {exc}")
print(os.getpid())
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(DEMO, tmp_path / "content")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "site_templates" / "static").mkdir(parents=True)  # its docs_dir
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    return tmp_path


def run_build(project: Path, site: str, extra: str = "none", now: object = DEMO_NOW,
              fork: bool = True, fork_fails: bool = False, big: bool = False,
              **tests: str) -> subprocess.CompletedProcess[str]:
    """A build in a process of its own; ``tests``: TEST_* switches of ``BUILD``, by name."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.update({f"TEST_{name.upper()}": value for name, value in tests.items()})
    if big:
        env["TEST_BIG"] = "1"
    if not fork:
        env["TEST_NO_FORK"] = "1"
    if fork_fails:
        env["TEST_FORK_FAILS"] = "1"
    return subprocess.run(
        [sys.executable, "-c", BUILD, extra, str(project / "content"), str(project / site),
         str(now.isoformat()), str(project / "mkdocs.yml")],  # type: ignore[attr-defined]
        capture_output=True, text=True, env=env, timeout=300)


def feeds_by(site: Path) -> set[str]:
    return {p.name.removeprefix("feeds-by-").removesuffix(".txt")
            for p in site.glob("feeds-by-*.txt")}


def test_the_worker_writes_the_same_site_as_this_process(project: Path) -> None:
    first = run_build(project, "forked", "whose", big=True, writer_first="1")
    # a first build that holds much memory has the feeds written by a helper process (they
    # read every message: a forked worker writing them all would copy most of the build's
    # memory), and once the helper is done a worker writes everything else
    assert first.returncode == 0, first.stderr
    parent = first.stdout.strip()
    assert (project / "forked" / "pid.txt").read_text() not in ("", parent)
    assert feeds_by(project / "forked") == set()  # neither this process nor the worker
    assert any((project / "forked" / "feeds" / "threads").glob("*.xml"))
    again = run_build(project, "forked", "whose", LATER, big=True)  # a rebuild: all forked
    assert again.returncode == 0, again.stderr
    assert (project / "forked" / "pid.txt").read_text() != again.stdout.strip()
    assert feeds_by(project / "forked") == {(project / "forked" / "pid.txt").read_text()}

    shutil.rmtree(project / "cache")
    for now in (DEMO_NOW, LATER):
        here = run_build(project, "here", "whose", now, fork=False)
        assert here.returncode == 0, here.stderr
    assert (project / "here" / "pid.txt").read_text() == here.stdout.strip()
    assert feeds_by(project / "here") == {here.stdout.strip()}
    assert {p for p in differing(project / "forked", project / "here")
            if not p.startswith("feeds-by-")} == {"pid.txt"}
    assert any((project / "here" / "feeds").rglob("*.xml"))


def test_a_big_first_build_has_its_feeds_written_by_a_helper(project: Path) -> None:
    """The helper's feeds and the worker's other outputs: the same site as one process
    writes, every feed's key kept, and every file of both in the manifest, so the next build
    links them."""
    alone = run_build(project, "alone", fork=False)
    assert alone.returncode == 0, alone.stderr
    shutil.rmtree(project / "cache")
    shared = run_build(project, "shared", big=True)
    assert shared.returncode == 0, shared.stderr
    assert differing(project / "shared", project / "alone") == set()
    site = project / "shared"
    stored: dict[str, object] = {}  # the keys of every feed, kept by the helper
    for shard in (project / "cache" / "feeds").glob("*.json"):
        stored.update(json.loads(cache.unseal(shard.read_bytes()) or b"{}"))
    assert len(stored) * 2 == len([p for p in (site / "feeds").rglob("*") if p.is_file()])
    before = {p: p.stat().st_ino for p in site.rglob("*")
              if p.is_file() and p.parts[len(site.parts)] in ("feeds", "calendar", "api")}
    again = run_build(project, "shared", now=LATER + timedelta(minutes=5), big=True)
    assert again.returncode == 0, again.stderr
    kept = {p.parts[len(site.parts)] for p, inode in before.items()
            if p.exists() and p.stat().st_ino == inode}
    assert {"feeds", "calendar"} <= kept  # written by the helper and the worker: both linked


def test_pages_drawn_before_the_helper_is_done_leave_the_rest_to_this_process(
        project: Path) -> None:
    alone = run_build(project, "alone", "whose", fork=False)
    assert alone.returncode == 0, alone.stderr
    shutil.rmtree(project / "cache")
    slow = run_build(project, "slow", "whose", big=True, writer_slow="1")
    assert slow.returncode == 0, slow.stderr
    assert (project / "slow" / "pid.txt").read_text() == slow.stdout.strip()
    assert feeds_by(project / "slow") == set()  # the helper's
    assert {p for p in differing(project / "slow", project / "alone")
            if not p.startswith("feeds-by-")} == {"pid.txt"}


def test_a_feed_writer_that_cannot_start_leaves_the_feeds_to_this_process(
        project: Path) -> None:
    alone = run_build(project, "alone", fork=False)
    assert alone.returncode == 0, alone.stderr
    shutil.rmtree(project / "cache")
    here = run_build(project, "here", "whose", big=True, no_spawn="1")
    assert here.returncode == 0, here.stderr
    assert feeds_by(project / "here") == {here.stdout.strip()}
    assert {p for p in differing(project / "here", project / "alone")
            if not p.startswith("feeds-by-")} == {"pid.txt"}


@pytest.mark.parametrize(("program", "said"), [
    ("raise SystemExit(3)", "ended with exit code 3"),
    ("import os, signal, sys; print('UserWarning: said first', file=sys.stderr, flush=True); "
     "os.kill(os.getpid(), signal.SIGKILL)", "killed by signal 9"),
    ("import sys; sys.stdin.buffer.read(); print('OSError: [Errno 28] No space left on "
     "device', file=sys.stderr); sys.exit(1)", "OSError: [Errno 28] No space left on device"),
    ("print('not a report')", "ended with exit code 0"),
])
def test_a_failed_feed_writer_fails_the_build_and_keeps_the_previous_site(
        project: Path, program: str, said: str) -> None:
    site = project / "site"
    assert run_build(project, "site").returncode == 0
    listing = sorted(p.relative_to(site) for p in site.rglob("*"))
    shutil.rmtree(project / "cache")  # no manifest: a first build, and a big one
    failed = run_build(project, "site", now=LATER, big=True, writer_program=program)
    assert failed.returncode == 1
    assert "build failed" in failed.stderr and "is unchanged" in failed.stderr
    assert f"publisher: the feed writer failed: {said}" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == listing
    assert not [p for p in project.iterdir() if p.name.startswith(".site")]  # no staging left


def test_a_first_build_that_holds_little_memory_forks_too(project: Path) -> None:
    small = run_build(project, "site", "whose")
    assert small.returncode == 0, small.stderr
    assert (project / "site" / "pid.txt").read_text() != small.stdout.strip()
    assert any((project / "site" / "feeds").rglob("*.xml"))


def test_the_workers_files_are_linked_by_the_next_build(project: Path) -> None:
    site = project / "site"
    assert run_build(project, "site").returncode == 0
    assert run_build(project, "site", now=LATER).returncode == 0  # the worker writes these
    feeds = sorted(p for p in (site / "feeds").rglob("*") if p.is_file())
    calendars = sorted(p for p in (site / "calendar").rglob("*") if p.is_file())
    before = {p: p.stat().st_ino for p in feeds + calendars}
    assert run_build(project, "site", now=LATER + timedelta(minutes=5)).returncode == 0
    kept = [p for p, inode in before.items() if p.exists() and p.stat().st_ino == inode]
    # the manifest named them, so they were linked, not written again: a thread's feed and
    # a service's calendar do not change in five quiet minutes
    assert len(kept) > len(before) // 2
    assert any(p.parent.name == "threads" for p in kept)


@pytest.mark.parametrize("producer", ["failing", "dying"])
def test_a_failed_worker_fails_the_build_and_keeps_the_previous_site(
        project: Path, producer: str) -> None:
    site = project / "site"
    assert run_build(project, "site").returncode == 0
    listing = sorted(p.relative_to(site) for p in site.rglob("*"))
    failed = run_build(project, "site", producer, LATER)
    assert failed.returncode == 1
    assert "build failed" in failed.stderr and "is unchanged" in failed.stderr
    # mkdocs logs a plugin's error and raises its own "Aborted"; the log says what broke
    said = "the calendar could not be made" if producer == "failing" else (
        "the outputs worker ended with exit code 3")
    assert f"publisher: {said}" in failed.stderr
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == listing
    assert not (site / "early.txt").exists()
    assert not [p for p in project.iterdir() if p.name.startswith(".site")]  # no staging left


def test_a_file_in_docs_dir_that_an_output_would_overwrite_is_refused_by_the_worker(
        project: Path) -> None:
    static = project / "site_templates" / "static"
    site = project / "site"
    assert run_build(project, "site").returncode == 0
    before = (site / "banner.json").read_bytes()
    (static / "banner.json").write_text("{}")
    failed = run_build(project, "site", now=LATER)  # a rebuild: the worker refuses it
    assert failed.returncode == 1
    assert "banner.json is generated; remove it from docs_dir" in failed.stderr
    assert (site / "banner.json").read_bytes() == before


def test_a_fork_that_fails_writes_the_outputs_here(project: Path) -> None:
    assert run_build(project, "site").returncode == 0
    again = run_build(project, "site", "whose", LATER, fork_fails=True)
    assert again.returncode == 0, again.stderr
    assert (project / "site" / "pid.txt").read_text() == again.stdout.strip()
    assert any((project / "site" / "feeds").rglob("*.xml"))
