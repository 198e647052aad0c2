"""Build a site once per test session through mkdocs' own command (shared by the site tests).

Not a test module: the site tests import it, so every module reuses the same builds.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SESSION_DIR = Path(tempfile.mkdtemp(prefix="site-tests-"))
atexit.register(shutil.rmtree, SESSION_DIR, ignore_errors=True)


def mkdocs_build(content: Path, now: datetime, out: Path) -> subprocess.CompletedProcess[str]:
    """``python -m mkdocs build`` for ``content`` at ``now`` into ``out`` (not raising)."""
    env = dict(os.environ, PUBLISHER_NOW=now.isoformat(), PUBLISHER_CONTENT=str(content),
               NO_MKDOCS_2_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(REPO / "mkdocs.yml"),
         "-d", str(out)],
        env=env, capture_output=True, text=True, cwd=REPO, check=False)


@cache
def built_site(content: Path, now: datetime) -> Path:
    """The site for ``content`` at ``now``, built once per session."""
    out = SESSION_DIR / f"{content.name}-{int(now.timestamp())}"
    result = mkdocs_build(content, now, out)
    assert result.returncode == 0, result.stderr
    return out
