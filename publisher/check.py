"""The pipeline's front half, shared by every command and the mkdocs plugin: load, then policy.

``check`` is what ``publisher check`` runs and what every build and send runs first; a result
with errors means nothing may be published or sent from that content.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import policy
from .cache import cache_root
from .content.load import load_content
from .content.model import Content
from .errors import ContentError, Problem
from .text import markup
from .text.headers import header_problems
from .text.recipients import recipient_problems
from .text.snippets import snippet_problems


@dataclass(frozen=True)
class CheckResult:
    content: Content | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings)) or self.content is None

    def blocked(self, message_id: str) -> list[Problem]:
        """The errors that stop one message from being distributed."""
        return [p for p in self.errors if p.message_id == message_id]


def provenance_problems(content: Content) -> list[Problem]:
    """Unverified approvals, only when ``provenance.require_verified_approvals`` is set."""
    from .policy.provenance import check_problems  # runs git: imported only when needed

    return check_problems(content)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk load.

    Loading thousands of messages allocates about a million small objects that all live to
    the end of the run; the collector walked them again and again and freed nothing (a
    quarter of ``publisher check`` on 5,000 messages). Reference counting still frees
    everything short-lived, and the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check(root: Path, now: datetime) -> CheckResult:
    """Load ``root`` and run the policy over it; every problem of both, sorted by place."""
    cache = cache_root(root)
    markup.attach(cache / "html" if cache else None)  # reuse earlier runs' conversions
    with collector_paused():
        content, problems = load_content(root)
        if content is not None:
            problems = problems + policy.evaluate(content, now)
            problems += snippet_problems(content)  # sms:/social: overrides that are too long
            problems += header_problems(content)  # no line break in any email header value
            problems += recipient_problems(content)  # recipients CSVs: inside, strict
            problems += provenance_problems(content)  # when verified approvals are required
    markup.save()
    return CheckResult(content, sorted(problems))


def load_checked(root: Path, now: datetime, strict: bool = False) -> CheckResult:
    """``check``, raising ``ContentError`` (every problem listed) when it failed."""
    result = check(root, now)
    if result.failed(strict):
        problems = result.problems if strict else result.errors
        raise ContentError(problems or result.problems)
    return result
