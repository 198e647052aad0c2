"""Loaded messages share their models' sets of fields written (``model.compact``): the same
content, a fraction of the memory, and a shared set is never changed through one model."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from publisher.content.load import load_content


def test_models_that_set_the_same_fields_share_one_set(demo_root: Path) -> None:
    content, _ = load_content(demo_root)
    assert content is not None
    steps = [s for m in content.messages.values() for s in m.meta.workflow.steps]
    by_fields: dict[frozenset[str], set[int]] = {}
    for step in steps:
        by_fields.setdefault(frozenset(step.model_fields_set), set()).add(
            id(step.model_fields_set))
    assert len(steps) > 100
    assert all(len(ids) == 1 for ids in by_fields.values()), by_fields
    metas = [m.meta for m in content.messages.values()]
    assert len({id(m.model_fields_set) for m in metas}) < len(metas) // 4


def test_a_shared_set_never_changes_through_one_model(demo_root: Path) -> None:
    content, _ = load_content(demo_root)
    assert content is not None
    steps = [s for m in content.messages.values() for s in m.meta.workflow.steps
             if "note" not in s.model_fields_set]
    first, other = steps[0], next(s for s in steps[1:]
                                  if s.model_fields_set is steps[0].model_fields_set)
    before = set(other.model_fields_set)
    copied = first.model_copy(update={"note": "changed"})
    assert "note" in copied.model_fields_set
    assert other.model_fields_set == before and first.model_fields_set == before
    with pytest.raises(pydantic.ValidationError):
        first.note = "assigned"  # frozen: pydantic never adds to the set in place
    assert other.model_fields_set == before
