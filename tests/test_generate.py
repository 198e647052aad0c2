"""The benchmark generator writes content that loads cleanly and varies as promised."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import DEMO_NOW, REPO

from publisher.check import check

sys.path.insert(0, str(REPO / "bench"))
from generate import generate


def test_generate_200_loads_with_zero_problems(tmp_path: Path) -> None:
    root = generate(tmp_path / "content", 200)
    result = check(root, DEMO_NOW)
    assert [str(p) for p in result.problems] == []
    assert result.content is not None
    assert len(result.content.messages) == 200
    kinds = Counter(t.kind.value for t in result.content.threads.values())
    assert {"incident", "maintenance", "story"} <= set(kinds)
    types = Counter(m.type.value for m in result.content.messages.values())
    assert {"unplanned-outage", "update", "all-clear", "planned-maintenance", "reminder",
            "news"} <= set(types)
    services = {s for m in result.content.messages.values() for s in m.meta.services}
    assert len(services) >= 8
    assert all(m.approved and m.send_at is not None for m in result.content.messages.values())


def test_generate_is_reproducible_and_seeded(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, str]:
        return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.md"))}

    first = files(generate(tmp_path / "a", 40, seed=3))
    again = files(generate(tmp_path / "b", 40, seed=3))
    other = files(generate(tmp_path / "c", 40, seed=4))
    assert first == again
    assert first != other
    assert len(first) == 40


def test_generate_cli(tmp_path: Path) -> None:
    target = tmp_path / "big"
    done = subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), str(target), "7"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "wrote 7 messages" in done.stdout
    assert len(list((target / "messages").rglob("*.md"))) == 7
    assert (target / "organisation.yml").is_file()
