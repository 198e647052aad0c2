"""A fast reader for the plain YAML that front matter nearly always is, with line numbers.

PyYAML, even with its C parser, spends about 0.2 ms on a 40-line front matter (node objects,
marks, a resolver call per scalar): most of ``publisher check`` on thousands of messages.
Front matter as people and ``publisher new`` write it is a small block-style subset: ``key:
value`` lines, nested by indentation, ``- item`` lists, ``[a, b]`` lists, quoted strings.
``read`` parses exactly that subset, line by line, and returns what ``yamlsource.load_yaml``
would (the same ``LineDict``/``LineList`` values, types and lines). Anything outside it (an
anchor, a tag, a block scalar, an escape, a comment after a value, a tab, a line break PyYAML
treats specially, a duplicate key…) returns ``None`` and the caller parses the text with
PyYAML, which also gives the precise error. So the subset only has to be recognised
correctly, never extended: when in doubt, fall back.

Scalars are typed by PyYAML's own resolver and constructors (``true``, ``12``, ``null``,
timestamps), so a value means the same on both paths; a test compares the two on generated
and real files.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .yamlsource import MAX_DEPTH, MAX_NODES, LineDict, LineList

_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TAGS: dict[str, str] = {}

KEY_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?")
"""``key:`` or ``key: value``: a plain, simple key (anything else takes the full parser)."""
UNUSUAL_RE = re.compile("[^\x20-\x7e\n\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
                        "|[\u2028\u2029]")
"""A character either parser might treat specially (tab, CR, NEL, BOM, controls, Unicode line
breaks): such a text is left to PyYAML."""
PLAIN_START_RE = re.compile(r"[A-Za-z0-9_(./+$~=<;^)\xa1-\U0010ffff]")
"""First characters a plain scalar may start with here (no indicator: - ? : , [ ] { } # & *
! | > ' " % @ `)."""
FLOW_ITEM_BAD_RE = re.compile(r"[\[\]{}\"'#&*!|>%@`]|:( |$)")
"""What a ``[a, b]`` or ``{k: v}`` item may not hold here (quotes, nesting, comments, a
``: `` inside a value)."""
_PLAIN: dict[str, Any] = {}
"""Plain scalar → its value (all immutable: str, int, float, bool, None, date, datetime)."""


def forget() -> None:
    """Let go of the scalars and tags remembered while loading: most are one file's
    timestamps, and at 15,000 files the two tables held 90,000 entries each (about 8 MB)
    for the rest of the build."""
    _PLAIN.clear()
    _TAGS.clear()


class _Fallback(Exception):
    """The text is outside the subset: let PyYAML read it."""


def read(text: str, line_offset: int = 0) -> LineDict | None:
    """The mapping ``text`` holds, with lines shifted by ``line_offset``; None to fall back."""
    if UNUSUAL_RE.search(text):
        return None
    tokens: list[tuple[int, int, str]] = []
    for number, line in enumerate(text.split("\n"), start=line_offset + 1):
        content = line.lstrip(" ")
        if not content or content[0] == "#":
            continue
        if content in ("---", "...") or content[0] == "%":
            return None
        tokens.append((number, len(line) - len(content), content.rstrip(" ")))
    if not tokens or tokens[0][2].startswith("-"):
        return None
    reader = _Reader(tokens)
    try:
        result = reader.mapping(tokens[0][1], 1)
    except _Fallback:
        return None
    if reader.pos != len(tokens) or reader.nodes > MAX_NODES:
        return None  # PyYAML reports what is wrong, or refuses the size
    return result


class _Reader:
    def __init__(self, tokens: list[tuple[int, int, str]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.nodes = 0

    def mapping(self, indent: int, depth: int) -> LineDict:
        if depth > MAX_DEPTH:
            raise _Fallback
        result = LineDict()
        lines: dict[Any, int] = {}
        result.lines = lines
        tokens = self.tokens
        count = len(tokens)
        while self.pos < count:
            number, at, content = tokens[self.pos]
            if at != indent or content[0] == "-":
                if at < indent or (at == indent and content.startswith("- ")):
                    break  # the mapping ends, or a key's list at its own indent does
                raise _Fallback  # deeper than this mapping, or a "-" where a key belongs
            match = KEY_RE.fullmatch(content)
            if match is None:
                raise _Fallback
            key, rest = match.groups()
            if key in result or (_TAGS.get(key) or _tag(key)) != _STR:
                raise _Fallback
            self.pos += 1
            self.nodes += 1
            if rest:
                if self.pos < count and tokens[self.pos][1] > indent:
                    raise _Fallback  # a plain scalar continued on the next line, or an error
                value = _PLAIN.get(rest, _PLAIN)  # the common case, inlined
                result[key] = self._scalar(rest, number) if value is _PLAIN else value
            else:
                result[key] = self._block_value(indent, depth)
            lines[key] = number
        return result

    def _block_value(self, indent: int, depth: int) -> Any:
        """The value of ``key:`` with nothing after it: a nested block, or null."""
        if self.pos >= len(self.tokens):
            return None
        _, at, content = self.tokens[self.pos]
        if at > indent:
            if content.startswith("- ") or content == "-":
                return self.sequence(at, depth + 1)
            return self.mapping(at, depth + 1)
        if at == indent and content.startswith("- "):
            return self.sequence(at, depth + 1)  # YAML lets a key's list start at its indent
        return None

    def sequence(self, indent: int, depth: int) -> LineList:
        if depth > MAX_DEPTH:
            raise _Fallback
        result = LineList()
        lines: list[int] = []
        result.lines = lines
        tokens = self.tokens
        while self.pos < len(tokens):
            number, at, content = tokens[self.pos]
            if at != indent or not content.startswith("- "):
                if at > indent or (at == indent and content.startswith("-")):
                    raise _Fallback
                break
            item = content[2:].lstrip(" ")
            if not item or item[0] == "-" or item[0] == "#":
                raise _Fallback
            self.nodes += 1
            if KEY_RE.fullmatch(item):  # ``- key: value``: a mapping at the item's column
                column = at + len(content) - len(item)
                tokens[self.pos] = (number, column, item)
                result.append(self.mapping(column, depth + 1))
            else:
                self.pos += 1
                if self.pos < len(tokens) and tokens[self.pos][1] > indent:
                    raise _Fallback
                value = _PLAIN.get(item, _PLAIN)
                result.append(self._scalar(item, number) if value is _PLAIN else value)
            lines.append(number)
        return result

    def _scalar(self, text: str, number: int) -> Any:
        first = text[0]
        if first == '"':
            inner = text[1:-1]
            if len(text) < 2 or text[-1] != '"' or '"' in inner or "\\" in inner:
                raise _Fallback
            return inner
        if first == "'":
            inner = text[1:-1]
            if len(text) < 2 or text[-1] != "'" or "'" in inner.replace("''", ""):
                raise _Fallback
            return inner.replace("''", "'")
        if first == "[":
            return self._flow_sequence(text, number)
        if first == "{":
            return self._flow_mapping(text, number)
        return _plain(text)

    def _flow_items(self, text: str, closing: str) -> list[str]:
        """The comma-separated items of a one-line ``[…]`` or ``{…}`` with plain items."""
        if text[-1] != closing:
            raise _Fallback
        inner = text[1:-1].strip(" ")
        if not inner:
            return []
        items = [item.strip(" ") for item in inner.split(",")]
        self.nodes += len(items)
        for item in items:
            if not item or FLOW_ITEM_BAD_RE.search(item):
                raise _Fallback
        return items

    def _flow_sequence(self, text: str, number: int) -> LineList:
        result = LineList(_plain(item) for item in self._flow_items(text, "]"))
        result.lines = [number] * len(result)
        return result

    def _flow_mapping(self, text: str, number: int) -> LineDict:
        result = LineDict()
        result.lines = {}
        for item in self._flow_items(text.replace(": ", "\0"), "}"):
            key, separator, value = item.partition("\0")
            value = value.strip(" ")
            if (not separator or "\0" in value or not value or not KEY_RE.fullmatch(key + ":")
                    or key in result or _tag(key) != _STR):
                raise _Fallback
            result[key] = _plain(value)
            result.lines[key] = number
        return result


def _tag(value: str) -> str:
    tag = _TAGS.get(value)
    if tag is None:
        if len(_TAGS) > 100_000:
            _TAGS.clear()
        tag = _TAGS[value] = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
    return tag


def _plain(text: str) -> Any:
    """A plain scalar, typed as PyYAML types it."""
    value = _PLAIN.get(text, _PLAIN)
    if value is not _PLAIN:
        return value
    if (not PLAIN_START_RE.match(text) or ": " in text or " #" in text
            or text.endswith(":")):
        raise _Fallback
    tag = _tag(text)
    if tag == _STR:
        value = text
    else:
        construct = _CONSTRUCTOR.yaml_constructors.get(tag)
        if construct is None:
            raise _Fallback
        try:
            value = construct(_CONSTRUCTOR, yaml.ScalarNode(tag, text))
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            raise _Fallback from exc
    if len(_PLAIN) > 100_000:
        _PLAIN.clear()
    _PLAIN[text] = value
    return value
