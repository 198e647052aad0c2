"""What ``publisher check`` reports, and the same report again for exactly the same inputs.

``check`` loads and judges the whole content. Its report (every problem, what is held, how
many messages) depends only on the content's files, the organisation's templates, the
instant and the code, so a run over the same files at the same instant (a CI job run
again, a hook before the build at a pinned instant) gives the report the last one gave
(``memo``): the files are read and hashed, nothing is parsed. This module imports only
what that needs; ``check`` and its models are imported on a miss.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import templates
from .cache import cache_root, key_of
from .errors import Findings, Problem
from .memo import Memo, inputs_digest


def input_folders(root: Path) -> list[Path]:
    """Every folder whose files the content's meaning depends on: the content itself, the
    organisation's templates and the packaged ones (message wordings among them)."""
    project = templates.project_dir(root)
    return [root.resolve(), project / templates.OVERRIDES_FOLDER,
            *(templates.PACKAGED / kind for kind in templates.KINDS)]


@dataclass(frozen=True)
class Summary(Findings):
    """A check's report: its problems (sorted), the held messages, the message count."""

    problems: list[Problem]
    held: list[str]
    messages: int
    loaded: bool
    """Whether the content loaded at all (else nothing may be published)."""

    def as_dict(self) -> dict[str, Any]:
        return {"problems": [p.as_dict() for p in self.problems], "held": self.held,
                "messages": self.messages, "loaded": self.loaded}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        """The summary ``as_dict`` gave; ValueError for anything else."""
        problems, held = data.get("problems"), data.get("held")
        messages, loaded = data.get("messages"), data.get("loaded")
        if (not isinstance(problems, list) or not isinstance(held, list)
                or not all(isinstance(h, str) for h in held)
                or type(messages) is not int or type(loaded) is not bool):
            raise ValueError("not a check summary")
        return cls([Problem.from_dict(p) if isinstance(p, dict) else _bad() for p in problems],
                   held, messages, loaded)


def _bad() -> Problem:
    raise ValueError("not a problem record")


def summarise(root: Path, now: datetime) -> Summary:
    """``check`` of ``root`` at ``now`` as ``publisher check`` reports it (threads settled
    in earlier runs are skipped), or the report of the last run over the same inputs (and
    from the same folder: problems name files relative to it)."""
    digest = inputs_digest(input_folders(root))
    memo = Memo(cache_root(root), "check", str(root.resolve()),
                key_of(digest, now.isoformat(), os.getcwd()) if digest else None)
    found = memo.get()
    if found is not None:
        try:
            return Summary.from_dict(found)
        except ValueError:
            pass  # not what we wrote: check afresh, and write it again
    from .check import check, requires_provenance

    result = check(root, now, skip_settled=True)
    content = result.content
    summary = Summary(result.problems, sorted(result.held),
                      len(content.messages) + content.unread if content else 0,
                      content is not None)
    if content is not None and not requires_provenance(content):  # else git is an input
        memo.put(summary.as_dict())
    return summary
