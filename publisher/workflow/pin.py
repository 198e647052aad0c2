"""``publisher pin-approvals``: record, once, the digest of approvals made before digests.

Older approved messages carry no digest, so nothing ties their approval to their text. This
migration writes the digest of the text as it stands into the approval step in force (the
last approval recorded; for workflows without an approval step, the last step recorded). Run
it once, review the diff, and commit it: from then on an edit unpins the approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..content.model import Content, Message, Stage
from ..errors import ConfigError
from ..policy import digest
from . import roundtrip, todo


@dataclass(frozen=True)
class Pinned:
    message_id: str
    path: Path
    step: str
    by: str
    digest: str


def _target(content: Content, message: Message) -> int | None:
    """Index of the step to pin: the last approval recorded, else the last step recorded."""
    steps = message.meta.workflow.steps
    if not steps:
        return None
    policy = todo.load(content)
    approvals = {r.step for r in todo.requirements(content, policy, message) if r.approval}
    found = [i for i, s in enumerate(steps) if s.step in approvals]
    return found[-1] if found else len(steps) - 1


def pin_all(content: Content, write: bool = True) -> tuple[list[Pinned], list[str]]:
    """Pin every approved message without a digest; returns (pinned, could not pin)."""
    done: list[Pinned] = []
    skipped: list[str] = []
    for message in content.messages.values():
        if message.meta.workflow.stage is not Stage.APPROVED or digest.pinned(message):
            continue
        index = _target(content, message)
        if index is None:
            skipped.append(f"{message.source}: approved with no step recorded: approve it "
                           "with `publisher approve`")
            continue
        value = digest.digest_of(message)
        if write:
            _write(message, index, value)
        step = message.meta.workflow.steps[index]
        done.append(Pinned(message.id, message.path, step.step, step.by, value))
    return done, skipped


def _write(message: Message, index: int, value: str) -> None:
    """Add ``digest: value`` to step ``index`` as a one-line text edit, whatever the file's
    layout (a flow ``{step: …}`` gets ``, digest: …``; a block step gets a line)."""
    text = message.path.read_text(encoding="utf-8")
    front_text, rest = roundtrip.split(text, message.path)
    steps = roundtrip.load(front_text)["workflow"]["steps"]
    entry = steps[index]
    lines = front_text.splitlines(keepends=True)
    if entry.fa.flow_style():
        row = steps.lc.item(index)[0]
        cut = lines[row].rfind("}")
        if cut < 0:
            raise ConfigError(f"{message.source}: step {index} spans several lines; add "
                              f"'digest: {value}' to it by hand")
        lines[row] = f"{lines[row][:cut]}, digest: {value}{lines[row][cut:]}"
    else:
        row, col = entry.lc.key(list(entry)[-1])
        lines.insert(row + 1, f"{' ' * col}digest: {value}\n")
    new_front = "".join(lines)
    before, after = yaml.safe_load(front_text), yaml.safe_load(new_front)
    before["workflow"]["steps"][index]["digest"] = value
    if before != after:
        raise ConfigError(f"{message.source}: could not add the digest without changing "
                          f"anything else; add 'digest: {value}' to step {index} by hand")
    message.path.write_text(f"---\n{new_front}{rest}", encoding="utf-8")
