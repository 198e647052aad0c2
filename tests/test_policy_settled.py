"""The policy's memory of settled threads never changes what ``check`` finds.

``check`` skips a thread it found settled and finding-free in an earlier run
(``policy/settled.py``). Each test runs ``check`` with the cache after a first run (warm) and
without any cache (cold) on the same files at the same instant, and requires the same
findings and the same held messages, after each kind of change that could matter.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW

from publisher.check import CheckResult, check
from publisher.policy.settled import Settled

LATER = datetime.fromisoformat("2027-08-01T09:00:00+00:00")
EARLIER = datetime.fromisoformat("2026-04-01T09:00:00+00:00")
MAJOR = "messages/2026/2026-03-09-online-exams-major-incident"


def findings(result: CheckResult) -> tuple[list[dict[str, object]], list[str]]:
    return [p.as_dict() for p in result.problems], sorted(result.held)


def cold(root: Path, now: datetime, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", "off")
    return check(root, now)


def warm(root: Path, now: datetime, cache: Path, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(cache))
    return check(root, now)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEMO, root)
    return root


def remembered(root: Path, now: datetime, cache: Path, monkeypatch: pytest.MonkeyPatch
               ) -> int:
    """How many of the content's threads the policy would skip at ``now``."""
    result = warm(root, now, cache, monkeypatch)
    assert result.content is not None
    settled = Settled(result.content)
    return sum(settled.known(settled.key(t), now) for t in result.content.threads.values())


def test_settled_threads_are_remembered_and_skipped(demo: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = warm(demo, DEMO_NOW, cache, monkeypatch)
    assert remembered(demo, DEMO_NOW, cache, monkeypatch) >= 10
    # threads that ended within the policy's longest period are never remembered
    assert remembered(demo, DEMO_NOW, cache, monkeypatch) < len(first.content.threads)
    assert findings(warm(demo, DEMO_NOW, cache, monkeypatch)) == findings(first)
    assert findings(first) == findings(cold(demo, DEMO_NOW, monkeypatch))


@pytest.mark.parametrize("now", [EARLIER, DEMO_NOW, LATER], ids=["earlier", "same", "later"])
def test_another_instant_finds_what_a_cold_check_finds(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, now: datetime) -> None:
    cache = tmp_path / "cache"
    warm(demo, DEMO_NOW, cache, monkeypatch)  # remember what was settled at the demo moment
    assert findings(warm(demo, now, cache, monkeypatch)) == findings(cold(demo, now, monkeypatch))


def drop_director(root: Path) -> None:
    # the person who approved most old messages no longer holds any role
    path = root / "people.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("comms-director", "comms-lead"),
                    encoding="utf-8")


def lengthen_lead_time(root: Path) -> None:
    # every planned notice of the past now came too late
    path = root / "policy.yml"
    text = path.read_text(encoding="utf-8")
    assert text.count("min_days: 14") == 1
    path.write_text(text.replace("min_days: 14", "min_days: 300"), encoding="utf-8")


def edit_approved_message(root: Path) -> None:
    # changed after its approval: no longer approved, so held
    path = root / MAJOR / "02-update.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                    encoding="utf-8")


def remove_review(root: Path) -> None:
    (root / MAJOR / "05-review.md").unlink()


CHANGES: dict[str, Callable[[Path], None]] = {
    "people": drop_director, "policy": lengthen_lead_time, "message": edit_approved_message,
    "removed message": remove_review,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_after_a_warm_run_finds_what_a_cold_check_finds(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    cache = tmp_path / "cache"
    before = warm(demo, LATER, cache, monkeypatch)
    CHANGES[change](demo)
    after = warm(demo, LATER, cache, monkeypatch)
    assert findings(after) == findings(cold(demo, LATER, monkeypatch))
    assert findings(after) != findings(before)  # the change mattered, and was seen


def test_a_damaged_memory_is_ignored(demo: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    warm(demo, DEMO_NOW, cache, monkeypatch)
    shards = sorted((cache / "policy").glob("*.json"))
    assert shards
    for index, shard in enumerate(shards):
        data = shard.read_bytes()
        shard.write_bytes(data[: len(data) // 2] if index % 2 else data.replace(b"2026", b"1999"))
    assert findings(warm(demo, DEMO_NOW, cache, monkeypatch)) == findings(
        cold(demo, DEMO_NOW, monkeypatch))
