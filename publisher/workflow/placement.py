"""Where a new message's file goes, and moving a single-file thread into a folder.

A follow-up goes into its thread's folder as ``NN-<kind>.md``; a single-file thread first
becomes a folder (its file moved to ``01-<kind>.md`` with ``git mv`` when tracked, so history
and approval provenance follow), ``reminder_of`` references to its old id are rewritten and
its send-ledger events are carried to the new id, so it is never sent again.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from ..content.model import Content, MessageType, Thread
from ..errors import Problem
from ..mail.ledger import Ledger
from .message_templates import MessageTemplate

OPENER_FILE = {
    MessageType.UNPLANNED_OUTAGE: "notice", MessageType.PLANNED_MAINTENANCE: "notice",
    MessageType.EMERGENCY_CHANGE: "notice", MessageType.MAJOR_INCIDENT: "declared",
    MessageType.NEW_SERVICE_LAUNCH: "launch", MessageType.ANNOUNCEMENT: "notice",
    MessageType.NEWS: "story", MessageType.LEADERSHIP_MESSAGE: "message",
}
"""File stem for a single-file thread's message when its thread becomes a folder."""
NUMBERED = re.compile(r"^(\d+)-")



@dataclass
class Created:
    path: Path
    message_id: str
    text: str
    moved: tuple[Path, Path] | None = None
    renamed: tuple[str, str] | None = None
    rewritten: list[Path] = field(default_factory=list)
    ledger_events: int = 0
    """Send-ledger events carried over to the moved message's new id."""
    notes: list[str] = field(default_factory=list)
    """Channels fitted to the policy: what was left out or added, and why."""
    remaining: list[Problem] = field(default_factory=list)
    """What ``publisher check`` still says about the new message (steps to do)."""


def follow_up_place(thread: Thread, template: MessageTemplate, text: str = "") -> Created:
    """The next numbered file in the thread's folder (the thread becomes one if needed)."""
    opener = thread.first
    if opener.id == thread.id:  # a single-file thread: it becomes a folder
        folder = thread.path.parent / thread.id
        first = folder / f"01-{OPENER_FILE.get(opener.type, 'notice')}.md"
        new_id = f"{thread.id}/{first.stem}"
        path = folder / f"02-{template.file}.md"
        return Created(path, f"{thread.id}/{path.stem}", text, moved=(thread.path, first),
                       renamed=(opener.id, new_id))
    folder = thread.path
    numbers = [int(m.group(1)) for p in folder.glob("*.md") if (m := NUMBERED.match(p.name))]
    number = max(numbers, default=len(list(folder.glob("*.md")))) + 1
    path = folder / f"{number:02d}-{template.file}.md"
    return Created(path, f"{thread.id}/{path.stem}", text)


def _git_tracked(path: Path) -> bool:
    try:
        done = subprocess.run(["git", "ls-files", "--error-unmatch", path.name],
                              cwd=path.parent, capture_output=True, check=False)
    except OSError:
        return False
    return done.returncode == 0


def write_files(content: Content, created: Created) -> None:
    """Move a single-file thread into its folder if needed, then write the new file."""
    if created.moved:
        old, new = created.moved
        new.parent.mkdir(parents=True, exist_ok=False)
        if _git_tracked(old):
            # git mv keeps the file's history (and so its approvals' provenance) together
            subprocess.run(["git", "mv", str(old), str(new)], check=True, capture_output=True)
        else:
            old.rename(new)
        assert created.renamed is not None
        created.rewritten = _rewrite_references(content.root, *created.renamed)
        created.ledger_events = carry_ledger(content.root, *created.renamed)
    created.path.parent.mkdir(parents=True, exist_ok=True)
    with created.path.open("x", encoding="utf-8") as handle:
        handle.write(created.text)


def carry_ledger(root: Path, old_id: str, new_id: str) -> int:
    """The send ledger's events of a moved message, carried to its new id (never re-sent)."""
    ledger = Ledger(root)
    try:
        return ledger.carry(old_id, new_id)
    finally:
        ledger.close()


def _rewrite_references(root: Path, old_id: str, new_id: str) -> list[Path]:
    """Point every ``reminder_of: <old id>`` at the message's new id."""
    pattern = re.compile(rf"^(\s*reminder_of:\s*)(['\"]?){re.escape(old_id)}\2(\s*(#.*)?)$",
                         re.MULTILINE)
    changed = []
    for path in sorted((root / "messages").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        updated = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{new_id}{m.group(2)}"
                              f"{m.group(3)}", text)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(path)
    return changed
