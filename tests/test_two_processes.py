"""Loading and the policy share their work with a forked child (``publisher.forked``): the
same messages, problems (lines, severities, duties) and held messages as one process, from a
cold cache and from a warm one; a child that dies has its share done by the parent.

Each check runs in a fresh process: a child is forked only from a process with no other
thread, and this test process may hold a browser's. The thresholds are lowered so the demo
content, made hostile here, is shared out."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.build import REPO
from publisher.cache import Pack
from tests.conftest import DEMO, DEMO_NOW

pytestmark = pytest.mark.slow
THREAD = "messages/2026/2026-03-09-online-exams-major-incident"

CHECK = """
import json, os, sys
from datetime import datetime
from pathlib import Path
from publisher import forked, policy
from publisher.check import check
from publisher.content import reading

mode, content, now = sys.argv[1:4]
reading.FORK_AT = policy.FORK_AT = 1
started = []
real = forked.Child.start

def start(work, name, label):
    started.append(name)
    return real((lambda: os._exit(3)) if mode == "dies" else work, name, label)

forked.Child.start = start
if mode == "one":
    reading.can_fork = policy.can_fork = lambda: False
runs = []
for _ in range(2):  # a cold cache, then a warm one
    result = check(Path(content), datetime.fromisoformat(now))
    runs.append({
        "problems": [[str(p), p.severity.value, p.rule, p.action, p.message_id, p.duty]
                     for p in result.problems],
        "held": {k: [str(p) for p in v] for k, v in sorted(result.held.items())},
        "messages": sorted([m.id, m.meta.model_dump_json(), m.body, m.fingerprint, m.held]
                           for m in result.content.messages.values()),
    })
print(json.dumps({"runs": runs, "started": started}))
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEMO, root)
    broken = root / "messages/2026"
    notice = next((root / THREAD).glob("*.md")).read_text(encoding="utf-8")
    (broken / "2026-04-01-unknown-field.md").write_text(
        notice.replace("title:", "colour: red\ntitle:", 1), encoding="utf-8")
    (broken / "2026-04-02-control.md").write_text(
        notice.replace('title: "', 'title: "Bell\\u0007 ', 1), encoding="utf-8")
    (broken / "2026-04-03-brackets.md").write_text(
        notice + "\n" + "[x] " * 60 + "\n", encoding="utf-8")
    (broken / "2026-04-04-yaml.md").write_text("---\ntitle: [unclosed\n---\nBody.\n",
                                               encoding="utf-8")
    unreviewed = root / f"{THREAD}-again"  # resolved, no review yet: a duty is owed
    shutil.copytree(root / THREAD, unreviewed)
    (unreviewed / "05-review.md").unlink()
    return root


def run_check(mode: str, root: Path, cache: Path) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(REPO), PUBLISHER_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-c", CHECK, mode, str(root), DEMO_NOW.isoformat()],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_two_processes_find_what_one_finds(content: Path, tmp_path: Path) -> None:
    one = run_check("one", content, tmp_path / "cache-one")
    two = run_check("two", content, tmp_path / "cache-two")
    assert one["started"] == []
    assert {"publisher-load", "publisher-policy"} <= set(two["started"])  # type: ignore[arg-type]
    cold, warm = one["runs"]  # type: ignore[misc]
    assert cold == warm  # the warm run reports lines worked out from the text again
    problems = {p[0].split(": ")[1] for p in cold["problems"]}
    assert {"colour", "title", "(body)", "(yaml)"} <= problems, problems
    assert any(p[5] for p in cold["problems"])  # a duty, which never holds its message
    assert len(cold["held"]) >= 3 and len(cold["messages"]) > 40
    assert two["runs"] == one["runs"]
    kept = entries(tmp_path / "cache-one")
    assert len(kept) > 40 and entries(tmp_path / "cache-two") == kept  # the child's share too


def entries(cache: Path) -> set[str]:
    """The keys of the parsed-message cache (``reading.ParsedCache``)."""
    pack = Pack(cache / "messages")
    return {key for shard in (cache / "messages").glob("*.json")
            for key in pack._shard(f"{shard.stem}x")}


def test_a_child_that_dies_has_its_share_done_here(content: Path, tmp_path: Path) -> None:
    one = run_check("one", content, tmp_path / "cache-one")
    dies = run_check("dies", content, tmp_path / "cache-dies")
    assert {"publisher-load", "publisher-policy"} <= set(dies["started"])  # type: ignore[arg-type]
    assert dies["runs"] == one["runs"]


STOP = """
import os, time
from publisher.forked import Child, stopped_on_failure

child = Child.start(lambda: time.sleep(60), "test-child", "the test child")
pid = child.pid
try:
    with stopped_on_failure(child):
        raise RuntimeError("this process's share failed")
except RuntimeError:
    pass
try:
    os.kill(pid, 0)
    print("still running")
except ProcessLookupError:
    print("stopped")
"""


def test_a_child_does_not_outlive_a_failure_of_this_process() -> None:
    done = subprocess.run([sys.executable, "-c", STOP], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped"


EXITS = """
import time
from publisher.forked import Child

child = Child.start(lambda: b"x" * 4_000_000, "publisher-test", "a test child")
assert child is not None
for _ in range(600):  # up to a minute: the child must end without this process reading
    with open(f"/proc/{child.pid}/stat") as stat:
        if stat.read().rpartition(")")[2].split()[0] == "Z":  # exited, not yet waited for
            break
    time.sleep(0.1)
else:
    child.abandon()
    raise SystemExit("the child waited for its result to be read")
print(len(child.result()))
"""


def test_a_child_ends_as_soon_as_its_work_is_done() -> None:
    """A child that has finished holds no memory while the parent is still busy: it leaves
    a large result behind and exits, rather than waiting for the parent to read it."""
    done = subprocess.run([sys.executable, "-c", EXITS], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4000000"
