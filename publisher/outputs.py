"""The non-page outputs (feeds, API, banner, calendars, badges, headers), written into the
staging folder while mkdocs draws the pages.

They were a fifth of a cold build and a fifth of a warm one, all on one core while the other
waited. Where it is safe, a forked worker process writes them (through the same ``Reuse``,
so unchanged files are still linked from the previous site) while this process goes on
drawing pages; ``finish`` waits for it and takes back what it recorded: the files it wrote or
linked (for the manifest) and the Markdown conversions it used (for the build cache).

A worker shares this process's memory only until either writes to it, and every object it
reads has its reference count written, which copies the page of memory it sits on. A
rebuild over a previous site (a warm build) and a first build that holds little memory yet
give the worker everything. A first build that holds much (``COLD_FORK_UNDER``) gives the
feeds to a helper process instead (``feedwriter``): each thread has its own feed, so
together they read every message, and a worker writing them all took a 5,000-thread build
from 300 MB to 400 MB, past its budget. The helper is a fresh process given only what the
feeds show. The worker for the rest is forked only once the helper is done, while pages are
being drawn (``tick``): forked beside the helper's start, it held 136 MB of copies as this
process prepared the pages (460 MB in all). Forking is also safe only in a process with no
other thread (``mkdocs serve`` runs a server thread, so serve writes them here, as does a
machine without ``fork`` or with one core). A worker or helper that fails in any way fails
the build, exactly as a failure here would.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from .errors import PublisherError
from .feedwriter import FeedWriter, FeedWriterError
from .forked import Child, ForkError, can_fork, resident
from .outdir import Reuse
from .renderers import PRODUCERS, BuildContext, Producer, feeds, stream_outputs
from .text import markup


class OutputsError(PublisherError):
    """A non-page output could not be made or written."""


COLD_FORK_UNDER = 200 * 2**20
"""A first build gives its worker everything only while it holds less memory than this. A
worker that reads all of the content may copy up to what the build holds: under 200 MB the
two stay within the 400 MB budgeted for a build of 15,000 messages."""
READ_EVERYTHING = "stream_feeds"
"""The producer that reads every published message: given to the ``feedwriter`` helper by
a first build that holds much memory (``COLD_FORK_UNDER``)."""


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
        self.writer: FeedWriter | None = None
        self.later: list[Producer] = []
        """Outputs left for a worker forked once the helper is done (``tick``)."""

    def write_all(self, producers: list[Producer] | None = None) -> None:
        """Write them all (or those of ``producers``) here, one at a time (thousands of
        feeds never all in memory)."""
        for path, data in stream_outputs(self.ctx, producers):
            self.refuse(path)
            self.reuse.write(path, data)

    def start(self) -> None:
        """Write them in a worker when that is safe and worth it, else here and now; in a
        big first build, the feeds in a helper process and the rest once it is done."""
        producers = list(PRODUCERS)
        if self.reuse.old or _small():  # old: the previous site's manifest
            if can_fork():
                self.child = Child.start(lambda: self._work(producers), "publisher-out",
                                         "the outputs worker")
        elif (os.cpu_count() or 1) >= 2:
            self.writer = self._start_writer()
            if self.writer is not None:
                # Not a worker for the rest yet: while it lived, every page of memory this
                # process touched preparing pages would be copied (see above).
                self.later = [p for p in producers if p.__name__ != READ_EVERYTHING]
                return
        if self.child is None:  # no fork possible, or the fork failed: all of them here
            with self._stopped_on_failure():
                self.write_all(producers)

    def tick(self) -> None:
        """Between two pages: once the helper is done, a worker writes the outputs left
        (``later``) while the pages are still being drawn."""
        if (self.later and self.writer is not None and self.writer.done()
                and can_fork()):
            producers, self.later = self.later, []
            self.child = Child.start(lambda: self._work(producers), "publisher-out",
                                     "the outputs worker")
            if self.child is None:  # the fork failed: ``finish`` writes them here
                self.later = producers

    def _start_writer(self) -> FeedWriter | None:
        """Start the helper that writes every feed (``feedwriter``)."""
        plan = feeds.feed_plan(self.ctx)
        for path in feeds.paths(plan):  # checked here: the helper knows nothing of docs_dir
            self.refuse(path)
        return FeedWriter.start(plan, self.reuse.staging, self.reuse.previous)

    @contextlib.contextmanager
    def _stopped_on_failure(self) -> Iterator[None]:
        """Stop the helper and any worker if this process's own share fails."""
        try:
            yield
        except BaseException:
            self.abandon()
            raise

    def _work(self, producers: list[Producer]) -> dict[str, Any]:
        """The worker's share: write those, and say what the parent must record."""
        before = set(self.reuse.new)
        linked = self.reuse.linked
        markup.forget_use()
        self.write_all(producers)
        return {"files": {p: e for p, e in self.reuse.new.items() if p not in before},
                "linked": self.reuse.linked - linked, "html": markup.used()}

    def finish(self) -> None:
        """Wait for the worker and the helper and take back what they recorded; raises if
        either failed."""
        if self.later:  # the helper was not done before the last page, or no fork was possible
            producers, self.later = self.later, []
            with self._stopped_on_failure():
                self.write_all(producers)
        child, self.child = self.child, None
        writer, self.writer = self.writer, None
        try:
            if child is not None:
                self._take(child)
        except BaseException:
            if writer is not None:
                writer.abandon()
            raise
        if writer is not None:
            try:
                self._record(writer.result(), 0)
            except FeedWriterError as exc:
                raise OutputsError(str(exc)) from exc

    def _take(self, child: Child) -> None:
        try:
            report = child.result()
        except ForkError as exc:
            raise OutputsError(str(exc)) from exc
        files, used, linked = (report.get("files"), report.get("html"), report.get("linked")
                               ) if isinstance(report, dict) else (None, None, None)
        if not (isinstance(files, dict) and isinstance(used, dict)
                and isinstance(linked, int)):
            raise OutputsError("the outputs worker's report is incomplete")
        self._record(files, linked)
        markup.take(used)

    def _record(self, files: dict[str, list[Any]], linked: int) -> None:
        """Count another process's files as written here (for the manifest)."""
        clash = sorted(set(files) & set(self.reuse.new))
        if clash:
            raise OutputsError(f"two producers write {clash[0]}")
        self.reuse.new.update(files)
        self.reuse.linked += linked

    def abandon(self) -> None:
        """Stop a worker whose build failed elsewhere: what it wrote is discarded with the
        staging folder."""
        self.later = []
        child, self.child = self.child, None
        writer, self.writer = self.writer, None
        if child is not None:
            child.abandon()
        if writer is not None:
            writer.abandon()
