"""The pipeline's front half, shared by every command and the mkdocs plugin: load, then policy.

``check`` is what ``publisher check`` runs and what every build and send runs first. One bad
message holds only itself: a message with an error of its own is *held* (marked on the
message, so every output and every send leaves it out) while the rest publishes. Only errors
that are not about one message (organisation, services, audiences, people or policy files)
make the whole content unpublishable (``CheckResult.blocking``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import policy
from .cache import cache_root
from .content.load import load_content
from .content.memory import SettledMemory
from .content.model import Content, Message
from .errors import ContentError, Findings, Problem, Severity, relpath
from .text import markup
from .text.headers import header_problems
from .text.recipients import recipient_problems
from .text.snippets import snippet_problems


@dataclass(frozen=True)
class CheckResult(Findings):
    content: Content | None
    problems: list[Problem]
    held: dict[str, list[Problem]] = field(default_factory=dict)
    """Message id (or, for a file that did not load, its path) → the errors holding it."""

    @property
    def loaded(self) -> bool:
        return self.content is not None

    def blocked(self, message_id: str) -> list[Problem]:
        """The errors that stop one message from being distributed (it is held)."""
        return self.held.get(message_id, [])

    @property
    def blocking(self) -> list[Problem]:
        """Errors that make the whole site meaningless: nothing may be built or sent."""
        held = {id(p) for problems in self.held.values() for p in problems}
        return [p for p in self.errors if id(p) not in held and not p.duty]

    def unpublishable(self) -> bool:
        """Whether nothing at all may be published (build and send refuse outright)."""
        return self.content is None or bool(self.blocking)


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

    What was loaded is then frozen (``gc.freeze``): the collector no longer walks it when it
    runs during the rest of the build, where it still cost a second of a warm build at
    15,000 messages. The next load unfreezes it first, so a long-lived ``mkdocs serve``
    still frees what earlier rebuilds left behind.
    """
    enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def check(root: Path, now: datetime, skip_settled: bool = False) -> CheckResult:
    """Load ``root`` and run the policy over it; every problem of both, sorted by place.

    With ``skip_settled`` (``publisher check``: only the problems and the count matter),
    threads that settled without problems in an earlier run are not even read; every other
    caller gets the whole content."""
    cache = cache_root(root)
    markup.attach(cache / "html" if cache else None)  # reuse earlier runs' conversions
    memory = SettledMemory(root)
    with collector_paused():
        content, problems = load_content(root, memory, now if skip_settled else None)
        if content is not None and content.unread and requires_provenance(content):
            content, problems = load_content(root, memory)  # git verifies every approval
        if content is not None:
            problems = problems + policy.evaluate(content, now, memory)
            problems += snippet_problems(content)  # sms:/social: overrides that are too long
            problems += header_problems(content)  # no line break in any email header value
            problems += recipient_problems(content)  # recipients CSVs: inside, strict
            problems += provenance_problems(content)  # when verified approvals are required
            remember_settled(content, problems, memory, now)
    markup.save()
    problems = sorted(problems)
    return CheckResult(content, problems, hold(root, content, problems))


def requires_provenance(content: Content) -> bool:
    """Whether policy.yml asks for every approval to be verified in git (as the policy
    itself reads it: ``provenance.Settings``)."""
    from .policy.provenance import Settings  # imported only when needed, as above

    return Settings.of(content).require_verified_approvals


def remember_settled(content: Content, problems: list[Problem], memory: SettledMemory,
                     now: datetime) -> None:
    """Record every settled thread that has no problem at all, for later runs to skip.

    A thread with a reminder of a message in another thread is never recorded: its findings
    also depend on that message."""
    if not memory.enabled:
        return
    wait = policy.horizon(content.policy_source)
    noted = {p.message_id for p in problems} | {p.path for p in problems}
    for thread in content.threads.values():
        ids = {m.id for m in thread.messages}
        if any(m.id in noted or m.source in noted
               or (m.meta.workflow.reminder_of or m.id) not in ids for m in thread.messages):
            continue
        key = policy.thread_key(memory, thread)
        since = policy.settled_from(thread, wait)
        if since is not None and now >= since and not memory.known(key, now):
            memory.remember(key, since)
    memory.save()


def hold(root: Path, content: Content | None, problems: list[Problem]
         ) -> dict[str, list[Problem]]:
    """Mark every message with an error of its own as held; returns what is held and why.

    A message file that did not even load is held by its path. A follow-up whose thread's
    opening message is held is held too: it would continue a thread nobody has seen.
    """
    messages_dir = relpath(root / "messages") + "/"
    held: dict[str, list[Problem]] = {}
    for problem in problems:
        if not problem.is_error or problem.duty:
            continue
        if problem.message_id and content is not None and problem.message_id in content.messages:
            held.setdefault(problem.message_id, []).append(problem)
        elif problem.path.startswith(messages_dir):
            held.setdefault(problem.message_id or problem.path, []).append(problem)
    if content is None:
        return held
    for thread in content.threads.values():
        opener = thread.first.id
        for message in thread.messages:
            if opener in held and message.id not in held and message.approved:
                held[message.id] = [_follows_held(message, opener)]
            message.held = message.id in held  # set afresh: content may be reused
    return held


def _follows_held(message: Message, opener: str) -> Problem:
    return Problem(message.source, 1, "thread", f"held because the message that opens its "
                   f"thread ({opener}) is held", Severity.ERROR, "held",
                   "fix the opening message; this one publishes with it",
                   message_id=message.id)


def load_checked(root: Path, now: datetime, strict: bool = False) -> CheckResult:
    """``check``, raising ``ContentError`` when nothing may be published (or, with ``strict``,
    on any error or warning); held messages are simply left out of every output."""
    result = check(root, now)
    if strict and result.failed(strict):
        raise ContentError(result.problems)
    if result.unpublishable():
        raise ContentError(result.errors or result.problems)
    return result
