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

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

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
