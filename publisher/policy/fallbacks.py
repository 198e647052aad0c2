"""R14: a message in progress names its next step and who must take it now (fallbacks applied)."""

from __future__ import annotations

from ..content.model import Message, Stage
from ..errors import Problem
from .base import finding, role_name
from .config import FallbacksRule
from .kinds import RuleRun, per_message, rule_kind
from .workflow import pending, steps_for


@rule_kind("fallbacks")
@per_message
def _run(ctx: RuleRun, rule: FallbacksRule, message: Message) -> list[Problem]:
    content = ctx.content
    stage = message.meta.workflow.stage
    if stage in (Stage.APPROVED, Stage.WITHDRAWN):
        return []
    # automatic steps (distribution) are the pipeline's, never anybody's next step
    automatic = {r.step for r in steps_for(content, ctx.policy, message) if r.automatic}
    todo = [p for p in pending(content, ctx.policy, message, ctx.now) if p.step not in automatic]
    if not todo:
        return []
    nxt = todo[0]
    role = role_name(content, nxt.role)
    due = f", due {content.local(nxt.due):%Y-%m-%d %H:%M}" if nxt.due else ""
    late = " (overdue)" if nxt.overdue else ""
    if nxt.person is None:
        return [finding(message, rule, f"next step {nxt.step!r}{due}{late}: nobody in the "
                        f"{role}'s fallback chain is available", f"name a stand-in for the "
                        f"{role}", "workflow.stage", severity=rule.nobody_severity)]
    return [finding(message, rule, f"{stage.value}: next step {nxt.step!r}{due}{late}",
                    f"needs {nxt.step} by the {role}; first available: {nxt.person}",
                    "workflow.stage")]
