"""The line-aware YAML loader gives the same values as PyYAML's safe_load, plus lines."""

from __future__ import annotations

from datetime import datetime

import pytest
import yaml
from conftest import DEMO
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.content.load import split_front_matter
from publisher.content.yamlsource import LineDict, LineList, error_line, line_map, load_yaml

DOCUMENTS = [
    "a: &x [1, 2]\nb: *x\n",
    "<<: {a: 1}\nb: 2\n",
    "a: {<<: [{x: 1}, {y: 2}], z: 3}\n",
    "a: !!set {x, y}\n",
    "x: ~\ny: 2026-01-01\nz: 2026-01-01 10:00:00\nw: yes\nv: 1.5\nu: '007'\nt: 0x1f\n",
    "- a\n- b: [c, {d: e}]\n",
    "null: 1\n1: 2\n",
    "text: |\n  two\n  lines\nfolded: >-\n  one\n  line\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_same_values_as_safe_load(text: str) -> None:
    assert load_yaml(text) == yaml.safe_load(text)


def test_same_values_for_every_demo_file() -> None:
    for path in sorted(DEMO.rglob("*")):
        if path.suffix == ".yml":
            text = path.read_text()
        elif path.suffix == ".md":
            text = split_front_matter(path.read_text())[0]  # type: ignore[index]
        else:
            continue
        assert load_yaml(text) == yaml.safe_load(text), path


def test_lines_of_keys_and_items() -> None:
    data = load_yaml("title: T\nworkflow:\n  steps:\n    - {by: a}\n    - by: b\n", line_offset=1)
    assert isinstance(data, LineDict) and isinstance(data["workflow"]["steps"], LineList)
    assert line_map(data) == {"title": 2, "workflow": 3, "workflow.steps": 4,
                              "workflow.steps.0": 5, "workflow.steps.0.by": 5,
                              "workflow.steps.1": 6, "workflow.steps.1.by": 6}


@pytest.mark.parametrize(("text", "message", "line"), [
    ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'", 3),
    ("a: &r [*r]\n", "recursive", 1),
    ("? [a]\n: 1\n", "a key must be a plain value", 1),
    ("a: [1, 2\nb: 3\n", "expected ',' or ']'", 2),
    ("a: !unknown x\n", "could not determine a constructor", 1),
])
def test_errors_and_their_lines(text: str, message: str, line: int) -> None:
    with pytest.raises(yaml.YAMLError) as caught:
        load_yaml(text)
    assert message in str(caught.value)
    assert error_line(caught.value) == line


scalars = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(),
                    st.dates(), st.floats(allow_nan=False, allow_infinity=False),
                    st.datetimes(min_value=datetime(1970, 1, 2)))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(min_size=1, max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(values, st.booleans())
def test_round_trip_matches_safe_load(value: object, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    assert load_yaml(text) == yaml.safe_load(text)
