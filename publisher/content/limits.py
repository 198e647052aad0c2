"""Limits on what one file may ask of a build, so any input fails fast or builds quickly.

The target (issue 14): any file of up to 1 MB is refused by ``publisher check`` or builds in
seconds and a few hundred MB. The costs come from three places, each bounded here:

- file size: a message or config file over ``MAX_FILE_BYTES`` is not read at all;
- YAML expansion: ``yamlsource.MAX_NODES`` / ``MAX_DEPTH`` (aliases, merges, nesting);
- Markdown: Python-Markdown's link parsing is quadratic in the ``[`` of one paragraph, and
  deep nesting recurses, so a body has a size limit, a ``[`` limit per paragraph and a
  nesting limit. (Raw HTML, the other quadratic path, is not parsed at all: see markup.py.)

Symlinks are refused here too: a message that is a link to a file outside ``content/`` would
publish whatever that file holds.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

MAX_FILE_BYTES = 1_000_000
"""Largest message or config file read (1 MB)."""
MAX_BODY = 100_000
"""Longest message body, in characters (a long incident review is about 20,000)."""
MAX_BRACKETS = 50
"""Most ``[`` in one paragraph (a paragraph with 20 links has 20)."""
MAX_INDENT = 64
"""Deepest indentation of a body line, in columns (16 nested list levels)."""
MAX_QUOTE = 16
"""Deepest ``>`` quote nesting."""

_QUOTES = re.compile(r"^(?:[ \t]*>)+")


def outside(path: Path, root: Path) -> bool:
    """Whether ``path`` (after following every symlink) is outside ``root``."""
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return True


def file_problem(path: Path | str, root: Path) -> str | None:
    """Why a content file is not read: a symlink leaving ``root``, not a regular file (a
    pipe or a device would block the reader or never end), or too big."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            if outside(Path(path), root):
                return ("a symbolic link to a file outside the content folder; not read "
                        "(allowed: files, or links to files, inside the content folder)")
            info = os.stat(path)
    except OSError as exc:
        return f"cannot read: {exc}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (allowed: text files)"
    if info.st_size > MAX_FILE_BYTES:
        return (f"too large: {info.st_size:,} bytes (allowed: at most {MAX_FILE_BYTES:,}; split "
                "it or shorten it)")
    return None


def body_problems(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """(line, reason) for each limit a message body breaks; also characters no output can
    carry (control characters, U+FFFE…)."""
    from .safety import CONTROL_RE

    if len(body) > MAX_BODY:
        yield first_line, (f"the body is {len(body):,} characters long (allowed: at most "
                           f"{MAX_BODY:,}; link to a longer document instead)")
        return
    bad = CONTROL_RE.search(body.replace("\r", ""))
    if bad:
        line = first_line + body.count("\n", 0, bad.start())
        yield line, (f"contains the control character U+{ord(bad.group()):04X} (allowed: "
                     "printable text, tabs and line breaks)")
    brackets, paragraph, deep = 0, first_line, False
    for number, text in enumerate(body.split("\n")):
        if not text.strip():
            brackets, paragraph = 0, first_line + number + 1
            continue
        before, brackets = brackets, brackets + text.count("[")
        if before <= MAX_BRACKETS < brackets:
            yield paragraph, (f"a paragraph has more than {MAX_BRACKETS} '[' (allowed: at most "
                              f"{MAX_BRACKETS}: Markdown's link parsing slows down sharply "
                              "beyond that; split the paragraph)")
        indent = len(text.expandtabs(4)) - len(text.expandtabs(4).lstrip())
        quotes = _QUOTES.match(text)
        if not deep and (indent > MAX_INDENT or (quotes and quotes.group().count(">") > MAX_QUOTE)):
            deep = True
            yield first_line + number, (f"nested too deeply (allowed: at most {MAX_INDENT} "
                                        f"columns of indentation and {MAX_QUOTE} levels of >)")
