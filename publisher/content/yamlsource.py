"""YAML that remembers where things were: every mapping and sequence knows its keys' lines.

PyYAML's C parser does the parsing; only construction runs in Python, where we note
``node.start_mark.line`` for each key and item. That is what lets every problem name a line.
"""

from __future__ import annotations

from typing import Any

import yaml

try:  # the C loader is an order of magnitude faster; fall back when libyaml is missing
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader  # type: ignore[assignment,misc]


class LineDict(dict):
    """A dict that also knows the (1-based) line of each key."""

    lines: dict[Any, int]


class LineList(list):
    """A list that also knows the (1-based) line of each item."""

    lines: list[int]


_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}


class LineLoader(_Base):
    """Safe loader whose mappings and sequences record line numbers."""

    line_offset = 0

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        # The C parser asks this (Python) resolver for every node; the same ids, stages and
        # keys recur in every message, so remember each scalar's tag.
        if kind is yaml.ScalarNode:
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                if len(_RESOLVED) > 100_000:
                    _RESOLVED.clear()
                tag = _RESOLVED[key] = super().resolve(kind, value, implicit)
            return tag
        return super().resolve(kind, value, implicit)


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1 + loader.line_offset
    return result


def _construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.lines = [child.start_mark.line + 1 + loader.line_offset for child in node.value]
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS = LineLoader.yaml_constructors


class _Builder:
    """Builds Python values from composed nodes, faster than ``construct_object``.

    Front matter is mostly plain mappings, lists and strings; PyYAML's generic construction
    (generators, deep-construction bookkeeping) dominated loading thousands of messages. This
    walks the node tree directly with the same results: SafeConstructor for every non-string
    scalar, shared objects for aliases, an error for recursive aliases, ``<<`` merges, and
    the same errors for duplicate or non-scalar keys.
    """

    def __init__(self, loader: LineLoader, line_offset: int) -> None:
        self.loader, self.offset = loader, line_offset + 1
        self.done: dict[int, Any] = {}
        self.active: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            construct = _SCALARS.get(node.tag) or _SCALARS[None]
            try:
                return construct(self.loader, node)
            except (ValueError, OverflowError) as exc:  # e.g. an int of 5,000 digits
                raise yaml.constructor.ConstructorError(
                    None, None, f"{node.value[:20]!r}… cannot be read ({str(exc)[:60]})",
                    node.start_mark) from exc
        ident = id(node)
        if ident in self.done:
            return self.done[ident]
        if ident in self.active:
            raise yaml.constructor.ConstructorError(
                None, None, "found unconstructable recursive node", node.start_mark)
        if node.tag not in (_MAP, _SEQ):  # !!set, !!omap, custom tags: the generic path
            return self.loader.construct_object(node, deep=True)
        self.active.add(ident)
        result = (self.mapping(node) if isinstance(node, yaml.MappingNode)
                  else self.sequence(node))  # type: ignore[arg-type]
        self.active.discard(ident)
        self.done[ident] = result
        return result

    def mapping(self, node: yaml.MappingNode) -> LineDict:
        result = LineDict()
        lines: dict[Any, int] = {}
        result.lines = lines
        offset = self.offset
        for key_node, value_node in node.value:
            tag = key_node.tag
            if tag == _STR:  # the common case, inlined: most keys and values are plain text
                key = key_node.value
            elif tag == _MERGE:
                self.loader.flatten_mapping(node)  # removes the << keys; build again
                return self.mapping(node)
            elif isinstance(key_node, yaml.ScalarNode):
                key = self.build(key_node)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a key must be a plain value", key_node.start_mark)
            else:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value", key_node.start_mark)
            if key in result:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            result[key] = value_node.value if value_node.tag == _STR else self.build(value_node)
            lines[key] = key_node.start_mark.line + offset
        return result

    def sequence(self, node: yaml.SequenceNode) -> LineList:
        build = self.build
        result = LineList(child.value if child.tag == _STR else build(child)
                          for child in node.value)
        offset = self.offset
        result.lines = [child.start_mark.line + offset for child in node.value]
        return result


MAX_NODES = 100_000
"""Most values a YAML file may hold once aliases and ``<<`` merges are expanded: a 6 KB
"billion laughs" file expands to billions and took minutes and gigabytes."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists (none of our files needs more than five)."""


def _limit(node: yaml.Node) -> None:
    """Refuse a node tree that expands past ``MAX_NODES`` or nests past ``MAX_DEPTH``.

    Counts each alias at its full expanded size (memoised per node, so the count itself is
    linear in the file), iteratively, so a deep file cannot exhaust the stack here."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, done = stack.pop()
        ident = id(current)
        if ident in sizes and not done:
            continue
        if depth > MAX_DEPTH:
            raise yaml.constructor.ConstructorError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", current.start_mark)
        if isinstance(current, yaml.ScalarNode):
            sizes[ident] = 1
            continue
        children = ([n for pair in current.value for n in pair]
                    if isinstance(current, yaml.MappingNode) else list(current.value))
        if done:
            sizes[ident] = 1 + sum(sizes.get(id(child), 0) for child in children)
            if sizes[ident] > MAX_NODES:
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_NODES:,} values once aliases (*name) and "
                    "merges (<<) are expanded", current.start_mark)
            continue
        sizes[ident] = 0  # in progress: a recursive alias counts nothing (and is refused later)
        stack.append((current, depth, True))
        stack.extend((child, depth + 1, False) for child in children
                     if id(child) not in sizes)


def load_yaml(text: str, line_offset: int = 0) -> Any:
    """Parse one YAML document; lines in the result are shifted by ``line_offset``.

    Bounded: ``MAX_NODES`` values after expansion, ``MAX_DEPTH`` levels; a number too long to
    read (thousands of digits) is a YAML error too, never a crash."""
    loader = LineLoader(text)
    loader.line_offset = line_offset
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _limit(node)
        try:
            return _Builder(loader, line_offset).build(node)
        except (ValueError, OverflowError, RecursionError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"a value cannot be read ({str(exc)[:80]})", node.start_mark) from exc
    finally:
        loader.dispose()


def error_line(exc: yaml.YAMLError, line_offset: int = 0, text: str = "") -> int:
    """The 1-based line a YAML error points at: the problem mark, else the context mark.

    When the parser only noticed the problem at the end of the text (an unclosed ``[`` or
    quote), the context mark (where that construct started) is the line to fix.
    """
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    mark = problem or context
    if problem is not None and context is not None and text and (
            problem.index >= len(text.rstrip())):
        mark = context
    return (mark.line + 1 + line_offset) if mark is not None else 1 + line_offset


def line_map(data: Any, prefix: str = "") -> dict[str, int]:
    """Flatten recorded lines into ``{"workflow.steps.2.by": 17, ...}``."""
    out: dict[str, int] = {}
    if isinstance(data, LineDict):
        for key, value in data.items():
            path = f"{prefix}{key}"
            out[path] = data.lines.get(key, 0)
            out.update(line_map(value, path + "."))
    elif isinstance(data, LineList):
        for index, value in enumerate(data):
            path = f"{prefix}{index}"
            out[path] = data.lines[index]
            out.update(line_map(value, path + "."))
    return out
