"""The feeds of a big first build, written by a helper process while this one draws pages.

Each thread has its own feed, so the feeds together read every published message: a child
forked from the build copies each page of memory it reads (``outputs``), and at 15,000
messages one writing every feed took the build past its memory budget. The helper is a
fresh Python process instead (this module run as a program): it shares nothing, and is given
only what the feeds show, a ``feeds.Plan`` as JSON lines on its standard input, which it
reads a feed at a time. It writes each feed into the staging folder, keeps their keys
in the build cache, and reports the files it wrote (for the manifest) as JSON on its
standard output. Both go through unnamed temporary files, so neither process ever waits for
the other to read.

The helper's files are the ones ``feeds.render`` would write here, byte for byte. If it
cannot be started, the build writes the feeds itself; if it fails, the build fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from .errors import PublisherError
from .forked import helper_env
from .outdir import Reuse
from .renderers import feeds


class FeedWriterError(PublisherError):
    """The helper process failed, died, or reported something unreadable."""


PROGRAM = ["-m", "publisher.feedwriter"]
"""What the helper runs, after the Python interpreter."""


class FeedWriter:
    """A running helper; ``result`` waits for it and returns the files it wrote."""

    def __init__(self, process: subprocess.Popen[bytes], report: IO[bytes],
                 errors: IO[bytes]) -> None:
        self.process, self.report, self.errors = process, report, errors

    @classmethod
    def start(cls, plan: feeds.Plan, staging: Path, previous: Path | None
              ) -> FeedWriter | None:
        """Start writing ``plan``'s feeds into ``staging``; None when no helper could be
        started (write them here instead)."""
        report = errors = None
        try:
            # Not ``with``: the report and errors stay open until ``result`` or ``abandon``.
            report = tempfile.TemporaryFile(prefix="publisher-")  # noqa: SIM115
            errors = tempfile.TemporaryFile(prefix="publisher-")  # noqa: SIM115
            with tempfile.TemporaryFile(prefix="publisher-") as payload:
                payload.write(json.dumps([str(staging), str(previous) if previous else None]
                                         ).encode() + b"\n")
                feeds.write_plan(plan, payload)
                payload.seek(0)
                process = subprocess.Popen([sys.executable, *PROGRAM], stdin=payload,
                                           stdout=report, stderr=errors, env=helper_env())
        except OSError:
            for handle in (report, errors):
                if handle is not None:
                    handle.close()
            return None
        return cls(process, report, errors)

    def done(self) -> bool:
        """Whether the helper has ended (well or not)."""
        return self.process.poll() is not None

    def result(self) -> dict[str, list[Any]]:
        """Wait for the helper; the manifest entry of each file it wrote."""
        code = self.process.wait()
        with self.report, self.errors:
            self.report.seek(0)
            self.errors.seek(0)
            said, complaint = self.report.read(), self.errors.read()
        try:
            found = json.loads(said) if code == 0 else None
        except ValueError:
            found = None
        files = found.get("files") if isinstance(found, dict) else None
        if not isinstance(files, dict):
            lines = complaint.decode("utf-8", "replace").strip().splitlines()
            why = f"killed by signal {-code}" if code < 0 else (
                lines[-1] if lines else f"ended with exit code {code}")
            raise FeedWriterError(f"the feed writer failed: {why}")
        return files

    def abandon(self) -> None:
        """Stop a helper whose work is no longer wanted."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.report.close()
        self.errors.close()


def main() -> int:
    """The helper: a request on standard input, the report on standard output."""
    try:
        staging, previous = json.loads(sys.stdin.buffer.readline())
        reuse = Reuse(Path(staging), Path(previous) if previous else None, None)
        for path, data in feeds.render(feeds.read_plan(sys.stdin.buffer)):
            reuse.write(path, data)
    except Exception as exc:  # one line for the build's error, never a traceback
        print(f"{type(exc).__name__}: {exc}".replace("\n", " "), file=sys.stderr)
        return 1
    json.dump({"files": reuse.new}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
