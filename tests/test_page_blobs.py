"""Stored pages (``build/.cache/pages``) are the files mkdocs wrote, hard-linked rather than
written twice, and each is trusted only while its bytes match the digest kept for it."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from publisher import cache
from tests.conftest import DEMO
from tests.test_build_cache import POISON, build, differing, poisoned

PAGE = "incidents/2026-01-12-vle-slow/index.html"


def stored(cache_dir: Path) -> dict[str, Path]:
    return {p.name: p for p in (cache_dir / "pages").rglob("*") if p.is_file()}


@pytest.mark.slow
def test_a_stored_page_is_the_file_the_site_holds_and_is_checked_when_read(
        tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "content")
    content, cache_dir, site = tmp_path / "content", tmp_path / "cache", tmp_path / "first"
    build(content, site, cache_dir)
    page = site / PAGE
    same = [p for p in stored(cache_dir).values() if os.path.samefile(p, page)]
    assert len(same) == 1  # one file on disk for the site's page and the stored one
    digests = cache.Pack(cache_dir / "pages-sha256")
    assert digests.get(same[0].name) == hashlib.sha256(page.read_bytes()).hexdigest()
    # changed behind the build's back, digest left as it was: never shown again
    for path in stored(cache_dir).values():
        path.write_bytes(path.read_bytes().replace(b"</body>", POISON.encode() + b"</body>"))
    build(content, tmp_path / "second", cache_dir)
    build(content, tmp_path / "cold", tmp_path / "fresh-cache")
    assert poisoned(tmp_path / "second") == set()
    assert differing(tmp_path / "second", tmp_path / "cold") == set()


def test_a_page_that_cannot_be_linked_is_copied(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache on another file system than the site: a link fails, so the bytes are
    written instead, and read back whole."""
    page = tmp_path / "site" / "index.html"
    page.parent.mkdir()
    page.write_bytes(b"<html>a page</html>")
    digest = hashlib.sha256(page.read_bytes()).hexdigest()

    def cross_device(source: str, target: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    blobs = cache.Blobs(tmp_path / "cache" / "pages")
    blobs.link("ab" * 32, str(page), digest)
    blobs.prune()
    again = cache.Blobs(tmp_path / "cache" / "pages")
    assert again.get("ab" * 32) == b"<html>a page</html>"
    assert not os.path.samefile(again.path("ab" * 32), page)
    # a source that no longer holds the bytes it was drawn with is not stored at all
    page.write_bytes(b"<html>changed</html>")
    blobs.link("cd" * 32, str(page), digest)
    assert cache.Blobs(tmp_path / "cache" / "pages").get("cd" * 32) is None
