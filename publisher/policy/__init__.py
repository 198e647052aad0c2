"""Policy: the team's communications governance, as data (``content/policy.yml``).

``evaluate`` runs every rule the policy file configures and returns its findings as
``Problem`` records (rule id, severity, next action and who must take it). The other
functions answer the questions the pipeline, the mail sender and the tools ask: which steps a
message must follow, which are pending and who must take them, who may perform a step, and
who cascades a major-incident message to which audience.

Rule kinds live one family a module: ``leadtime`` (R1, R2), ``workflow`` (R3, R5),
``exceptions`` (R4), ``outage`` (R6–R8), ``approvers`` (R9), ``major`` (R10), ``channels``
(R11, R12), ``audience`` (R13), ``fallbacks`` (R14). Each registers its kinds in
``kinds.KINDS``; ``evaluate`` runs the registered function of every rule's kind.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..content.memory import SettledMemory
from ..content.model import Content, Message, Thread
from ..errors import ContentError, Problem, Severity
from ..forked import Child, ForkError, can_fork, stopped_on_failure
from . import (
    approvers,
    audience,
    channels,
    exceptions,
    fallbacks,
    leadtime,
    major,
    outage,
    workflow,
)
from .base import CascadeRow, PendingStep, StepRequirement
from .config import Policy, json_schema
from .config import load as _load
from .kinds import KINDS, RuleRun
from .settled import horizon, settled_from

RULE_MODULES = (approvers, audience, channels, exceptions, fallbacks, leadtime, major, outage,
                workflow)
"""Each registers its rule kinds in ``kinds.KINDS`` when imported."""

__all__ = [
    "CascadeRow", "PendingStep", "Policy", "StepRequirement", "can_perform", "cascade_plan",
    "evaluate", "horizon", "json_schema", "load_policy", "pending", "settled_from", "steps_for",
    "thread_key",
]


def load_policy(content: Content) -> Policy:
    """The validated policy of ``content`` (no policy file: a policy that runs no rules).

    Raises ``ContentError`` listing every problem, each ``policy.yml:line: field: …``.
    """
    return _load(content)


def steps_for(content: Content, policy: Policy, message: Message) -> list[StepRequirement]:
    """The ordered workflow ``message`` must follow, exceptions applied."""
    return workflow.steps_for(content, policy, message)


def pending(content: Content, policy: Policy, message: Message, now: datetime
            ) -> list[PendingStep]:
    """Steps still to do, each naming the first available person in its role's chain."""
    return workflow.pending(content, policy, message, now)


def can_perform(content: Content, policy: Policy, person_id: str, step: str,
                message: Message, at: datetime) -> tuple[bool, str]:
    """(allowed, reason when not): may ``person_id`` do ``step`` for ``message`` at ``at``?"""
    return approvers.can_perform(content, policy, person_id, step, message, at)


def cascade_plan(content: Content, policy: Policy, message: Message, now: datetime
                 ) -> list[CascadeRow]:
    """R10: audiences from the affected service area and who cascades to each (RACI)."""
    return major.cascade_plan(content, policy, message, now)


def evaluate(content: Content, now: datetime, memory: SettledMemory | None = None
             ) -> list[Problem]:
    """Every policy finding for ``content`` at ``now`` (a bad policy file: its problems).

    Threads ``memory`` knows settled without problems by ``now`` are skipped."""
    try:
        policy = load_policy(content)
    except ContentError as exc:
        return list(exc.problems)
    token = workflow.MEMO.set({})
    try:
        return _evaluate(content, policy, now, memory)
    finally:
        workflow.MEMO.reset(token)


FORK_AT = 400
"""Threads to evaluate before half of them go to a second process: below it, forking and
the copy-on-write it causes cost more than the rules of the share it takes."""


def _evaluate(content: Content, policy: Policy, now: datetime, memory: SettledMemory | None
              ) -> list[Problem]:
    """Every rule over each thread in turn: every rule kind looks at one message or one
    thread, so a thread settled without problems in an earlier run can be skipped, and the
    threads can be shared between two processes (``forked``): a child takes the first half
    while this process takes the rest, and the findings come out in the same order."""
    threads = [thread for thread in content.threads.values()
               if memory is None or not memory.known(thread_key(memory, thread), now)]
    share = len(threads) // 2 if len(threads) >= FORK_AT and can_fork() else 0
    child = Child.start(lambda: _rules(content, policy, now, threads[:share]),
                        "publisher-policy", "the policy worker") if share else None
    with stopped_on_failure(child):
        problems = _rules(content, policy, now, threads[share if child else 0:])
    if child is not None:
        try:
            problems = child.result() + problems
        except ForkError:  # killed, say: its share is done here instead
            problems = _rules(content, policy, now, threads[:share]) + problems
    return [_in_progress(content, p) for p in problems]


def _rules(content: Content, policy: Policy, now: datetime, threads: list[Thread]
           ) -> list[Problem]:
    problems: list[Problem] = []
    for thread in threads:
        run = RuleRun(content, policy, now, thread.messages, [thread])
        problems += [p for rule in policy.rules for p in KINDS[rule.kind](run, rule)]
    return problems


def thread_key(memory: SettledMemory, thread: Thread) -> str:
    """The memory's key for a thread: its message files."""
    return memory.key(m.fingerprint for m in thread.messages)


def _in_progress(content: Content, problem: Problem) -> Problem:
    """An error on a message not yet approved is a warning: nothing of it is published, and
    the build that publishes everything else must not stop; it still blocks its approval."""
    message = content.messages.get(problem.message_id)
    if message is None or not problem.is_error or message.approved:
        return problem
    return replace(problem, severity=Severity.WARNING,
                   action=(problem.action + " (must be fixed before approval)").lstrip())
