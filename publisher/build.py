"""``build(root, now, out)``: the whole site, built by mkdocs in-process, swapped in atomically.

mkdocs writes into a fresh temporary directory next to ``out``; only when the build succeeded
is the old site moved aside and the new one renamed into place. A failed build (bad content,
broken template) raises and leaves the previous ``out`` exactly as it was, so a status page
never goes half-published.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from .errors import ConfigError, Problem, PublisherError
from .mkdocs_plugin import CONTENT_ENV, PREVIEW_ENV, STAGED_ENV
from .outdir import Staging, guard

REPO = Path(__file__).resolve().parent.parent


class BuildError(PublisherError):
    """The site could not be built; the previous site is untouched."""


def find_config(root: Path, config_file: Path | None = None) -> Path:
    """mkdocs.yml: the one given, else next to the content directory, else the project's."""
    for candidate in (config_file, root.resolve().parent / "mkdocs.yml",
                      Path.cwd() / "mkdocs.yml", REPO / "mkdocs.yml"):
        if candidate is not None and candidate.is_file():
            return candidate
    raise ConfigError(f"no mkdocs.yml found for {root} (give one with --config-file)")


def build(root: Path, now: datetime, out: Path, config_file: Path | None = None,
          preview: str | None = None, held: dict[str, list[Problem]] | None = None) -> Path:
    """Build the site for content ``root`` at ``now`` into ``out``; returns ``out``.

    With ``preview`` (a message id) only that message's thread page is built, the message
    shown as published (``publisher preview``). ``out`` is refused when it is no place for
    a site (``outdir.guard``). ``held``, when given, is filled with the messages left out of
    the site and why."""
    config_path = find_config(root, config_file)
    out = out.resolve()
    guard(out, root)
    stage = Staging(out)
    staging = stage.path
    _tidy(out, staging)
    saved = {key: os.environ.get(key)
             for key in (CONTENT_ENV, "PUBLISHER_NOW", PREVIEW_ENV, STAGED_ENV)}
    try:
        # The plugin reads both from the environment, exactly as under ``mkdocs build``.
        os.environ[CONTENT_ENV] = str(root.resolve())
        os.environ["PUBLISHER_NOW"] = now.isoformat()
        # the plugin leaves staging and the swap to us; it links unchanged files from ``out``
        os.environ[STAGED_ENV] = str(out)
        os.environ.pop(PREVIEW_ENV, None)
        if preview:
            os.environ[PREVIEW_ENV] = preview
        config = load_config(config_file=str(config_path), site_dir=str(staging))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
        plugin = config.plugins.get("publisher")
        result = getattr(plugin, "result", None)
        if held is not None and result is not None:
            held.update(result.held)
    except Exception as exc:  # whatever broke (content, template, disk), publish nothing
        stage.abandon()
        raise BuildError(f"site not built; {out} is unchanged:\n{exc}") from exc
    except BaseException:
        stage.abandon()
        raise
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    stage.publish(discard=_discard)
    return out


DISCARD = ("import os, shutil, sys\n"
           "os.nice(10)\n"
           "shutil.rmtree(sys.argv[1], ignore_errors=True)\n")


def _discard(old: Path) -> None:
    """Delete the previous site in the background: it is already out of view, and deleting
    thousands of files took longer than a warm rebuild itself. If that cannot start, delete
    it here; a left-over folder is tidied by the next build."""
    try:
        subprocess.Popen([sys.executable, "-c", DISCARD, str(old)], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    except OSError:
        shutil.rmtree(old, ignore_errors=True)


def _tidy(out: Path, staging: Path) -> None:
    """Remove previous sites an interrupted background delete left: untouched for an hour
    before ``staging`` was made (file times, not the build's clock), so not one that a
    delete is still working through."""
    made = staging.stat().st_mtime
    for stale in out.parent.glob(f".{out.name}-old-*"):
        with contextlib.suppress(OSError):
            if made - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
