"""Front matter as ruamel.yaml round-trip documents: comments, key order and quoting kept.

The loader reads with PyYAML (YAML 1.1); ruamel writes YAML 1.2. The two disagree on a few
plain scalars (``yes``, ``on``, ``012``), so every string we write is quoted whenever PyYAML
would read it back as something other than the same string.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from ..errors import ContentError, Problem, relpath

FENCE = "---"


def yaml_rt() -> YAML:
    """A round-trip YAML set up like the demo files: 2-space maps, dashes indented 2, no wrap."""
    handle = YAML(typ="rt")
    handle.preserve_quotes = True
    handle.width = 4096
    handle.indent(mapping=2, sequence=4, offset=2)
    return handle


def split(text: str, path: Path) -> tuple[str, str]:
    """(front matter text, everything after the closing fence line), exactly as in the file."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != FENCE:
        raise ContentError([Problem(relpath(path), 1, "(front matter)",
                                    "no front matter: the file must start with a '---' line")])
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") == FENCE:
            return "".join(lines[1:index]), "".join(lines[index:])
    raise ContentError([Problem(relpath(path), 1, "(front matter)",
                                "front matter is not closed by a '---' line")])


def load(front: str) -> CommentedMap:
    data = yaml_rt().load(front)
    return data if data is not None else CommentedMap()


def dump(data: Any) -> str:
    out = io.StringIO()
    yaml_rt().dump(data, out)
    return out.getvalue()


def scalar(value: str) -> str:
    """A string that PyYAML will read back unchanged (quoted when it would not be)."""
    try:
        same = yaml.safe_load(value) == value
    except yaml.YAMLError:
        same = False
    if not same or value != value.strip() or value.startswith(("'", '"')):
        return SingleQuotedScalarString(value)
    return value


def flow_map(**items: Any) -> CommentedMap:
    """A one-line ``{key: value}`` mapping, as the demo writes steps, services and windows."""
    mapping = CommentedMap()
    for key, value in items.items():
        if value is not None:
            mapping[key] = scalar(value) if isinstance(value, str) else value
    mapping.fa.set_flow_style()
    return mapping


def flow_seq(values: list[str]) -> CommentedSeq:
    seq = CommentedSeq([scalar(v) for v in values])
    seq.fa.set_flow_style()
    return seq


def local_text(instant: datetime, tz: Any) -> str:
    """An instant as authors write it: local wall-clock time, no offset, seconds only if set."""
    local = instant.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S" if local.second else "%Y-%m-%dT%H:%M")
