"""A build over exactly the inputs of the build that made the site leaves the site in place.

Every input is changed in turn (a content file's bytes, a template, mkdocs.yml, the instant,
the output folder, the site itself) and each must bring a real build, equal to a cold one;
only a build with nothing changed is skipped, and it reports what the first one held.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from site_build import REPO
from test_build_cache import differing, inodes

from publisher import memo
from tests.conftest import DEMO, DEMO_NOW

STORY = "messages/2026/2026-01-20-phishing-tax-refund-emails.md"


def build(root: Path, out: Path, now: datetime = DEMO_NOW,
          config: Path = REPO / "mkdocs.yml") -> str:
    """``publisher build`` of ``root/content`` (cache in ``root/build/.cache``): what it says
    it built and what it holds."""
    environ = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    for name in ("PUBLISHER_CONTENT", "PUBLISHER_CACHE_DIR", "PUBLISHER_NOW"):
        environ.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(root / "content"), "--now",
         now.isoformat(), "--out", str(out), "--config-file", str(config)],
        env=environ, capture_output=True, text=True, cwd=root, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    # the command's own report of what it held (not mkdocs' log lines of a real build)
    report = re.search(r"^held \d+ message.*", result.stderr, re.MULTILINE | re.DOTALL)
    return result.stdout + (report.group(0) if report else "")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The demo, with one story edited after its approval: held, and reported as held."""
    shutil.copytree(DEMO, tmp_path / "content")
    story = tmp_path / "content" / STORY
    story.write_text(story.read_text() + "\nA sentence added after approval.\n")
    return tmp_path


@pytest.mark.slow
def test_a_build_with_nothing_changed_leaves_the_site_and_reports_the_same(
        project: Path) -> None:
    site = project / "site"
    first = build(project, site)
    assert "2026-01-20-phishing-tax-refund-emails" in first  # held, and said so
    before, folder = inodes(site), os.stat(site).st_ino
    again = build(project, site)
    assert again == first
    assert os.stat(site).st_ino == folder and inodes(site) == before  # not even swapped


def a_content_file(root: Path) -> None:
    path = root / "content" / "services.yml"
    path.write_text(path.read_text() + "\n# a comment: the same services, other bytes\n")


def a_template(root: Path) -> None:
    pages = root / "site_templates" / "pages"
    pages.mkdir(parents=True)
    shutil.copy(REPO / "publisher" / "templates" / "pages" / "thread.html", pages)


def the_site_edited(root: Path) -> None:
    page = root / "site" / "index.html"
    page.write_text(page.read_text() + "<!-- edited on the server -->")


def a_file_added_to_the_site(root: Path) -> None:
    (root / "site" / "stray.html").write_text("left by hand")


CHANGES: dict[str, Callable[[Path], None]] = {
    "content file": a_content_file, "template": a_template, "site edited": the_site_edited,
    "site file added": a_file_added_to_the_site,
}


@pytest.mark.slow
@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_brings_a_real_build_equal_to_a_cold_one(project: Path,
                                                            change: str) -> None:
    site = project / "site"
    build(project, site)
    folder = os.stat(site).st_ino
    CHANGES[change](project)
    build(project, site)
    assert os.stat(site).st_ino != folder, "built again and swapped in"
    cold = project / "cold"
    shutil.copytree(project / "content", cold / "content")
    if (project / "site_templates").exists():
        shutil.copytree(project / "site_templates", cold / "site_templates")
    build(cold, cold / "site")
    assert differing(site, cold / "site") == set()


@pytest.mark.slow
def test_another_instant_config_or_folder_is_another_build(project: Path) -> None:
    site = project / "site"
    build(project, site)
    folder = os.stat(site).st_ino
    build(project, site, now=DEMO_NOW + timedelta(minutes=1))
    assert os.stat(site).st_ino != folder
    folder = os.stat(site).st_ino
    config = project / "mkdocs.yml"
    (project / "site_templates" / "static").mkdir(parents=True)  # its docs_dir
    config.write_text((REPO / "mkdocs.yml").read_text() + "\n# another config\n")
    build(project, site, now=DEMO_NOW + timedelta(minutes=1), config=config)
    assert os.stat(site).st_ino != folder
    build(project, project / "elsewhere", now=DEMO_NOW + timedelta(minutes=1), config=config)
    assert (project / "elsewhere" / "index.html").is_file()


@pytest.mark.slow
def test_a_damaged_memo_is_ignored(project: Path) -> None:
    site = project / "site"
    build(project, site)
    folder = os.stat(site).st_ino
    memos = list((project / "build" / ".cache" / "runs").glob("*.json"))
    assert len(memos) == 1
    memos[0].write_bytes(memos[0].read_bytes().replace(b'"held"', b'"hold"'))
    build(project, site)
    assert os.stat(site).st_ino != folder


# ------------------------------------------------------------------ the key, without builds


def test_the_inputs_digest_follows_bytes_and_names_only(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.md").write_text("one")
    first = memo.inputs_digest([folder])
    assert first is not None and memo.inputs_digest([folder]) == first
    os.utime(folder / "sub" / "a.md", (1, 1))  # a checkout's new times: same key
    assert memo.inputs_digest([folder]) == first
    (folder / "sub" / "a.md").write_text("two")
    second = memo.inputs_digest([folder])
    assert second not in (None, first)
    (folder / "sub" / "a.md").rename(folder / "sub" / "b.md")
    assert memo.inputs_digest([folder]) not in (None, first, second)
    missing = memo.inputs_digest([tmp_path / "later"])
    (tmp_path / "later").mkdir()
    assert memo.inputs_digest([tmp_path / "later"]) == missing  # a missing folder is empty


@pytest.mark.parametrize("odd", ["link to a file", "link to a folder", "named pipe"])
def test_a_folder_with_anything_but_files_and_folders_gets_no_key(tmp_path: Path,
                                                                  odd: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (tmp_path / "outside.md").write_text("outside")
    if odd == "link to a file":
        (folder / "a.md").symlink_to(tmp_path / "outside.md")
    elif odd == "link to a folder":
        (folder / "d").symlink_to(tmp_path)
    else:
        os.mkfifo(folder / "pipe")
    assert memo.inputs_digest([folder]) is None  # and returns at once, never reads a pipe


def test_a_memo_answers_only_its_own_key(tmp_path: Path) -> None:
    stored = memo.Memo(tmp_path, "build", "/srv/site", "key-1")
    stored.put({"site": {"files": {}}})
    assert stored.get() == {"site": {"files": {}}}
    assert memo.Memo(tmp_path, "build", "/srv/site", "key-2").get() is None
    assert memo.Memo(tmp_path, "build", "/srv/other", "key-1").get() is None
    assert memo.Memo(None, "build", "/srv/site", "key-1").get() is None
    assert memo.Memo(tmp_path, "build", "/srv/site", None).get() is None


def test_a_listing_names_every_file_by_identity(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("x")
    first = memo.listing(site)
    assert first is not None and set(first["files"]) == {"a/index.html"}
    assert memo.listing(site) == first
    (site / "a" / "index.html").write_text("y")
    assert memo.listing(site) != first
    assert memo.listing(tmp_path / "missing") is None
    (site / "link").symlink_to(tmp_path)
    assert memo.listing(site) is None
