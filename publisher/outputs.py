"""The non-page outputs (feeds, API, banner, calendars, badges, headers), written into the
staging folder while mkdocs draws the pages.

They were a fifth of a cold build and a fifth of a warm one, all on one core while the other
waited. Where it is safe, a forked worker process writes them (through the same ``Reuse``,
so unchanged files are still linked from the previous site) while this process goes on
drawing pages; ``finish`` waits for it and takes back what it recorded: the files it wrote or
linked (for the manifest) and the Markdown conversions it used (for the build cache).

A rebuild over a previous site (a warm build) forks, and so does a first build that holds
little memory yet. A worker shares this process's memory only until either writes to it,
and every object it reads has its reference count written: a first build's worker reads all
of the content and so copies most of it (a 5,000-thread build went from 325 MB to 460 MB,
past its 400 MB budget, to save 3 s of 20), hence ``COLD_FORK_UNDER``. Forking is also safe
only in a process with no other thread (``mkdocs serve`` runs a server thread, so serve
writes them here, as does a machine without ``fork`` or with one core). A
worker that fails in any way fails the build, exactly as a failure here would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import PublisherError
from .forked import Child, ForkError, can_fork, resident
from .outdir import Reuse
from .renderers import BuildContext, stream_outputs
from .text import markup


class OutputsError(PublisherError):
    """A non-page output could not be made or written."""


COLD_FORK_UNDER = 200 * 2**20
"""A first build forks its worker only while it holds less memory than this. The worker
reads all of the content, so it may copy up to what the build holds: under 200 MB the two
stay within the 400 MB budgeted for a build of 15,000 messages."""


def _small() -> bool:
    held = resident()
    return held is not None and held < COLD_FORK_UNDER


class Outputs:
    """Every non-page output of ``ctx`` written through ``reuse``; ``refuse`` raises for a
    path the site already has (a file in docs_dir)."""

    def __init__(self, ctx: BuildContext, reuse: Reuse, refuse: Callable[[str], None]) -> None:
        self.ctx = ctx
        self.reuse = reuse
        self.refuse = refuse
        self.child: Child | None = None

    def write_all(self) -> None:
        """Write them all here, one at a time (thousands of feeds never all in memory)."""
        for path, data in stream_outputs(self.ctx):
            self.refuse(path)
            self.reuse.write(path, data)

    def start(self) -> None:
        """Write them in a worker when that is safe and worth it, else here and now."""
        if (self.reuse.old or _small()) and can_fork():  # old: the previous site's manifest
            self.child = Child.start(self._work, "publisher-out", "the outputs worker")
        if self.child is None:  # no previous site, no fork, or the fork failed
            self.write_all()

    def _work(self) -> dict[str, Any]:
        """The worker's share: write everything, and say what the parent must record."""
        before = set(self.reuse.new)
        linked = self.reuse.linked
        markup.forget_use()
        self.write_all()
        return {"files": {p: e for p, e in self.reuse.new.items() if p not in before},
                "linked": self.reuse.linked - linked, "html": markup.used()}

    def finish(self) -> None:
        """Wait for the worker and take back what it recorded; raises if it failed."""
        child, self.child = self.child, None
        if child is None:
            return
        try:
            report = child.result()
        except ForkError as exc:
            raise OutputsError(str(exc)) from exc
        files, used, linked = (report.get("files"), report.get("html"), report.get("linked")
                               ) if isinstance(report, dict) else (None, None, None)
        if not isinstance(files, dict) or not isinstance(used, dict) or not isinstance(
                linked, int):
            raise OutputsError("the outputs worker's report is incomplete")
        self.reuse.new.update(files)
        self.reuse.linked += linked
        markup.take(used)

    def abandon(self) -> None:
        """Stop a worker whose build failed elsewhere: what it wrote is discarded with the
        staging folder."""
        child, self.child = self.child, None
        if child is not None:
            child.abandon()
