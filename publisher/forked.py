"""Work done on the second core: a forked child process that hands back its result.

A build or a check is one Python process, so one core of two waits. Where a piece of work
splits cleanly (a share of the message files to parse; half of the threads' policy rules;
the outputs while pages are drawn), a child forked from this process does its share and
sends back what it made (through an unnamed temporary file); the parent takes it when it needs it.

The result travels pickled. A pickle can run code when it is loaded, which is why the build
cache never holds one; this one is made by a copy of this very process, from objects it had
built, and read only by the process that forked it, never stored: it is as trusted as this
process's own memory.

Forking is only safe in a process with no other thread (``mkdocs serve`` runs a server
thread; a test may hold a browser's), and only worth it with a second core; ``can_fork``
says so, and callers do the work themselves otherwise. Forking can also fail (no memory or
process slot left): ``start`` then returns None and the caller does the work itself.
A child that raises or dies is reported as ``ForkError``, which the caller turns into its
own failure: the work is never silently half done.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from .errors import PublisherError


class ForkError(PublisherError):
    """A forked child failed, died, or reported something unreadable."""


def can_fork() -> bool:
    """Whether forking is possible, safe (no other thread) and worth it (a second core)."""
    return (hasattr(os, "fork") and (os.cpu_count() or 1) >= 2
            and threading.active_count() == 1)


def helper_env() -> dict[str, str]:
    """The environment for a helper process that runs this package's code as a program
    (``python -m publisher...``): this one's, with this package first on the import path."""
    here = str(Path(__file__).resolve().parent.parent)
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [here, *filter(None, [os.environ.get("PYTHONPATH")])]))


def resident() -> int | None:
    """This process's resident memory in bytes now (Linux); None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Child:
    """A forked child running ``work``; ``result`` waits for it and returns what it returned."""

    def __init__(self, pid: int, report: IO[bytes], label: str) -> None:
        self.pid, self.report, self.label = pid, report, label

    @classmethod
    def start(cls, work: Callable[[], Any], name: str, label: str) -> Child | None:
        """Fork a child named ``name`` (for ``ps``; ``label`` in errors) to run ``work``;
        None when the fork itself fails (do the work here instead)."""
        # The child writes its result to an unnamed temporary file and exits: through a
        # pipe it would wait, holding all its memory, until this process came to read.
        # (Not a ``with``: it stays open until ``result`` or ``abandon``.)
        try:
            report = tempfile.TemporaryFile(prefix="publisher-")  # noqa: SIM115
        except OSError:  # no writable temporary folder: do the work here
            return None
        # A page of memory either process writes to after the fork is copied; the collector
        # writes to every object it walks, so everything made so far is put out of its reach.
        gc.freeze()
        try:
            pid = os.fork()
        except OSError:
            report.close()
            return None
        if pid == 0:
            _child(work, name, report.fileno())
        return cls(pid, report, label)

    def result(self) -> Any:
        """Wait for the child and return its result; raises ``ForkError`` if it failed."""
        pid, report = self.pid, self.report
        self.pid = 0
        _, status = os.waitpid(pid, 0)
        with report:
            report.seek(0)
            payload = report.read()
        try:
            found = pickle.loads(payload)  # our own child's: see the module's docstring
        except Exception:  # cut short: the child died while writing
            found = None
        code = os.waitstatus_to_exitcode(status)
        if not isinstance(found, dict) or code != 0 or "result" not in found:
            why = found.get("error") if isinstance(found, dict) else None
            ended = f"killed by signal {-code}" if code < 0 else f"with exit code {code}"
            raise ForkError(why or f"{self.label} ended {ended}, before reporting")
        return found["result"]

    def abandon(self) -> None:
        """Stop a child whose work is no longer wanted."""
        if not self.pid:
            return
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self.report.close()
        self.pid = 0


@contextlib.contextmanager
def stopped_on_failure(child: Child | None) -> Iterator[None]:
    """Stop ``child`` if the block (this process's own share) raises: its result will never
    be taken, and it must not outlive the failure."""
    try:
        yield
    except BaseException:
        if child is not None:
            child.abandon()
        raise


def _child(work: Callable[[], Any], name: str, report: int) -> None:
    """The child's whole life. It never returns: ``os._exit`` skips the parent's exit
    handlers, buffers and cleanups, which are not the child's to run."""
    code = 1
    try:
        gc.disable()  # a short life: walking the parent's objects would copy their pages
        _name(name)
        try:
            data = pickle.dumps({"result": work()}, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        except Exception as exc:  # reported to the parent, which fails with it
            data = pickle.dumps({"error": (str(exc) or repr(exc)).removeprefix("publisher: ")})
        with os.fdopen(report, "wb") as writer:
            writer.write(data)
    finally:
        os._exit(code)


def _name(name: str) -> None:
    """Name the child for ``ps`` and ``top`` (Linux; elsewhere it keeps its parent's)."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w", encoding="ascii") as comm:
        comm.write(name[:15])
