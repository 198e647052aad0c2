"""One message file, from disk to a ``Message``: its place, its text, its front matter.

``load`` reads every file through here. A file's place gives its thread and id; its text is
keyed (``ParsedCache``) so an unchanged file's parsed front matter comes from
``build/.cache/messages`` and a settled thread's files need not be parsed at all
(``content.memory``). Front matter is read by ``yamlfast`` when it is the plain YAML people
write, else by PyYAML (``yamlsource``), with the line of every field for precise problems.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import ValidationError

from ..cache import Pack, cache_root, code_version, key_of
from ..errors import Problem, relpath
from ..forked import Child, ForkError, can_fork, stopped_on_failure
from . import yamlfast
from .config import ID_RE, Collector, validation_problems, yaml_reason
from .limits import body_problems, file_problem
from .memory import fingerprint
from .model import FrontMatter, Message, parse_front
from .safety import CONTROL_RE as UNSAFE_RE
from .safety import MAX_TEXT, scan_strings
from .yamlsource import LineDict, error_line, line_map, load_yaml

YEAR_RE = re.compile(r"^\d{4}$")
LAYOUT_HINT = "messages/YYYY/<thread>.md or messages/YYYY/<thread>/<message>.md"


FENCE_RE = re.compile(r"-{3,}[ \t]*\r?")
CLOSING_RE = re.compile(r"^-{3,}[ \t]*\r?$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, body's first line) of a message; None without a front matter.

    The front matter is exactly the lines between the two ``---`` lines, so its line 1 is the
    file's line 2 (python-frontmatter's own split keeps or drops a newline, shifting lines).
    An unclosed front matter gives body line 0.
    """
    text = text.removeprefix("\ufeff")
    first, _, rest = text.partition("\n")
    if not FENCE_RE.fullmatch(first):
        return None
    closing = CLOSING_RE.search(rest)
    if closing is None:
        return rest, "", 0
    start, end = closing.span()
    return rest[:start], rest[end + 1:], rest.count("\n", 0, start) + 3


MAX_ID = 80
"""Longest thread id or message file name: ids become URLs, file names and Message-IDs."""


def line_of(lines: dict[str, int], field: str, fallback: int) -> int:
    """The line of ``field`` or of its nearest parent that has one."""
    probe = field
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe.rpartition(".")[0]
    return fallback


def thread_id_for(parts: tuple[str, ...]) -> tuple[str, str] | None:
    """(thread id, message stem) from a path's parts under ``messages/``; None if misplaced."""
    if parts and YEAR_RE.match(parts[0]):
        parts = parts[1:]
    if len(parts) == 1:
        return os.path.splitext(parts[0])[0], ""
    if len(parts) == 2:
        return parts[0], os.path.splitext(parts[1])[0]
    return None


class Sources:
    """Paths as shown in problems (relative to the working directory), computed once for the
    root instead of resolving every file's path (``relpath``) again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.base = str(root)
        base = relpath(root)
        self.prefix = "" if base == "." else base.rstrip("/") + "/"

    def __call__(self, parts: tuple[str, ...]) -> str:
        return self.prefix + "/".join(parts)


class ParsedCache:
    """Parsed front matter by file text (``cache.Pack`` under ``build/.cache/messages``):
    the YAML step is most of loading, and the same files are loaded build after build."""

    def __init__(self, root: Path, zone: str) -> None:
        folder = cache_root(root)
        self.enabled = folder is not None
        self.pack = Pack(folder / "messages" if folder is not None else None)
        self.salt = key_of(code_version(), zone)

    def key(self, text: str) -> str:
        return key_of(self.salt, text)

    def put(self, key: str, entry: list[Any]) -> None:
        """Keep an entry as its JSON text: kept as objects until the pack is saved, every
        file's parsed front matter lived to the end of loading (160 MB at 15,000 files)."""
        self.pack.put(key, json.dumps(entry, ensure_ascii=False))

    def get(self, key: str) -> Any:
        """The cached [data, body, body's first line, clean, body problems] of the text of
        ``key``, or None. No line numbers: only a problem's report needs them, and working
        them out for every file cost a tenth of a cold check (``lines_of``)."""
        found = self.pack.get(key) if self.enabled else None
        try:
            found = json.loads(found) if isinstance(found, str) else None
        except ValueError:
            return None
        if (isinstance(found, list) and len(found) == 5 and isinstance(found[0], dict)
                and isinstance(found[1], str) and type(found[2]) is int
                and type(found[3]) is bool and isinstance(found[4], list) and all(
                    isinstance(p, list) and len(p) == 2 and type(p[0]) is int
                    and isinstance(p[1], str) for p in found[4])):
            return found
        return None


