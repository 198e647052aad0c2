"""The package's shape: one clock, imports one way, types checked.

The one-clock rule is what makes every output reproducible (``--now``): a module that read
the time itself would make a build or a send depend on when it ran. This test reads the
package's source (an AST walk, not a grep) and fails on any read of the wall clock outside
``publisher/clock.py``. Measuring a duration (``time.monotonic``) is not reading the time.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "publisher"
CLOCK = PACKAGE / "clock.py"
WALL_CLOCK = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"),
    ("time", "ctime"), ("time", "asctime"), ("time", "strftime"),
}


def wall_clock_reads(path: Path) -> list[str]:
    """``file:line: call`` for every call that reads the wall clock in one source file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if (name, node.func.attr) in WALL_CLOCK:
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                         f"{name}.{node.func.attr}()")
    return found


def test_only_the_clock_reads_the_time() -> None:
    reads = [hit for path in sorted(PACKAGE.rglob("*.py")) if path != CLOCK
             for hit in wall_clock_reads(path)]
    assert reads == [], "read the time through publisher.clock and pass `now` down:\n" + \
        "\n".join(reads)


def test_the_scan_finds_a_clock_read(tmp_path: Path) -> None:
    """The scanner itself works: a module that reads the time is caught, aliases included."""
    sample = PACKAGE / "_sample_for_test.py"
    try:
        sample.write_text("import datetime as dt\nimport time\n"
                          "a = dt.datetime.now()\nb = time.time()\nc = time.monotonic()\n")
        hits = wall_clock_reads(sample)
    finally:
        sample.unlink()
    assert [h.rsplit(": ", 1)[1] for h in hits] == ["datetime.now()", "time.time()"]


def test_imports_run_one_way_down_the_pipeline() -> None:
    """import-linter's layers contract (pyproject.toml) holds."""
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.fail("import-linter is a test dependency: pip install -e '.[test]'")
    done = subprocess.run([tool], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert done.returncode == 0, done.stdout[-3000:]


def test_every_rule_kind_policy_yml_may_name_has_code() -> None:
    """A kind the policy file may name (a model in ``policy.config``) is registered, and
    nothing is registered that a policy file could not name."""
    from publisher import policy
    from publisher.policy.config import RULE_KINDS
    from publisher.policy.kinds import KINDS

    assert policy.RULE_MODULES  # importing the package registers every kind
    assert sorted(KINDS) == sorted(RULE_KINDS.split(", "))
