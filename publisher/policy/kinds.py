"""The registry of rule kinds: each ``kind:`` in policy.yml names one function registered here.

A rule kind is code; a rule is data (its numbers, roles and channels in policy.yml). Each kind
module registers its entry point with ``@rule_kind("name")``, the way renderers register their
producers, so adding a kind means adding a module, not another branch in ``evaluate``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..content.model import Content, Message, Thread
from ..errors import Problem
from .config import Policy


@dataclass(frozen=True)
class RuleRun:
    """What every rule kind is evaluated against: one content, one policy, one instant."""

    content: Content
    policy: Policy
    now: datetime
    messages: list[Message] = field(default_factory=list)
    threads: list[Thread] = field(default_factory=list)


RuleKind = Callable[[RuleRun, Any], list[Problem]]
KINDS: dict[str, RuleKind] = {}


def rule_kind(name: str) -> Callable[[RuleKind], RuleKind]:
    """Register the function that evaluates every rule of kind ``name``."""

    def register(func: RuleKind) -> RuleKind:
        if name in KINDS:
            raise ValueError(f"rule kind {name!r} registered twice")
        KINDS[name] = func
        return func

    return register


def per_message(check: Callable[[RuleRun, Any, Message], list[Problem]]) -> RuleKind:
    """A kind whose check looks at one message at a time."""

    def run(ctx: RuleRun, rule: Any) -> list[Problem]:
        return [p for m in ctx.messages for p in check(ctx, rule, m)]

    return run


def per_thread(check: Callable[[RuleRun, Any, Thread], list[Problem]]) -> RuleKind:
    """A kind whose check looks at one thread at a time."""

    def run(ctx: RuleRun, rule: Any) -> list[Problem]:
        return [p for t in ctx.threads for p in check(ctx, rule, t)]

    return run
