"""Loading content/policy.yml: precise path:line errors for a bad file, every problem in one
run, no rules without a file, and a JSON Schema for editors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from policy_fixtures import findings, planned, westmarch, write

from publisher import policy
from publisher.check import check
from publisher.content.load import load_content
from publisher.errors import ContentError
from tests.conftest import DEMO_NOW, MINI

BAD_SCHEMA = """\
version: 1
workflows:
  planned:
    label: Planned
    types: [planned-maintenance]
    steps:
      - {step: intake, role: service-manager}
      - {step: approval, role: comms-director, aproval: true}
rules:
  - id: R1
    kind: lead-time
    types: [planned-maintenance]
    min_dayz: 14
    notify_role: service-manager
  - id: R2
    kind: lead-tim
  - id: R12
    kind: channel-matrix
    broad_audiences: [all-staff]
    categories:
      - {id: x, label: X, channels: {fax: appropriate, email: maybe}}
"""

BAD_REFS = """\
version: 1
workflows:
  planned:
    label: Planned
    types: [planned-maintenance]
    steps:
      - {step: intake, role: service-managr}
rules:
  - id: R3
    kind: workflow
    workflows: [planed]
  - id: R13
    kind: audience-fit
    always_fit: [everyone]
"""


def _problems(root: Path) -> list[str]:
    result = check(root, DEMO_NOW)
    assert result.failed()
    return [str(p).replace(str(root.parent) + "/", "") for p in result.problems
            if "policy.yml" in p.path]


def test_every_schema_problem_of_the_file_in_one_run(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    (root / "policy.yml").write_text(BAD_SCHEMA)
    problems = _problems(root)
    assert [p.split(": ", 2)[0] + ": " + p.split(": ", 2)[1] for p in problems] == [
        "content/policy.yml:8: workflows.planned.steps[1].aproval",
        "content/policy.yml:10: rules[0].min_days",
        "content/policy.yml:13: rules[0].min_dayz",
        "content/policy.yml:16: rules[1].kind",
        "content/policy.yml:21: rules[2].categories[0].channels.email",
        "content/policy.yml:21: rules[2].categories[0].channels.fax",
    ]
    assert "unknown field 'aproval' (did you mean 'approval'?)" in problems[0]
    assert "unknown field 'min_dayz' (did you mean 'min_days'?)" in problems[2]
    assert "unknown rule kind 'lead-tim' (allowed: lead-time, workflow," in problems[3]
    assert "'maybe' is not allowed (allowed: 'appropriate', 'justify' or 'refused')" in problems[4]


def test_unknown_roles_workflows_and_audiences_are_named(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    (root / "policy.yml").write_text(BAD_REFS)
    problems = _problems(root)
    assert problems[0].startswith("content/policy.yml:7: workflows.planned.steps[0].role: "
                                  "unknown role 'service-managr' (allowed: cio, ciso,")
    assert problems[1] == ("content/policy.yml:11: rules[0].workflows[0]: unknown workflow "
                           "'planed' (allowed: planned)")
    assert problems[2].startswith("content/policy.yml:14: rules[1].always_fit[0]: unknown "
                                  "audience 'everyone' (allowed: all-staff,")


def test_load_policy_raises_with_every_problem(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    (root / "policy.yml").write_text(BAD_REFS)
    content, _ = load_content(root)
    assert content is not None
    with pytest.raises(ContentError) as caught:
        policy.load_policy(content)
    assert len(caught.value.problems) == 3


def test_without_a_policy_file_no_rule_runs(tmp_path: Path) -> None:
    content, _ = load_content(MINI)
    assert content is not None and content.policy_path is None
    empty = policy.load_policy(content)
    assert empty.rules == []
    assert policy.evaluate(content, DEMO_NOW) == []
    message = next(iter(content.messages.values()))
    assert policy.steps_for(content, empty, message) == []
    assert policy.pending(content, empty, message, DEMO_NOW) == []
    assert policy.cascade_plan(content, empty, message, DEMO_NOW) == []


def test_a_rule_can_be_switched_off(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    write(root, "2026/2026-12-05-learn-upgrade/01-notice.md",
          planned(send_at="2026-11-12T10:00"))
    assert [p.rule for p in findings(root)] == ["R1"]
    text = (root / "policy.yml").read_text()
    text = text.replace("  - id: R1\n", "  - id: R1\n    enabled: false\n")
    (root / "policy.yml").write_text(text)
    assert findings(root) == []


def test_duplicate_rule_ids_are_refused(tmp_path: Path) -> None:
    root = westmarch(tmp_path)
    text = (root / "policy.yml").read_text().replace("  - id: R2\n", "  - id: R1\n")
    (root / "policy.yml").write_text(text)
    [problem] = _problems(root)
    assert "duplicate rule id 'R1'" in problem


def test_policy_schema_is_written_for_editors(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "publisher", "schema", "-o", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    schema = json.loads((tmp_path / "policy.schema.json").read_text())
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"workflows", "exceptions", "rules"} <= set(schema["properties"])
    kinds = {v["properties"]["kind"]["const"] for k, v in schema["$defs"].items()
             if k.endswith("Rule")}
    assert {"lead-time", "channel-matrix", "major-incident", "fallbacks"} <= kinds
