"""The memory of settled threads never changes what ``check`` finds.

``check`` skips a thread it found settled without problems in an earlier run
(``content/memory.py``, ``policy/settled.py``): the policy does not evaluate it again and
``publisher check`` does not even read it. Each test runs ``check`` with the cache after a
first run (warm, reading as ``publisher check`` does) and without any cache (cold) on the same
files at the same instant, and requires the same findings, held messages and message count,
after each kind of change that could matter.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW

from publisher import policy
from publisher.check import CheckResult, check
from publisher.content.memory import SettledMemory

LATER = datetime.fromisoformat("2027-08-01T09:00:00+00:00")
EARLIER = datetime.fromisoformat("2026-04-01T09:00:00+00:00")
MAJOR = "messages/2026/2026-03-09-online-exams-major-incident"


def findings(result: CheckResult) -> tuple[list[dict[str, object]], list[str], int]:
    assert result.content is not None
    count = len(result.content.messages) + result.content.unread
    return [p.as_dict() for p in result.problems], sorted(result.held), count


def cold(root: Path, now: datetime, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", "off")
    return check(root, now)


def warm(root: Path, now: datetime, cache: Path, monkeypatch: pytest.MonkeyPatch) -> CheckResult:
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(cache))
    return check(root, now, skip_settled=True)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEMO, root)
    return root


def remembered(root: Path, now: datetime, cache: Path, monkeypatch: pytest.MonkeyPatch
               ) -> int:
    """How many of the content's threads the policy would skip at ``now``."""
    monkeypatch.setenv("PUBLISHER_CACHE_DIR", str(cache))
    result = check(root, now)  # reads every thread
    assert result.content is not None
    memory = SettledMemory(root)
    return sum(memory.known(policy.thread_key(memory, t), now)
               for t in result.content.threads.values())


def test_settled_threads_are_remembered_and_skipped(demo: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = warm(demo, DEMO_NOW, cache, monkeypatch)
    assert remembered(demo, DEMO_NOW, cache, monkeypatch) >= 10
    # threads that ended within the policy's longest period are never remembered
    assert remembered(demo, DEMO_NOW, cache, monkeypatch) < len(first.content.threads)
    again = warm(demo, DEMO_NOW, cache, monkeypatch)
    assert again.content is not None and again.content.unread >= 10  # not even read
    assert findings(again) == findings(first)
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
    shards = sorted((cache / "settled").glob("*.json"))
    assert shards
    for index, shard in enumerate(shards):
        data = shard.read_bytes()
        shard.write_bytes(data[: len(data) // 2] if index % 2 else data.replace(b"2026", b"1999"))
    assert findings(warm(demo, DEMO_NOW, cache, monkeypatch)) == findings(
        cold(demo, DEMO_NOW, monkeypatch))


UPGRADE = "messages/2026/2026-05-16-student-records-upgrade"


def join_settled_thread(root: Path) -> None:
    # a file elsewhere that continues a settled thread: that thread must be read again
    (root / "messages" / "2026" / "2026-11-17-records-note.md").write_text(
        "---\ntype: update\nthread: 2026-05-16-student-records-upgrade\n"
        "send_at: 2026-11-17T09:00\nworkflow:\n  stage: draft\n---\nA late note.\n",
        encoding="utf-8")


def remind_of_settled_message(root: Path) -> None:
    # a reminder in a new thread, of a message in a settled one
    reminder = (root / UPGRADE / "02-reminder.md").read_text(encoding="utf-8")
    folder = root / "messages" / "2026" / "2026-11-17-records-reminder"
    folder.mkdir()
    (folder / "01-reminder.md").write_text(
        reminder.replace("send_at: 2026-05-15T09:00", "send_at: 2026-11-17T09:00"),
        encoding="utf-8")


def delete_from_settled_thread(root: Path) -> None:
    (root / UPGRADE / "02-reminder.md").unlink()


def rename_service(root: Path) -> None:
    path = root / "services.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("student-records", "student-record-system"), encoding="utf-8")


UNREAD_CHANGES: dict[str, Callable[[Path], None]] = {
    "joined": join_settled_thread, "reminder": remind_of_settled_message,
    "deleted": delete_from_settled_thread, "services": rename_service,
}


@pytest.mark.parametrize("change", sorted(UNREAD_CHANGES))
def test_a_thread_left_unread_is_read_again_when_something_reaches_it(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    cache = tmp_path / "cache"
    warm(demo, DEMO_NOW, cache, monkeypatch)
    before = warm(demo, DEMO_NOW, cache, monkeypatch)
    assert before.content is not None and before.content.unread >= 3  # the upgrade's files
    UNREAD_CHANGES[change](demo)
    after = warm(demo, DEMO_NOW, cache, monkeypatch)
    assert findings(after) == findings(cold(demo, DEMO_NOW, monkeypatch))
    assert findings(after) != findings(before)


def test_publisher_check_warm_prints_what_a_cold_check_prints(demo: Path, tmp_path: Path
                                                              ) -> None:
    import json
    import os
    import subprocess
    import sys

    def run(cache: str) -> dict[str, object]:
        env = {**os.environ, "PUBLISHER_CACHE_DIR": cache}
        done = subprocess.run([sys.executable, "-m", "publisher", "check", str(demo), "--now",
                               DEMO_NOW.isoformat(), "--format", "json"], capture_output=True,
                              text=True, env=env, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return dict(json.loads(done.stdout))

    cache = str(tmp_path / "cache")
    first, second = run(cache), run(cache)
    assert first == second == run("off")
    assert second["messages"] == sum(1 for _ in (demo / "messages").rglob("*.md"))
