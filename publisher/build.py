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
from mkdocs.config.defaults import MkDocsConfig

from .cache import cache_root, key_of
from .check import CheckResult, requires_provenance
from .errors import ConfigError, Problem, PublisherError
from .memo import Memo, inputs_digest, listing
from .mkdocs_plugin import CONTENT_ENV, PREVIEW_ENV, STAGED_ENV
from .outdir import Staging, guard
from .summary import input_folders

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
    the site and why. When nothing the site depends on changed since the build that made
    ``out`` (same inputs, same instant, same code) and ``out`` is still exactly what that
    build wrote, the site is left as it is (``memo``)."""
    config_path = find_config(root, config_file)
    out = out.resolve()
    guard(out, root)
    stage = Staging(out)
    _tidy(out, stage.path)
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
        config = load_config(config_file=str(config_path), site_dir=str(stage.path))
        memo = None if preview else site_memo(config, root, now, out)
        remembered = _remembered(memo, out)
        if remembered is not None:
            stage.abandon()  # the site in place is the one this build would write
            if held is not None:
                held.update(remembered)
            return out
        result = _run_mkdocs(config)
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
    if held is not None and result is not None:
        held.update(result.held)
    if memo is not None and result is not None and result.content is not None \
            and not requires_provenance(result.content):  # else git history is an input too
        memo.put({"site": listing(out), "held": {
            key: [p.as_dict() for p in problems] for key, problems in result.held.items()}})
    return out


def _run_mkdocs(config: MkDocsConfig) -> CheckResult | None:
    """mkdocs' own build of ``config``; the check the plugin published from."""
    # "dirty": mkdocs skips the pages the plugin linked from the previous site (and marked
    # unmodified); staging starts empty, so nothing else is left out
    config.plugins.on_startup(command="build", dirty=True)
    try:
        mkdocs_build(config, dirty=True)
    finally:
        config.plugins.on_shutdown()
    plugin = config.plugins.get("publisher")
    result = getattr(plugin, "result", None)
    return result if isinstance(result, CheckResult) else None


def site_memo(config: MkDocsConfig, root: Path, now: datetime, out: Path) -> Memo | None:
    """The run memo for building ``root`` into ``out`` with ``config``, or None when the
    inputs cannot all be named: another plugin or hook (it may read anything), or an
    ``!ENV`` setting in mkdocs.yml (the environment is an input then)."""
    config_path = Path(config.config_file_path or "")
    if (set(config.plugins) - {"publisher"} or config.hooks
            or b"!ENV" in _bytes(config_path)):
        return None
    folders = [*input_folders(root), Path(config.docs_dir).resolve(),
               *(Path(d).resolve() for d in config.theme.dirs if not _installed(Path(d)))]
    digest = inputs_digest(folders, [config_path])
    if digest is None:
        return None
    # the working folder too: what is held is reported with file names relative to it
    return Memo(cache_root(root), "build", str(out),
                key_of(digest, now.isoformat(), os.getcwd()))


def _bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _installed(folder: Path) -> bool:
    """A theme folder of mkdocs or mkdocs-material themselves (their versions are in the
    code version; material's icons alone are thousands of files)."""
    import material
    import mkdocs

    return any(folder.resolve().is_relative_to(Path(str(m.__file__)).resolve().parent)
               for m in (material, mkdocs))


def _remembered(memo: Memo | None, out: Path) -> dict[str, list[Problem]] | None:
    """What the remembered build held, when ``out`` is still exactly the site it wrote."""
    found = memo.get() if memo is not None else None
    if found is None or found.get("site") != listing(out):
        return None
    held = found.get("held")
    try:
        return {str(key): [Problem.from_dict(p) for p in problems]
                for key, problems in held.items()} if isinstance(held, dict) else None
    except (AttributeError, TypeError, ValueError):
        return None


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
