"""The build cache: content-addressed results under ``build/.cache``, safe to delete.

A rebuild during an outage should only redo what changed. Three kinds of result are kept,
each under a key made from everything it depends on, so a stale entry can never be found:

- ``messages/``: a message file's parsed front matter (what the YAML parser gave, with line
  numbers), keyed by the file's bytes, the code version and the organisation's timezone;
- ``html/``: a Markdown text as sanitized HTML, keyed by the text and the code version;
- ``pages/``: a whole page as the theme wrote it, keyed by the page's data, its templates,
  the theme, ``mkdocs.yml`` and the code version (see ``mkdocs_plugin``).

The *code version* is a hash of the package's own source and the versions of the libraries
that shape the output, so upgrading either starts afresh. Every file starts with a header
line naming the cache format, the code version and a SHA-256 of the rest; a file that is
truncated, garbled, from another version or not JSON is ignored (and rewritten), never
trusted. Only JSON is stored (never pickle): a cache restored from CI can at worst hold
wrong text, which the build would then validate like any content, not run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

FORMAT = "publisher-cache-1"
CACHE_ENV = "PUBLISHER_CACHE_DIR"
"""Where the cache lives; ``off`` turns it off. Default: ``build/.cache`` next to content/."""
PACKAGE = Path(__file__).resolve().parent
LIBRARIES = ("mkdocs", "mkdocs-material", "markdown", "nh3", "jinja2", "pydantic", "pyyaml",
             "feedgen", "icalendar", "markupsafe")


@cache
def code_version() -> str:
    """A hash of every Python file of the package and the libraries' versions."""
    digest = hashlib.sha256(FORMAT.encode())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none".encode())
    return digest.hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """A hash of files' names and bytes (a templates folder, a theme overrides folder)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file():
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def key_of(*parts: str) -> str:
    """One key from several strings (NUL-separated, so no two lists of parts collide)."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cache_root(content_root: Path) -> Path | None:
    """The cache folder for a content directory, or None when turned off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen).resolve()
    return content_root.resolve().parent / "build" / ".cache"


def seal(payload: bytes) -> bytes:
    header = {"format": FORMAT, "code": code_version(),
              "sha256": hashlib.sha256(payload).hexdigest()}
    return json.dumps(header).encode() + b"\n" + payload


def unseal(data: bytes) -> bytes | None:
    """The payload of a sealed file, or None if it is not one of ours, intact, this version."""
    head, newline, payload = data.partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(head)
    except ValueError:
        return None
    if (not isinstance(header, dict) or header.get("format") != FORMAT
            or header.get("code") != code_version()
            or header.get("sha256") != hashlib.sha256(payload).hexdigest()):
        return None
    return payload


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and a rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Pack:
    """Many small JSON results in 256 shard files (``NN.json`` by key prefix).

    Loaded on first use; a shard with a new entry is rewritten on ``save`` holding only the
    entries used in this run, so entries for files that no longer exist fall away.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.shards: dict[str, dict[str, Any]] = {}
        self.used: dict[str, set[str]] = {}
        self.dirty: set[str] = set()

    def _shard(self, key: str) -> dict[str, Any]:
        name = key[:2]
        shard = self.shards.get(name)
        if shard is None:
            shard = {}
            if self.folder is not None:
                try:
                    payload = unseal((self.folder / f"{name}.json").read_bytes())
                    loaded = json.loads(payload) if payload is not None else None
                    if isinstance(loaded, dict):
                        shard = loaded
                except (OSError, ValueError):
                    pass
            self.shards[name] = shard
            self.used[name] = set()
        return shard

    def get(self, key: str) -> Any:
        shard = self._shard(key)
        value = shard.get(key)
        if value is not None:
            self.used[key[:2]].add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self._shard(key)[key] = value
        self.used[key[:2]].add(key)
        self.dirty.add(key[:2])

    def forget_use(self) -> None:
        """Start counting what is used afresh (a forked process reports only its own use)."""
        for keys in self.used.values():
            keys.clear()

    def used_entries(self) -> dict[str, Any]:
        """Every entry used or added since the count began, by key."""
        return {key: self.shards[name][key] for name, keys in self.used.items()
                for key in keys if key in self.shards[name]}

    def take(self, entries: dict[str, Any]) -> None:
        """Count ``entries`` (another process's ``used_entries``) as used here; an entry
        not held, or held otherwise, is put."""
        for key, value in entries.items():
            if self._shard(key).get(key) == value:
                self.used[key[:2]].add(key)
            else:
                self.put(key, value)

    def save(self) -> None:
        """Write the changed shards; a cache that cannot be written is only slower."""
        if self.folder is None:
            return
        for name in sorted(self.dirty):
            shard = self.shards[name]
            kept = {k: shard[k] for k in sorted(self.used[name]) if k in shard}
            try:
                write_atomic(self.folder / f"{name}.json",
                             seal(json.dumps(kept, ensure_ascii=False).encode()))
            except OSError:
                return
        self.dirty.clear()


class Blobs:
    """Whole files (rendered pages), one file per key, each checked when read against the
    SHA-256 kept for it (``index``: a ``Pack`` beside the folder).

    A page is stored by hard-linking the file mkdocs just wrote into the site, not by
    writing its bytes a second time: with thousands of pages that copy was seconds of a
    cold build. The blob and the site's page are then one file on disk; the site is
    replaced, never edited, by a build, and the digest catches a blob changed anyway (it is
    then drawn again). Where a link cannot be made (another file system), the bytes are
    written."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.index = Pack(folder.with_name(f"{folder.name}-sha256") if folder else None)

    def path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / key

    def has(self, key: str) -> bool:
        """Whether an entry exists (cheap: its content is checked when it is read)."""
        return (self.folder is not None and isinstance(self.index.get(key), str)
                and self.path(key).is_file())

    def get(self, key: str) -> bytes | None:
        if self.folder is None:
            return None
        digest = self.index.get(key)
        try:
            payload = self.path(key).read_bytes()
        except OSError:
            return None
        if not isinstance(digest, str) or hashlib.sha256(payload).hexdigest() != digest:
            return None
        self.used.add(key)
        return payload

    def keep(self, key: str) -> None:
        """Keep an entry this build did not read (see ``PageCache.keep``)."""
        if self.index.get(key) is not None:
            self.used.add(key)

    def put(self, key: str, payload: bytes, digest: str | None = None) -> None:
        """Store ``payload`` under ``key`` (``digest``: its SHA-256, when already known)."""
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            write_atomic(self.path(key), payload)
            self.index.put(key, digest or hashlib.sha256(payload).hexdigest())
            self.used.add(key)

    def link(self, key: str, source: str, digest: str) -> None:
        """Store the file at ``source`` (whose bytes have SHA-256 ``digest``) under ``key``:
        linked where it can be, else copied."""
        if self.folder is None:
            return
        target = self.path(key)
        temporary = target.with_name(f".tmp-{os.getpid()}-{key}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            os.link(source, temporary)
            os.replace(temporary, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            try:
                payload = Path(source).read_bytes()
            except OSError:
                return
            if hashlib.sha256(payload).hexdigest() == digest:  # still what was drawn
                self.put(key, payload, digest)
            return
        self.index.put(key, digest)
        self.used.add(key)

    def prune(self) -> None:
        """Delete entries not used by this build (pages that changed or went away), and
        keep the digests of the others."""
        if self.folder is None or not self.folder.is_dir():
            return
        for shard in os.scandir(self.folder):
            if not shard.is_dir():
                continue
            for entry in os.scandir(shard.path):
                if entry.name not in self.used:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
        self.index.save()
