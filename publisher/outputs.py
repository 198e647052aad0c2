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
give the worker everything. A first build that holds much (``COLD_FORK_UNDER``) shares the
feeds, since each thread has its own and so together they read every message (a worker
writing them all took a 5,000-thread build from 300 MB to 400 MB, past its budget): the
worker writes a part of the threads' feeds (``THREAD_SHARE``) and every other output, and
this process the other feeds. Forking is also safe only in a process with no other thread
(``mkdocs serve`` runs a server thread, so serve writes them here, as does a machine without
``fork`` or with one core). A worker that fails in any way fails the build, exactly as a
failure here would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .cache import Pack
from .errors import PublisherError
from .forked import Child, ForkError, can_fork, resident, stopped_on_failure
from .outdir import Reuse
from .renderers import PRODUCERS, BuildContext, Producer, feeds, stream_outputs
from .text import markup


class OutputsError(PublisherError):
    """A non-page output could not be made or written."""


COLD_FORK_UNDER = 200 * 2**20
"""A first build gives its worker everything only while it holds less memory than this. A
worker that reads all of the content may copy up to what the build holds: under 200 MB the
two stay within the 400 MB budgeted for a build of 15,000 messages."""
READ_EVERYTHING = frozenset({"stream_feeds"})
"""The producers that read every published message: shared with the worker by a first build
that holds much memory (``COLD_FORK_UNDER``), where the worker writes the rest."""
THREAD_SHARE = 0.35
"""The part of the threads whose feeds that worker writes. Each feed copies the memory of
the messages it reads: at 5,000 threads, a worker writing every output held 170 MB of its
own, one writing all but the feeds about 40 MB, and with a third of the thread feeds 115 MB
(then 345 MB in all, 1.5 s sooner)."""


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
        self.shared = False

    def write_all(self, producers: list[Producer] | None = None) -> None:
        """Write them all (or those of ``producers``) here, one at a time (thousands of
        feeds never all in memory)."""
        for path, data in stream_outputs(self.ctx, producers):
            self.refuse(path)
            self.reuse.write(path, data)

    def start(self) -> None:
        """Write them in a worker when that is safe and worth it, else here and now."""
        shared = not (self.reuse.old or _small())  # old: the previous site's manifest
        theirs: frozenset[str] = frozenset()
        if can_fork():
            if shared:
                theirs = self._share_feeds()
            self.child = Child.start(self._work, "publisher-out", "the outputs worker")
        if self.child is None:  # no fork possible, or the fork failed: all of them here
            self.shared = False
            self.ctx.extras.pop(feeds.SHARE, None)
            self.ctx.extras.pop(feeds.UNSAVED, None)
            self.write_all()
        elif shared:  # the rest of the feeds; their store is saved once the worker's is in
            self.ctx.extras[feeds.SHARE] = (theirs, True)
            with stopped_on_failure(self.child):
                self.write_all([p for p in PRODUCERS if p.__name__ in READ_EVERYTHING])

    def _share_feeds(self) -> frozenset[str]:
        """Give the worker the feeds of part of the threads (``THREAD_SHARE``), whose ids
        this returns: in the worker, ``SHARE`` names them, and the store of feed keys is
        handed back unsaved."""
        threads = list(self.ctx.report.threads)
        theirs = frozenset(threads[:int(len(threads) * THREAD_SHARE)])
        self.shared = True
        self.ctx.extras[feeds.SHARE] = (theirs, False)
        self.ctx.extras[feeds.UNSAVED] = True
        return theirs

    def _work(self) -> dict[str, Any]:
        """The worker's share: write those, and say what the parent must record."""
        before = set(self.reuse.new)
        linked = self.reuse.linked
        markup.forget_use()
        self.write_all()
        stored = self.ctx.extras.get(feeds.STORED) if self.ctx.extras.get(
            feeds.UNSAVED) else None
        return {"files": {p: e for p, e in self.reuse.new.items() if p not in before},
                "linked": self.reuse.linked - linked, "html": markup.used(),
                "feeds": stored.used_entries() if isinstance(stored, Pack) else {}}

    def finish(self) -> None:
        """Wait for the worker and take back what it recorded; raises if it failed."""
        child, self.child = self.child, None
        if child is None:
            return
        try:
            report = child.result()
        except ForkError as exc:
            raise OutputsError(str(exc)) from exc
        files, used, linked, keys = (
            report.get("files"), report.get("html"), report.get("linked"), report.get("feeds")
        ) if isinstance(report, dict) else (None, None, None, None)
        if not (isinstance(files, dict) and isinstance(used, dict)
                and isinstance(linked, int) and isinstance(keys, dict)):
            raise OutputsError("the outputs worker's report is incomplete")
        clash = sorted(set(files) & set(self.reuse.new))
        if clash:
            raise OutputsError(f"two producers write {clash[0]}")
        self.reuse.new.update(files)
        self.reuse.linked += linked
        markup.take(used)
        stored = self.ctx.extras.get(feeds.STORED)
        if self.shared and isinstance(stored, Pack):  # one store, saved here
            stored.take(keys)
            stored.save()

    def abandon(self) -> None:
        """Stop a worker whose build failed elsewhere: what it wrote is discarded with the
        staging folder."""
        child, self.child = self.child, None
        if child is not None:
            child.abandon()