class MessageFile(NamedTuple):
    """A message file read from disk, before its front matter is parsed."""

    source: str
    path: str
    thread_id: str
    stem: str
    text: str
    key: str
    """The file's text, keyed (``ParsedCache``): the cache entry and the fingerprint use it."""


def read_message(parts: tuple[str, ...], sources: Sources, parsed_cache: ParsedCache,
                  out: Collector) -> MessageFile | None:
    """A message file's place and text; None (with the problem noted) if it cannot be one."""
    source = sources(parts)
    path = os.path.join(sources.base, *parts)  # a Path only for the messages parsed
    placed = thread_id_for(parts[1:])
    if placed is None:
        out.add(source, 1, "(file)", f"a message file outside any known place (allowed: "
                f"{LAYOUT_HINT})", code="L-layout")
        return None
    thread_id, stem = placed
    for label, ident in (("thread folder or file name", thread_id), ("file name", stem)):
        if ident and (not ID_RE.match(ident) or len(ident) > MAX_ID):
            out.add(source, 1, "(file)", f"{label} {ident[:90]!r} is not a valid id (allowed: "
                    f"lowercase letters, digits and '-', at most {MAX_ID} characters)",
                    code="L-layout")
            return None
    refused = file_problem(path, sources.root)
    if refused:
        out.add(source, 1, "(file)", refused, code="L-io")
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        out.add(source, 1, "(file)", f"cannot read: {exc}", code="L-io")
        return None
    return MessageFile(source, path, thread_id, stem, text, parsed_cache.key(text))


def parse_message(file: MessageFile, context: dict[str, Any], parsed_cache: ParsedCache,
                   out: Collector) -> tuple[Message, str | None] | None:
    source, path, thread_id, stem, text, key = file
    cached = parsed_cache.get(key)
    if cached is not None:
        data, body, body_line, clean, faults = cached
    else:
        parsed = parse_text(text, source, out)
        if parsed is None:
            return None
        data, body, body_line, clean = parsed
        # size, nesting, '[' per paragraph: the body alone decides, so kept with it
        faults = [list(fault) for fault in body_problems(body, body_line)]
        if parsed_cache.enabled and json_plain(data):  # a YAML date, say, is parsed every time
            parsed_cache.put(key, [data, body, body_line, clean, faults])
    message_id = f"{thread_id}/{stem}" if stem else thread_id
    scanned = set()
    unsafe = [] if clean else list(scan_strings(data))  # control characters, anywhere
    lines = lines_of(data, text) if unsafe else {}  # once: the text may be parsed again
    for field, reason in unsafe:
        out.add(source, line_of(lines, field, 2), field, reason, code="L-text",
                message_id=message_id)
        scanned.add(field)
    broken = bool(scanned)
    for line, reason in faults:
        out.add(source, line, "(body)", reason, code="L-body", message_id=message_id)
        broken = True
    try:
        meta = FrontMatter.model_validate(data, context=context)
    except ValidationError as exc:
        validation_problems(exc, FrontMatter, source, lines or lines_of(data, text), 2, out,
                            message_id, scanned)
        return None
    if broken:
        return None
    joined = meta.thread
    if joined and stem == "":
        # a single file continuing another thread: its id stays its own, under that thread
        message_id = f"{joined}/{thread_id}"
        thread_id = joined
    # Line numbers are only needed to report a problem: worked out again on demand.
    message = Message(message_id, thread_id, Path(path), source, body.strip("\n") + "\n",
                      body_line, meta, front=_front(text), written=_written(data),
                      fingerprint=fingerprint(key, source, message_id))
    return message, joined


FORK_AT = 400
"""Message files to parse before a share of them goes to a second process."""
CHILD_SHARE = 0.45
"""The child's share: less than half, as handing its messages back costs this process a
third of what parsing them would."""


