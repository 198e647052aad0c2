"""Helpers for the policy tests: a content directory with the demo's configuration (or the
second, differently configured policy) and no messages, and compliant messages to vary."""

from __future__ import annotations

import copy
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from publisher.check import check
from publisher.errors import Problem

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "content"
OTHER = Path(__file__).resolve().parent / "fixtures" / "policy_other"
NOW = datetime.fromisoformat("2026-11-18T10:30:00+00:00")
"""The demo moment: a Wednesday; the director (d-whitfield) is on leave 16–20 November."""


def westmarch(tmp_path: Path) -> Path:
    """The demo's config files and policy, without any message."""
    root = tmp_path / "content"
    (root / "messages").mkdir(parents=True)
    for path in DEMO.glob("*.yml"):
        shutil.copy2(path, root / path.name)
    return root


def other(tmp_path: Path) -> Path:
    """The second organisation: other role names, lead times, matrix; no sub-community."""
    root = tmp_path / "other"
    shutil.copytree(OTHER, root)
    (root / "messages").mkdir(exist_ok=True)
    return root


def write(root: Path, rel: str, fields: dict[str, Any], body: str = "Some text.\n") -> Path:
    path = root / "messages" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=1000)
    path.write_text(f"---\n{text}---\n{body}", encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` containing ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def findings(root: Path, rule: str | None = None, now: datetime = NOW) -> list[Problem]:
    """Policy findings (for one rule, or every rule) after checking that the content loads.

    Approved messages written by hand are pinned first, as `publisher approve` would have
    done (tests of the digest itself are in test_approval_digest.py)."""
    pin(root)
    result = check(root, now)
    assert result.content is not None, [str(p) for p in result.problems]
    loader = [str(p) for p in result.problems if p.rule == "" or p.rule.startswith("L-")]
    assert loader == [], loader
    return [p for p in result.problems if rule is None or p.rule == rule]


def pin(root: Path) -> None:
    """Record the approval digest of every approved message that has none."""
    from publisher.content.load import load_content
    from publisher.workflow.pin import pin_all

    content, _ = load_content(root)
    if content is not None:
        pin_all(content)


def steps(*rows: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"step": s, "by": by, "at": at} for s, by, at in rows]


PLANNED_STEPS = [
    ("initial-evaluation", "k-patel", "2026-10-27T11:00"),
    ("intake", "k-patel", "2026-11-02T10:00"),
    ("first-draft", "a-okafor", "2026-11-03T15:00"),
    ("sme-review", "k-patel", "2026-11-04T10:00"),
    ("second-draft", "a-okafor", "2026-11-05T14:00"),
    ("comms-control-review", "r-dunmore", "2026-11-06T10:00"),
    ("final-draft", "a-okafor", "2026-11-09T11:00"),
    ("approval", "d-whitfield", "2026-11-10T09:45"),
]


def planned(**over: Any) -> dict[str, Any]:
    """A planned-maintenance notice that passes every rule of the demo policy."""
    fields: dict[str, Any] = {
        "title": "Learn upgrade",
        "type": "planned-maintenance",
        "services": {"vle": "under_maintenance"},
        "status": "scheduled",
        "window": {"start": "2026-12-05T06:00", "expected_end": "2026-12-05T10:00"},
        "audiences": ["students", "teaching-staff", "elearning-team"],
        "channels": ["status", "email", "rss"],
        "send_at": "2026-11-20T10:00",
        "workflow": {
            "requested_by": "k-patel",
            "intake": "2026-11-02T10:00",
            "stage": "approved",
            "steps": steps(*PLANNED_STEPS),
            "justification": "Every student uses Learn.",
        },
    }
    return _merge(fields, over)


def outage(**over: Any) -> dict[str, Any]:
    """An unplanned-outage notice (in business hours, the director on leave) that passes."""
    fields: dict[str, Any] = {
        "title": "Learn unavailable",
        "type": "unplanned-outage",
        "services": {"vle": "major_outage"},
        "status": "investigating",
        "window": {"start": "2026-11-18T09:00", "expected_end": "2026-11-18T12:00"},
        "audiences": ["students", "teaching-staff"],
        "channels": ["status", "banner", "rss"],
        "send_at": "2026-11-18T09:20",
        "workflow": {
            "requested_by": "k-patel",
            "intake": "2026-11-18T09:05",
            "stage": "approved",
            "steps": steps(("intake", "k-patel", "2026-11-18T09:05"),
                           ("confirm-need", "a-okafor", "2026-11-18T09:08"),
                           ("draft", "a-okafor", "2026-11-18T09:12"),
                           ("approval", "r-castellano", "2026-11-18T09:16")),
        },
    }
    return _merge(fields, over)


def follow_up(kind: str, at: str, approver: str = "r-castellano", **over: Any) -> dict[str, Any]:
    """An update, extension or all-clear sent at ``at`` (HH:MM on 18 November)."""
    day = "2026-11-18T"
    h, m = (int(x) for x in at.split(":"))
    stamp = [f"{day}{(h * 60 + m - d) // 60:02d}:{(h * 60 + m - d) % 60:02d}" for d in (9, 6, 3)]
    if kind == "all-clear":
        approver = "a-okafor"
    fields: dict[str, Any] = {
        "type": kind,
        "send_at": f"{day}{at}",
        "workflow": {
            "requested_by": "k-patel",
            "intake": stamp[0],
            "stage": "approved",
            "steps": steps(("intake", "k-patel", stamp[0]), ("draft", "a-okafor", stamp[1]),
                           ("approval", approver, stamp[2])),
        },
    }
    return _merge(fields, over)


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` applied: workflow and window are merged key by key (None
    removes a key); every other field is replaced."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif key in ("workflow", "window") and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
