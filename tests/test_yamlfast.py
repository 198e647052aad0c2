"""The fast front-matter reader gives exactly what PyYAML gives, or steps aside.

``yamlfast.read`` either returns the same values, types and line numbers as
``yamlsource.load_yaml`` (PyYAML's C parser) or ``None`` (the loader then uses PyYAML). These
tests compare the two on every real front matter in the repository, on generated messages,
and on random texts built from YAML's awkward corners, where a wrong answer would be a wrong
message, not a slower one.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.content import yamlfast
from publisher.content.load import split_front_matter
from publisher.content.yamlsource import LineDict, LineList, load_yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))


def shape(value: Any) -> Any:
    """Values with their types and recorded lines, for an exact comparison."""
    if isinstance(value, LineDict):
        return ("map", [(shape(k), shape(v), value.lines[k]) for k, v in value.items()])
    if isinstance(value, LineList):
        return ("seq", [shape(v) for v in value], list(value.lines))
    if isinstance(value, dict | list):
        raise AssertionError(f"a plain {type(value).__name__} without lines")
    return (type(value).__name__, value)


def agree(text: str) -> bool:
    """Assert the fast reader agrees with PyYAML on ``text``; True if it did not step aside."""
    fast = yamlfast.read(text, line_offset=1)
    if fast is None:
        return False
    slow = load_yaml(text, line_offset=1)  # must not raise: the fast reader accepted it
    assert shape(fast) == shape(slow), text
    return True


def front_matters(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.md")):
        split = split_front_matter(path.read_text(encoding="utf-8", errors="replace"))
        if split is not None:
            found.append(split[0])
    return found


def test_every_front_matter_in_the_repository() -> None:
    texts = front_matters(REPO / "content") + front_matters(REPO / "tests" / "fixtures")
    assert len(texts) > 100
    taken = sum(agree(text) for text in texts)
    # the demo is written by hand, in flow and block style: most of it takes the fast path
    assert taken > len(texts) * 0.6, taken


def test_generated_messages(tmp_path: Path) -> None:
    from generate import generate

    generate(tmp_path / "content", 200)
    texts = front_matters(tmp_path / "content" / "messages")
    assert len(texts) == 200
    assert all(agree(text) for text in texts)


@pytest.mark.parametrize("text", [
    "a: 1\nb: 1.5\nc: true\nd: ~\ne: null\nf: 2026-01-02\ng: 2026-01-02 10:00:00\nh: 0x1F\n",
    "a: yes\nb: off\nc: .inf\nd: 1_000\ne: 012\nf: '012'\ng: \"on\"\n",
    "a:\n- x\n- y\nb:\n  - 1\n  - [2, 3]\nc: []\nd: {}\n",
    "steps:\n  - {step: a, by: b, at: 2026-01-01T10:00}\n  - step: c\n    by: d\n",
    "a: 'it''s'\nb: \"plain\"\nc: http://example.org/a?b=c\nd: x:y\n",
    "# comment\na: 1\n\n  # indented comment\nb:\n  c:\n    d: deep\n",
    "a: b\n  c: d\n",  # a multi-line plain scalar: PyYAML folds it
    "a: b # comment\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: |\n  text\n",
    "a: 'x' y\n", "a: \"x\\ty\"\n", "? a\n: b\n", "a: b: c\n", "a: {b: c: d}\n",
    "a:\tb\n", "a: [1, [2]]\n", "on: 1\n", "1: a\n", "a: 1\na: 2\n", "- a\n",
    "a:\n-\n  b\n", "a: -1\n", "a: - b\n", "a: [a, ]\n", "a: x\u2028y\n", "<<: {a: 1}\n",
])
def test_awkward_corners(text: str) -> None:
    try:
        load_yaml(text, line_offset=1)
    except yaml.YAMLError:
        assert yamlfast.read(text, line_offset=1) is None, text
        return
    agree(text)


KEYS = st.sampled_from(["a", "title", "send_at", "x-y", "on", "no", "null", "k_2", "1", "a b"])
SCALARS = st.sampled_from([
    "text", "two words", "x:y", "x: y", "a #b", "a#b", "12", "-3", "1.5e3", ".nan", "~",
    "null", "True", "yes", "2026-11-18", "2026-11-18T10:30", "2026-11-18T10:30:00Z",
    "'q'", "'it''s'", "'a' b", "\"d\"", "\"a\\nb\"", "[]", "[a, b]", "[a, [b]]", "[a,]",
    "{}", "{k: v}", "{k: v, j: 2026-01-01T10:00}", "{k: v: w}", "&anchor x", "*alias",
    "!tag x", "|", ">", "-", "- x", "?", "%x", "@x", "`x", "é", "Ünïcödé – dash", "x:",
    "a\tb", "'", "\"", "",
])


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines: list[str] = []

    def block(indent: int, depth: int) -> None:
        for _ in range(draw(st.integers(1, 4))):
            pad = " " * indent
            choice = draw(st.integers(0, 5 if depth < 3 else 1))
            key = draw(KEYS)
            if choice <= 1:
                lines.append(f"{pad}{key}: {draw(SCALARS)}".rstrip())
            elif choice == 2:
                lines.append(f"{pad}{key}:")
                block(indent + draw(st.sampled_from([1, 2, 4])), depth + 1)
            elif choice == 3:
                lines.append(f"{pad}{key}:")
                item_pad = pad + " " * draw(st.sampled_from([0, 2]))
                for _ in range(draw(st.integers(1, 3))):
                    lines.append(f"{item_pad}- {draw(SCALARS)}".rstrip())
            elif choice == 4:
                lines.append(f"{pad}{key}:")
                item_pad = pad + " " * draw(st.sampled_from([0, 2]))
                lines.append(f"{item_pad}- {key}: {draw(SCALARS)}".rstrip())
                lines.append(f"{item_pad}  {draw(KEYS)}: {draw(SCALARS)}".rstrip())
            else:
                lines.append(draw(st.sampled_from(["", "# note", f"{pad}# note", "  "])))

    block(draw(st.sampled_from([0, 0, 2])), 0)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=600, deadline=None)
@given(documents())
def test_random_documents(text: str) -> None:
    test_awkward_corners(text)


def test_types_are_pyyaml_types() -> None:
    data = yamlfast.read("a: 2026-01-02\nb: 2026-01-02 10:00:00\nc: 3\n")
    assert data is not None
    assert type(data["a"]) is date and type(data["b"]) is datetime and data["c"] == 3


def test_too_many_values_are_left_to_pyyaml_which_refuses_them() -> None:
    from publisher.content.yamlsource import MAX_NODES

    text = "a:\n" + "- x\n" * (MAX_NODES + 1)
    assert yamlfast.read(text) is None
    with pytest.raises(yaml.YAMLError, match="more than"):
        load_yaml(text)
