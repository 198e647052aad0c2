"""The non-page outputs (feeds, API, banner, calendars, badges, headers), written into the
staging folder while mkdocs draws the pages.

They were a fifth of a cold build and a fifth of a warm one, all on one core while the other
waited. Where it is safe, a forked worker process writes them (through the same ``Reuse``,
so unchanged files are still linked from the previous site) while this process goes on
drawing pages; ``finish`` waits for it and takes back what it recorded: the files it wrote or
linked (for the manifest) and the Markdown conversions it used (for the build cache).

Only a rebuild over a previous site (a warm build) forks. A worker shares this process's
memory only until either writes to it, and every object it reads has its reference count
written: a cold build's worker reads all of the content and so copied most of it (a
5,000-thread build went from 325 MB to 460 MB, past its 400 MB budget, to save 3 s of 20).
Forking is also safe only in a process with no other thread (``mkdocs serve`` runs a server
thread, so serve writes them here, as does a machine without ``fork`` or with one core). A
worker that fails in any way fails the build, exactly as a failure here would.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from .errors import PublisherError
from .outdir import Reuse
from .renderers import BuildContext, stream_outputs
from .text import markup


class OutputsError(PublisherError):
    """A non-page output could not be made or written."""


class Outputs:
    """Every non-page output of ``ctx`` written through ``reuse``; ``refuse`` raises for a
    path the site already has (a file in docs_dir)."""

    def __init__(self, ctx: BuildContext, reuse: Reuse, refuse: Callable[[str], None]) -> None:
        self.ctx = ctx
        self.reuse = reuse
        self.refuse = refuse
        self.pid = 0
        self.pipe = -1

    def write_all(self) -> None:
        """Write them all here, one at a time (thousands of feeds never all in memory)."""
        for path, data in stream_outputs(self.ctx):
            self.refuse(path)
            self.reuse.write(path, data)

    def start(self) -> None:
        """Write them in a worker when that is safe and worth it, else here and now."""
        if not self.reuse.old or not _can_fork():  # old: the previous site's manifest
            self.write_all()
            return
        read, write = os.pipe()
        before = set(self.reuse.new)
        # A page of memory either process writes to after the fork is copied; the collector
        # writes to every object it walks, so everything made so far is put out of its reach.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:  # no memory or process left for it: write them here, only slower
            os.close(read)
            os.close(write)
            self.write_all()
            return
        if pid == 0:  # the worker: write, report, and leave without running anything else
            os.close(read)
            _work(self, before, write)
        os.close(write)
        self.pid, self.pipe = pid, read

    def finish(self) -> None:
        """Wait for the worker and take back what it recorded; raises if it failed."""
        if not self.pid:
            return
        pid, pipe = self.pid, self.pipe
        self.pid, self.pipe = 0, -1
        with os.fdopen(pipe, "rb") as reader:
            payload = reader.read()  # read first: a large report fills the pipe until read
        _, status = os.waitpid(pid, 0)
        try:
            report = json.loads(payload)
        except ValueError:
            report = None
        code = os.waitstatus_to_exitcode(status)
        if not isinstance(report, dict) or code != 0:
            why = report.get("error") if isinstance(report, dict) else None
            ended = f"killed by signal {-code}" if code < 0 else f"with exit code {code}"
            raise OutputsError(why or f"the outputs worker ended {ended}, before reporting")
        files, used, linked = report.get("files"), report.get("html"), report.get("linked")
        if not isinstance(files, dict) or not isinstance(used, dict) or not isinstance(
                linked, int):
            raise OutputsError("the outputs worker's report is incomplete")
        self.reuse.new.update(files)
        self.reuse.linked += linked
        markup.take(used)

    def abandon(self) -> None:
        """Stop a worker whose build failed elsewhere: what it wrote is discarded with the
        staging folder."""
        if not self.pid:
            return
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.pipe)
        self.pid, self.pipe = 0, -1


def _can_fork() -> bool:
    return (hasattr(os, "fork") and (os.cpu_count() or 1) >= 2
            and threading.active_count() == 1)


def _work(outputs: Outputs, before: set[str], pipe: int) -> None:
    """The worker's whole life. It never returns: ``os._exit`` skips the parent's exit
    handlers, buffers and cleanups, which are not the worker's to run."""
    code = 1
    try:
        gc.disable()  # a short life: walking the parent's objects would copy their pages
        _name("publisher-out")
        markup.forget_use()
        linked = outputs.reuse.linked
        try:
            outputs.write_all()
            reuse = outputs.reuse
            report: dict[str, Any] = {
                "files": {p: e for p, e in reuse.new.items() if p not in before},
                "linked": reuse.linked - linked, "html": markup.used()}
            code = 0
        except Exception as exc:  # reported to the build, which fails with it
            report = {"error": (str(exc) or repr(exc)).removeprefix("publisher: ")}
        data = json.dumps(report).encode()
        with os.fdopen(pipe, "wb") as writer:
            writer.write(data)
    finally:
        os._exit(code)


def _name(name: str) -> None:
    """Name the worker for ``ps`` and ``top`` (Linux; elsewhere it keeps its parent's)."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w", encoding="ascii") as comm:
        comm.write(name)
