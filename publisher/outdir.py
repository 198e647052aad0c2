"""Where a built site may go, and how it gets there: refused places, staging, the swap.

``publisher build -o content`` once replaced the content folder with the site, and ``-o .``
the whole repository, .git included. So an output folder is refused when it is, contains or
is inside the content folder; when it holds or contains a git repository; and when it is a
non-empty folder that no publisher build made (each build leaves ``MARKER`` in the site).

Both entry points (``publisher build`` and ``mkdocs build`` through the plugin) build into a
staging folder next to the output and swap it in by renames, so a failed build leaves the
previous site as it was. The staging happens under a lock, which also makes any staging
folder left by a killed build safe to remove at the next build.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache import key_of, seal, unseal, write_atomic
from .errors import ConfigError

MARKER = ".publisher-site"
"""A file in every built site: proof a non-empty output folder is ours to replace."""
SITE_MODE = 0o755
"""A site is served by a web server, often another user: world-readable, like any web root."""


def _git_root(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def output_problem(out: Path, content: Path) -> str | None:
    """Why ``out`` may not receive a site built from ``content`` (None: it may)."""
    out, content = out.resolve(), content.resolve()
    if out == content or out.is_relative_to(content) or content.is_relative_to(out):
        return (f"the output folder {out} is, contains or is inside the content folder "
                f"{content}; building there would replace content with the site (allowed: a "
                "folder of its own, e.g. build/site)")
    for repo in {r for r in (_git_root(content), _git_root(Path.cwd())) if r is not None}:
        if repo.is_relative_to(out) or out.is_relative_to(repo / ".git"):
            return (f"the output folder {out} is, contains or is inside the repository {repo} "
                    "or its .git; building there would replace it (allowed: a folder of its own, "
                    "e.g. build/site)")
    if (out / ".git").exists():
        return f"the output folder {out} holds a git repository (.git); it is not replaced"
    if out.exists() and not out.is_dir():
        return f"the output {out} is a file, not a folder"
    if out.is_dir() and not (out / MARKER).exists() and any(out.iterdir()):
        return (f"the output folder {out} is not empty and was not made by publisher build "
                f"(no {MARKER} in it); empty it or choose another folder")
    return None


def guard(out: Path, content: Path) -> None:
    """Raise ``ConfigError`` when ``output_problem`` finds one."""
    problem = output_problem(out, content)
    if problem:
        raise ConfigError(problem)


def refuse_public(path: Path, why: str, instead: str) -> Path:
    """Refuse ``path`` anywhere under a ``build/site`` folder: internal outputs (the editor,
    the pipeline page) must never be published with the public status site."""
    resolved = path.resolve()
    for parent in [resolved, *resolved.parents]:
        if parent.name == "site" and parent.parent.name == "build":
            raise ConfigError(f"{path}: {why}; it may not be written under build/site "
                              f"(use {instead})")
    return path


def _delete(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class Staging:
    """A locked staging folder next to ``out``; ``publish`` swaps it in, ``abandon`` drops it."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        # The lock is on the parent folder itself: no lock file is left next to the site.
        self._lock: int | None = os.open(self.out.parent, os.O_RDONLY)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self._clean_stale()
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}-new-", dir=self.out.parent))

    def _clean_stale(self) -> None:
        # Under the lock no other build is staging: whatever is left was left by a killed one.
        # (Previous sites, ``-old-``, may still be being deleted in the background by
        # ``build._discard``; ``build._tidy`` removes those that were left.)
        for leftover in self.out.parent.glob(f".{self.out.name}-new-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def publish(self, discard: Callable[[Path], None] | None = None) -> None:
        """Mark, open up (mkdtemp makes 0700) and swap the staged site into place; the
        previous site goes to ``discard`` (default: deleted here)."""
        (self.path / MARKER).write_text("built by publisher; this folder is replaced by each "
                                        "build\n", encoding="utf-8")
        os.chmod(self.path, SITE_MODE)
        old = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}-old-", dir=self.out.parent))
            os.rename(self.out, old / self.out.name)
        os.rename(self.path, self.out)
        self._release()
        if old is not None:
            (discard or _delete)(old)

    def abandon(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing releases the flock
            self._lock = None


class Reuse:
    """Write a site's files into the staging folder, hard-linking those that are unchanged
    since the previous site instead of writing them again.

    Every file this build writes or links is recorded in a *manifest* kept in the build
    cache (sealed like every cache file): its path, a key for what it holds (the SHA-256 of
    its bytes, or a page's cache key) and the file's identity (inode, size, modification
    time). The next build links ``previous/path`` only when all of these hold:

    - the manifest is intact, of this code version, and was written for this output folder,
      whose identity (device and inode) is still the one the manifest names (a folder put
      there by anything else, or a copy, is not trusted);
    - the manifest holds ``path`` under the very key this build computed for it;
    - the file is still the one that was written: same inode, size and modification time
      (an edited, replaced, truncated or deleted file is not trusted; it is written again).

    A link is a second name for the same bytes, so the previous site stays exactly as it was
    until the swap, and a failed build leaves it untouched. Nothing linked is ever written
    through: a path is linked at most once and never handed to mkdocs to write.
    """

    def __init__(self, staging: Path, previous: Path | None, cache: Path | None) -> None:
        self.staging = staging
        self.previous = previous
        self._staging, self._previous = str(staging), str(previous)
        self.manifest = (cache / "sites" / f"{key_of(str(previous))}.json"
                         if cache is not None and previous is not None else None)
        self.old: dict[str, list[Any]] = {}
        self.new: dict[str, list[Any]] = {}
        self.made: set[str] = set()
        self.linked = 0
        if self.manifest is not None and previous is not None:
            self.old = self._load(self.manifest, previous)

    @staticmethod
    def _load(manifest: Path, previous: Path) -> dict[str, list[Any]]:
        try:
            payload = unseal(manifest.read_bytes())
            data = json.loads(payload) if payload is not None else None
            root = os.stat(previous)
        except (OSError, ValueError):
            return {}
        if (not isinstance(data, dict) or data.get("out") != str(previous)
                or data.get("root") != [root.st_dev, root.st_ino]
                or not isinstance(data.get("files"), dict)):
            return {}
        return data["files"]

    def _folder(self, path: str) -> None:
        parent = path.rpartition("/")[0]
        if parent and parent not in self.made:
            os.makedirs(os.path.join(self._staging, parent), exist_ok=True)
            self.made.add(parent)

    def link(self, path: str, key: str) -> bool:
        """Link the previous site's ``path`` if it holds what ``key`` names (see above)."""
        entry = self.old.get(path)
        if (self.previous is None or path in self.new or not isinstance(entry, list)
                or len(entry) != 4 or entry[0] != key):
            return False
        # plain strings: fifteen thousand Path objects per build were a second of their own
        source = os.path.join(self._previous, path)
        try:
            found = os.lstat(source)
            if (not stat.S_ISREG(found.st_mode)
                    or [found.st_ino, found.st_size, found.st_mtime_ns] != entry[1:]):
                return False
            self._folder(path)
            os.link(source, os.path.join(self._staging, path))
        except OSError:
            return False
        self.new[path] = entry
        self.linked += 1
        return True

    def write(self, path: str, data: bytes) -> None:
        """Write ``path`` (or link it, when the previous site holds the same bytes)."""
        key = hashlib.sha256(data).hexdigest()
        if self.link(path, key):
            return
        self._folder(path)
        if path in self.new:  # linked earlier: never write through a link into the old site
            os.unlink(os.path.join(self._staging, path))
            del self.new[path]
        # "x": never through a file that is there already (with a previous site to link
        # from, the staging folder starts empty and only links could be there)
        mode = "xb" if self.previous is not None else "wb"
        with open(os.path.join(self._staging, path), mode) as handle:
            handle.write(data)
        self.remember(path, key)

    def remember(self, path: str, key: str) -> None:
        """Record a file written into staging (by ``write`` or by mkdocs) under ``key``."""
        with contextlib.suppress(OSError):
            found = os.stat(os.path.join(self._staging, path))
            self.new[path] = [key, found.st_ino, found.st_size, found.st_mtime_ns]

    def save(self) -> None:
        """Keep the manifest for the next build (call when the staged site is complete)."""
        if self.manifest is None:
            return
        root = os.stat(self.staging)
        data = {"out": str(self.previous), "root": [root.st_dev, root.st_ino],
                "files": self.new}
        with contextlib.suppress(OSError):
            write_atomic(self.manifest, seal(json.dumps(data, sort_keys=True).encode()))
