"""``publisher review`` and ``publisher approve``: record a workflow step in front matter.

The file is edited as a ruamel.yaml round-trip document, so comments, key order and quoting
stay as written. After the edit the old and new text are compared line by line: only the
lines this edit means to add or change may differ, otherwise nothing is written (a
reformatted file would make review diffs and approval provenance unreadable).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..content.model import Content, Message, Stage
from ..errors import ConfigError, ContentError, Problem, relpath
from ..policy import digest
from . import roundtrip, todo

PLACEHOLDER = re.compile(r"(?<![!\]\\])\[([^\]\n]{3,})\](?![(\[:])")
"""Template fill-ins such as ``[what has changed]``; links and images are not placeholders."""


@dataclass
class Recorded:
    path: Path
    message_id: str
    step: str
    by: str
    at: str
    added: list[str]
    changed: list[str]
    final: bool = True
    """For an approval: the last one needed, so the stage is now approved."""
    still_to_do: list[todo.Pending] = field(default_factory=list)


def find_message(content: Content, path: Path) -> Message:
    target = path.resolve()
    for message in content.messages.values():
        if message.path.resolve() == target:
            return message
    raise ConfigError(f"{relpath(path)}: not a loaded message (is it under "
                      f"{relpath(content.root)}/messages/? run `publisher check` for its errors)")


def placeholders(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    found = []
    for offset, line in enumerate(text.splitlines()):
        found += [(first_line + offset, m.group(0)) for m in PLACEHOLDER.finditer(line)]
    return found


def record(content: Content, path: Path, step: str, by: str, at: datetime, *,
           note: str | None = None, approve: bool = False, send_at: datetime | None = None,
           write: bool = True) -> Recorded:
    """Add ``{step, by, at}`` to ``workflow.steps`` (and for an approval set the stage)."""
    message = find_message(content, path)
    source = message.source
    if by not in content.people:
        raise ConfigError(f"--by: unknown person {by!r} (see {relpath(content.root)}/people.yml)")
    policy = todo.load(content)
    needed = todo.step_names(content, policy, message)
    if needed and step not in needed:
        raise ConfigError(f"{source}: {step!r} is not a step of this message's workflow "
                          f"(allowed: {', '.join(needed)})")
    if not approve and todo.is_release(content, policy, message, step):
        raise ConfigError(f"{source}: {step!r} releases this message, so it binds the text: "
                          f"record it with `publisher approve {source} --by {by}`")
    allowed, reason = todo.can_perform(content, policy, by, step, message, at)
    if not allowed:
        raise ConfigError(f"{source}: {by} may not record {step!r}: {reason}")
    current = digest.digest_of(message, send_at) if approve else ""
    # Re-approving is allowed once the text changed since the approval in force.
    reapproval = approve and (pin := digest.pinned(message)) is not None and pin.digest != current
    if not reapproval and any(s.step == step and s.by == by for s in message.meta.workflow.steps):
        raise ConfigError(f"{source}: {step!r} by {by} is already recorded")
    text = path.read_text(encoding="utf-8")
    front_text, rest = roundtrip.split(text, path)
    final = True
    if approve:
        # the body starts after the closing fence: line 1 fence + front matter + fence
        body_line = front_text.count("\n") + 3
        body = rest.split("\n", 1)[1] if "\n" in rest else ""
        _check_ready(content, policy, message, step, at, send_at, body, body_line)
        # a message to a sub-community needs its representative's approval as well: the
        # stage becomes approved with the last approval, not the first
        approvals = [p for p in todo.pending(content, policy, message, at)
                     if p.step == step]
        final = len(approvals) <= 1
    front = roundtrip.load(front_text)
    tz = content.organisation.tz
    when = roundtrip.local_text(at.replace(microsecond=0), tz)
    expected_changes = _apply(front, step, by, when, note, approve and final,
                              roundtrip.local_text(send_at, tz) if send_at else None,
                              to_review=not approve and starts_review(message, step),
                              pin=current)
    new_front = roundtrip.dump(front)
    added, changed = _verify(front_text, new_front, expected_changes, source)
    if write:
        path.write_text(f"---\n{new_front}{rest}", encoding="utf-8")
        if approve:
            _refuse_if_held(content.root, path, message.id, text,
                            send_at or message.meta.send_at or at)
    recorded = Recorded(path, message.id, step, by, when, added, changed, final)
    if write:
        recorded.still_to_do = _still_to_do(content.root, path, at)
    return recorded


def _refuse_if_held(root: Path, path: Path, message_id: str, old_text: str,
                    send_at: datetime) -> None:
    """Run every rule over the approved message at its send time; when anything would hold
    it, put the file back as it was and refuse with the findings and their next actions."""
    from ..check import check

    result = check(root, send_at)
    holding = [p for p in result.held.get(message_id, [])
               if p.rule != "provenance"]  # the approval is not committed yet: it cannot be
    if holding:
        path.write_text(old_text, encoding="utf-8")
        lines = [f"approval refused, nothing was written: at its send time "
                 f"({send_at.isoformat()}) the message would be held for "
                 f"{len(holding)} error(s):"]
        for problem in holding:
            lines.append(f"  {problem}")
            lines.append(f"    next: {problem.action or 'fix it, then approve again'}")
        raise ConfigError("\n".join(lines))


def _still_to_do(root: Path, path: Path, at: datetime) -> list[todo.Pending]:
    """What the workflow still needs after this step (read back from the file as written)."""
    from ..content.load import load_content

    content, _ = load_content(root)
    if content is None:
        return []
    try:
        message = find_message(content, path)
    except ConfigError:
        return []
    policy = todo.load(content)
    return [p for p in todo.pending(content, policy, message, at) if not p.automatic]


def _check_ready(content: Content, policy: Any, message: Message, step: str, at: datetime,
                 send_at: datetime | None, body: str, body_line: int) -> None:
    problems = []
    src = message.source
    if message.meta.send_at is None and send_at is None:
        problems.append(Problem(src, message.line("send_at"), "send_at", "an approved message "
                                "needs a send time (pass --send-at WHEN)"))
    elif (send_at or message.meta.send_at) < at:  # type: ignore[operator]
        when = content.local(send_at or message.meta.send_at)  # type: ignore[arg-type]
        problems.append(Problem(src, message.line("send_at"), "send_at",
                                f"the send time {when:%Y-%m-%d %H:%M} is before this approval "
                                f"({content.local(at):%Y-%m-%d %H:%M}): a message is approved "
                                "before it goes out (pass --send-at WHEN)"))
    for name, value in _strings(message.meta.model_dump(mode="json", exclude_none=True)):
        problems += [Problem(src, message.line(name), name, f"template placeholder "
                             f"{m.group(0)} is still to be written")
                     for m in PLACEHOLDER.finditer(value)]
    body_marks = placeholders(body, body_line)
    problems += [Problem(src, line, "(body)", f"template placeholder {mark} is still to be "
                         "written") for line, mark in body_marks]
    for item in todo.before_step(content, policy, message, step, at):
        if item.step != step:
            who = f" ({item.person_name})" if item.person_name else ""
            problems.append(Problem(src, message.line("workflow.steps"), "workflow.steps",
                                    f"step {item.step!r}{who} is still to do before approval"))
    if problems:
        raise ContentError(problems)


def _strings(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted field path, text) for every string in parsed front matter."""
    if isinstance(data, dict):
        return [item for key, value in data.items()
                for item in _strings(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(data, list):
        return [item for index, value in enumerate(data)
                for item in _strings(value, f"{prefix}.{index}")]
    return [(prefix, data)] if isinstance(data, str) else []


def starts_review(message: Message, step: str) -> bool:
    """A review step (its name says review: ``sme-review``, ``comms-control-review``) on a
    draft moves it to ``review``: the draft is out of the author's hands from then on."""
    return "review" in step.split("-") and message.meta.workflow.stage is Stage.DRAFT


def _apply(front: CommentedMap, step: str, by: str, when: str, note: str | None,
           approve: bool, send_at: str | None, to_review: bool = False,
           pin: str = "") -> set[int]:
    """Edit the document; return the (0-based) old lines the edit may rewrite in place."""
    may_change: set[int] = set()
    workflow = front.get("workflow")
    rewritten = workflow is None  # a new or reflowed workflow block owns all its lines
    if workflow is None:
        workflow = CommentedMap()
        front["workflow"] = workflow
    elif workflow.fa.flow_style() or not workflow:  # ruamel marks no style on `{}`
        # `workflow: {stage: draft}` grows steps: write it as a block from now on
        may_change.add(front.lc.key("workflow")[0])
        workflow.fa.set_block_style()
        rewritten = True
    steps = workflow.get("steps")
    if steps is None:
        steps = CommentedSeq()
        workflow["steps"] = steps
    elif steps.fa.flow_style() or not steps:  # nor on `[]`
        if not rewritten:
            may_change.add(workflow.lc.key("steps")[0])
        if not steps:
            steps.fa.set_block_style()  # `steps: []` becomes a list, one step a line
    steps.append(roundtrip.flow_map(step=step, by=by, at=when, note=note or None,
                                    digest=pin or None))
    if approve or to_review:
        if "stage" in workflow and not rewritten:
            may_change.add(workflow.lc.key("stage")[0])
        workflow["stage"] = "approved" if approve else "review"
    if send_at is not None:
        if "send_at" in front:
            may_change.add(front.lc.key("send_at")[0])
            front["send_at"] = send_at
        else:
            _insert_before(front, "send_at", send_at, ("categories", "summary", "workflow"))
    return may_change


def _insert_before(front: CommentedMap, key: str, value: Any, anchors: tuple[str, ...]) -> None:
    keys = list(front)
    for anchor in anchors:
        if anchor in front:
            front.insert(keys.index(anchor), key, value)
            return
    front[key] = value


def _verify(old: str, new: str, may_change: set[int], source: str) -> tuple[list[str],
                                                                            list[str]]:
    """Only additions, and rewrites of the lines the edit owns; else refuse to write."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    added: list[str] = []
    changed: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        touched = set(range(i1, i2))
        if not touched <= may_change:
            lines = ", ".join(str(i + 2) for i in sorted(touched - may_change))
            raise ConfigError(f"{source}: recording the step would reformat line(s) {lines}; "
                              "nothing was written (edit the file by hand)")
        changed += [line.rstrip("\n") for line in old_lines[i1:i2]]
        added += [line.rstrip("\n") for line in new_lines[j1:j2]]
    return added, changed
