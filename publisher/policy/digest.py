"""Approval binds the text: a digest of what readers and recipients get, recorded on approval.

``publisher approve`` writes ``digest:`` into the approval step; ``check`` recomputes it. A
message edited after its approval is no longer approved: the finding is an error, so the
message is held (not published, not sent) until someone re-approves the new text. Workflow
bookkeeping (steps, stage, notes, revision, internal notes) is not in the digest, so
recording a review or bumping the revision for a correction never unpins an approval.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import subprocess
from datetime import UTC, datetime
from typing import Any

from ..content.model import Content, Message, Stage, Step
from ..errors import Problem
from .base import finding

BOUND_FIELDS = ("title", "type", "thread", "services", "status", "impact", "window",
                "audiences", "channels", "send_at", "summary", "categories", "major_incident",
                "sms", "social")
"""Front-matter fields a reader or recipient sees (the body is always bound too)."""

DIGEST_LENGTH = 24
"""Hex digits kept: enough that no accidental edit keeps the same digest, short in a file."""


def reader_view(message: Message, send_at: datetime | None = None) -> dict[str, Any]:
    """The fields this file itself sets that a reader sees, plus its body, as plain data."""
    dumped = message.meta.model_dump(mode="json", exclude_none=True)
    view: dict[str, Any] = {name: dumped[name] for name in BOUND_FIELDS
                            if name in dumped and message.wrote(name)}
    # One instant however it was written (a zone's offset or Z): compared in UTC.
    if send_at is not None:
        view["send_at"] = send_at.astimezone(UTC).isoformat()
    elif message.send_at is not None and "send_at" in view:
        view["send_at"] = message.send_at.astimezone(UTC).isoformat()
    view["body"] = message.body.strip()
    return view


def digest_of(message: Message, send_at: datetime | None = None) -> str:
    """``sha256:<hex>`` of the reader view, in a canonical JSON form."""
    canonical = json.dumps(reader_view(message, send_at), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:DIGEST_LENGTH]


def pinned(message: Message) -> Step | None:
    """The latest recorded step that carries a digest (the approval in force)."""
    return next((s for s in reversed(message.meta.workflow.steps) if s.digest), None)


def check(content: Content, rule: Any, message: Message) -> list[Problem]:
    """An approved message's text is the text that was approved."""
    if message.meta.workflow.stage is not Stage.APPROVED:
        return []
    step = pinned(message)
    if step is None:
        return [finding(message, rule, "approved, but the approval is not pinned to the text "
                        "(no digest recorded)", "re-approve with `publisher approve`, or record "
                        "digests once for old approvals with `publisher pin-approvals`",
                        "workflow.stage", severity=getattr(rule, "missing_digest", "warning"))]
    if step.digest == digest_of(message):
        return []
    person = content.people.get(step.by)
    name = person.name if person else step.by
    index = message.meta.workflow.steps.index(step)
    changes = changed_lines(content, message, step.digest)
    shown = f"; changed: {' | '.join(changes)}" if changes else ""
    return [finding(
        message, rule,
        f"changed after {name} approved it ({step.step}, "
        f"{content.local(step.at):%Y-%m-%d %H:%M}): no longer approved, held{shown}",
        f"re-approve the new text: publisher approve {message.source} --by {step.by} "
        "(or the first available approver)", f"workflow.steps.{index}.digest")]


def changed_lines(content: Content, message: Message, digest: str, limit: int = 6
                  ) -> list[str]:
    """A short diff between the file as approved (from git history) and now; [] without git."""
    old = _approved_text(content, message, digest)
    if old is None:
        return []
    new = message.path.read_text(encoding="utf-8")
    out = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith(("+++", "---", "@@")):
            continue
        if "digest:" in line or line.lstrip("+- ").startswith(("- {step:", "stage:")):
            continue  # the approval's own bookkeeping
        out.append(line[:100])
    return out[:limit] + ([f"… {len(out) - limit} more line(s)"] if len(out) > limit else [])


def _approved_text(content: Content, message: Message, digest: str) -> str | None:
    """The file as committed with this digest, when the content is in a git repository."""
    where = str(message.path.parent)
    try:
        found = subprocess.run(
            ["git", "-C", where, "log", "-n", "1", "--format=%H", "-S", digest, "--",
             message.path.name], capture_output=True, text=True, timeout=10, check=False)
        commit = found.stdout.strip()
        if found.returncode != 0 or not commit:
            return None
        top = subprocess.run(["git", "-C", where, "rev-parse", "--show-prefix"],
                             capture_output=True, text=True, timeout=10, check=False)
        shown = subprocess.run(
            ["git", "-C", where, "show", f"{commit}:{top.stdout.strip()}{message.path.name}"],
            capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    del content
    return shown.stdout if shown.returncode == 0 else None
