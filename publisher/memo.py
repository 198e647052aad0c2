"""Whole runs remembered: the same command over exactly the same inputs gives what it gave.

A rebuild with nothing changed (a CI job run again, ``--now`` pinned to the merge, the demo)
redid every step only to write the same site. A *run memo* keeps, per command and place
(``build/.cache/runs``), the key of the last successful run and what it produced; a run
whose key matches reuses that result instead of doing the work.

The key is made from everything the result depends on: the code version, the instant, the
options, and the bytes and names of every file in every input folder (content, the
organisation's templates, the packaged templates, ``mkdocs.yml``...). Reading the bytes, not
trusting modification times, makes a memo safe across git checkouts and restored caches. A
folder holding anything but plain files and folders (a symbolic link, a pipe), or more than
``LIMIT`` bytes, gets no key: then the run simply does its work. Memos are sealed like every
cache file, so a damaged or foreign one is ignored.

A built site is more than its key: ``listing`` records each file's identity (inode, size,
modification time) so that a site edited, pruned or replaced since the build is never
taken for the one remembered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .cache import code_version, key_of, seal, unseal, write_atomic

LIMIT = 256 * 1024 * 1024
"""The most bytes one key reads; inputs larger than this are never memoised."""


def inputs_digest(folders: Iterable[Path], files: Iterable[Path] = ()) -> str | None:
    """A hash of the names and bytes of every file in ``folders`` (a missing folder counts
    as empty) and of ``files``; None when a folder holds anything but plain files and
    folders, or when the inputs exceed ``LIMIT``."""
    digest = hashlib.sha256(code_version().encode())
    budget = LIMIT
    for top in folders:
        digest.update(b"\1folder\0" + str(top).encode())
        inside = len(str(top)) + 1  # of each path, the part below ``top``
        for path in _walk(top):
            if path is None:
                return None
            data = _read_plain(path, budget)
            if data is None:
                return None
            budget -= len(data)
            digest.update(b"\2" + path[inside:].encode() + b"\0"
                          + str(len(data)).encode() + b"\0" + data)
    for file in files:
        data = _read_plain(str(file), budget) if os.path.lexists(file) else b""
        if data is None:
            return None
        budget -= len(data)
        digest.update(b"\3" + str(file).encode() + b"\0" + str(len(data)).encode() + b"\0"
                      + data)
    return digest.hexdigest()


def _walk(top: Path) -> Iterable[str | None]:
    """Every file under ``top`` in a fixed order; None for anything not a plain file or
    folder (the caller gives up)."""
    try:
        found = os.lstat(top)
    except FileNotFoundError:
        return
    except OSError:
        yield None
        return
    if not stat.S_ISDIR(found.st_mode):
        yield None
        return
    stack = [str(top)]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            yield None
            return
        for entry in entries:
            if entry.is_symlink():
                yield None
                return
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                yield entry.path
            else:
                yield None
                return


def _read_plain(path: str, budget: int) -> bytes | None:
    """A regular file's bytes (opened without following a link), or None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > budget:
            return None
        data = os.read(fd, found.st_size + 1)
        # a file being written meanwhile gets no key (never half a file's bytes in one)
        return data if len(data) == found.st_size else None
    except OSError:
        return None
    finally:
        os.close(fd)


def listing(site: Path) -> dict[str, Any] | None:
    """What a built site folder is on disk: its own identity and every file's (inode, size,
    modification time); None when it is missing or holds anything but files and folders."""
    try:
        root = os.lstat(site)
    except OSError:
        return None
    if not stat.S_ISDIR(root.st_mode):
        return None
    files: dict[str, list[int]] = {}
    stack = [""]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(site, folder)))
        except OSError:
            return None
        for entry in entries:
            name = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(name)
                continue
            try:
                found = entry.stat(follow_symlinks=False)
            except OSError:
                return None
            if not stat.S_ISREG(found.st_mode):
                return None
            files[name] = [found.st_ino, found.st_size, found.st_mtime_ns]
    return {"root": [root.st_dev, root.st_ino], "files": files}


class Memo:
    """The last successful run of one command at one place, and its result."""

    def __init__(self, cache: Path | None, command: str, place: str, key: str | None) -> None:
        self.key = key
        self.file = (cache / "runs" / f"{key_of(command, place)[:32]}.json"
                     if cache is not None and key is not None else None)

    def get(self) -> dict[str, Any] | None:
        """The remembered result, when the last run had this very key."""
        if self.file is None:
            return None
        try:
            payload = unseal(self.file.read_bytes())
            data = json.loads(payload) if payload is not None else None
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != self.key:
            return None
        result = data.get("result")
        return result if isinstance(result, dict) else None

    def put(self, result: dict[str, Any]) -> None:
        """Remember ``result`` under this run's key (the previous run's is replaced)."""
        if self.file is None:
            return
        with contextlib.suppress(OSError):
            write_atomic(self.file, seal(json.dumps({"key": self.key, "result": result},
                                                    ensure_ascii=False).encode()))