def parse_messages(files: list[MessageFile], context: dict[str, Any], parsed_cache: ParsedCache,
                   out: Collector) -> list[tuple[Message, str | None]]:
    """``parse_message`` of every file, in order; the ones that parsed.

    With many files and a second core (``forked``), a child parses the first share of them
    while this process parses the rest, then hands back its messages, its problems and the
    cache entries it used or made (``Pack.used_entries``)."""
    share = int(len(files) * CHILD_SHARE) if len(files) >= FORK_AT and can_fork() else 0
    child = Child.start(lambda: _parse_share(files[:share], context, parsed_cache),
                        "publisher-load", "the loading worker") if share else None
    with stopped_on_failure(child):
        parsed = _parse_all(files[share if child else 0:], context, parsed_cache, out)
    if child is None:
        return parsed
    try:
        theirs, problems, entries = child.result()
    except ForkError:  # killed, say: its share is parsed here instead
        return _parse_all(files[:share], context, parsed_cache, out) + parsed
    out.problems += problems
    parsed_cache.pack.take(entries)
    return theirs + parsed


def _parse_all(files: list[MessageFile], context: dict[str, Any], parsed_cache: ParsedCache,
               out: Collector) -> list[tuple[Message, str | None]]:
    return [result for file in files
            if (result := parse_message(file, context, parsed_cache, out)) is not None]


def _parse_share(files: list[MessageFile], context: dict[str, Any], parsed_cache: ParsedCache
                 ) -> tuple[list[tuple[Message, str | None]], list[Problem], dict[str, Any]]:
    """The child's share: its messages, its problems, and the cache entries it touched."""
    out = Collector()
    parsed_cache.pack.forget_use()
    return _parse_all(files, context, parsed_cache, out), out.problems, \
        parsed_cache.pack.used_entries()


def lines_of(data: Any, text: str) -> dict[str, int]:
    """Each field's line (``{"workflow.steps.2.by": 17, ...}``): from the front matter as
    parsed, or, for data from the cache (plain JSON, no lines), from the text parsed again."""
    return line_map(data if isinstance(data, LineDict) else parse_front(_front(text)))


def _front(text: str) -> str:
    """The front matter's text, exactly as it was parsed."""
    split = split_front_matter(text)
    return split[0] if split is not None else ""


_WRITTEN: dict[frozenset[str], frozenset[str]] = {}
"""One frozenset per distinct set of written fields: most messages share a handful."""


def _written(data: dict[str, Any]) -> frozenset[str]:
    names = {str(key) for key in data}
    window = data.get("window")
    if isinstance(window, dict):
        names |= {f"window.{key}" for key in window}
    found = frozenset(names)
    return _WRITTEN.setdefault(found, found)


def parse_text(text: str, source: str, out: Collector) -> tuple[Any, str, int, bool] | None:
    """(front matter data with lines, body, body's first line, clean) of a message file's
    text; None (with the problem noted) when the front matter is missing or not a mapping.

    *clean* means no value can hold a character ``safety.scan_strings`` refuses, known from
    the text alone: the fast reader's values are pieces of the text (it takes no escapes),
    and the text has no such character and is shorter than the longest value allowed."""
    split = split_front_matter(text)
    if split is None:
        out.add(source, 1, "(front matter)", "no front matter: the file must start with a "
                "'---' line, YAML fields, and another '---' line", code="L-frontmatter")
        return None
    fm_text, body, body_line = split
    if body_line == 0:
        out.add(source, 1, "(front matter)", "front matter is not closed by a '---' line",
                code="L-frontmatter")
        return None
    try:
        data = yamlfast.read(fm_text, line_offset=1)  # most front matter; else PyYAML
        clean = data is not None and len(fm_text) <= MAX_TEXT and not UNSAFE_RE.search(fm_text)
        if data is None:
            data = load_yaml(fm_text, line_offset=1)
    except yaml.YAMLError as exc:
        out.add(source, error_line(exc, 1, fm_text), "(yaml)",
                f"malformed YAML: {yaml_reason(exc, 1, fm_text)}", code="L-yaml")
        return None
    if data is None:
        out.add(source, 2, "(front matter)", "front matter is empty (required: type; see "
                "docs/authoring.md)", code="L-frontmatter")
        return None
    if not isinstance(data, LineDict):
        out.add(source, 2, "(front matter)", "front matter must be a mapping of fields, got "
                f"{'a list' if isinstance(data, list) else repr(data)}", code="L-frontmatter")
        return None
    return data, body, body_line, clean


def json_plain(value: Any) -> bool:
    """Whether ``value`` survives a JSON round trip unchanged (the cache stores JSON)."""
    if isinstance(value, str) or value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_plain(v) for v in value)
    return False


def message_id_of(file: MessageFile) -> str:
    """The id a file's message has when it does not join another thread."""
    return f"{file.thread_id}/{file.stem}" if file.stem else file.thread_id
