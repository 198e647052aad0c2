"""After ``publisher new``: fit the new message's channels to the policy, list what is left.

A template proposes channels; the policy's channel matrix decides, per category of message
(an outage for everyone, maintenance for one group, a launch…), which are appropriate, which
need a written justification and which are refused, and the email-down rule requires other
channels when email itself is out. The new file keeps the appropriate ones (plus any the
email-down rule requires), so it passes ``publisher check``; each channel left out is named,
with how to add it back.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..check import check
from ..content.model import Content, Message
from ..errors import ContentError, Problem
from ..policy import load_policy
from ..policy.channels import category, email_down
from ..policy.config import ChannelMatrixRule, EmailDownRule
from . import roundtrip


def _message(content: Content, path: Path) -> Message | None:
    target = path.resolve()
    return next((m for m in content.messages.values() if m.path.resolve() == target), None)


def fit_channels(root: Path, path: Path, now: datetime) -> list[str]:
    """Rewrite the new file's ``channels`` to what the policy allows; return notes."""
    result = check(root, now)
    content = result.content
    message = _message(content, path) if content else None
    if content is None or message is None or message.meta.channels is None:
        return []
    try:
        policy = load_policy(content)
    except ContentError:
        return []
    text = path.read_text(encoding="utf-8")
    front_text, rest = roundtrip.split(text, path)
    front = roundtrip.load(front_text)
    if "channels" not in front:
        return []  # inherited from the thread: the thread decided
    channels = [str(c) for c in front["channels"]]
    required: list[str] = []
    refused: set[str] = set()
    for rule in policy.rules:
        if isinstance(rule, EmailDownRule) and email_down(message, rule):
            required += [c.value for c in rule.required]
            refused |= {c.value for c in rule.refused}
    notes: list[str] = []
    keep = [c for c in channels if c not in refused]
    notes += [f"left out {c}: the email service is down, so it cannot reach anyone"
              for c in channels if c in refused]
    keep += [c for c in required if c not in keep]
    notes += [f"added {c}: required while email is down" for c in required if c not in channels]
    for rule in policy.rules:
        if not isinstance(rule, ChannelMatrixRule):
            continue
        row = category(content, rule, message)
        if row is None:
            continue
        fitted = []
        for channel in keep:
            verdict = row.channels.get(channel, rule.unlisted)  # type: ignore[call-overload]
            if verdict == "appropriate" or channel in required or (
                    verdict == "justify" and message.meta.workflow.justification):
                fitted.append(channel)
            elif verdict == "justify":
                notes.append(
                    f"left out {channel}: for {row.label.lower()} the policy allows it only "
                    "with a written justification. To keep it, run `publisher new` again with "
                    f"--justification \"why {channel} suits this message\", or add "
                    f"{channel} back to channels: and write workflow.justification: in the "
                    "file")
            else:
                notes.append(f"left out {channel}: the channel matrix does not allow it for "
                             f"{row.label.lower()}")
        keep = fitted
    if keep != channels:
        front["channels"] = roundtrip.flow_seq(keep)
        path.write_text(f"---\n{roundtrip.dump(front)}{rest}", encoding="utf-8")
    return notes


def remaining(root: Path, path: Path, now: datetime) -> list[Problem]:
    """Every problem ``check`` still reports for the new message (steps still to do, mostly)."""
    result = check(root, now)
    message = _message(result.content, path) if result.content else None
    if message is None:
        return [p for p in result.problems if p.path.endswith(path.name)]
    return [p for p in result.problems if p.message_id == message.id]
