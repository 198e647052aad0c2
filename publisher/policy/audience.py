"""R13 audience fit (third source: "we will communicate messages only to the audience(s)
they apply to")."""

from __future__ import annotations

from ..content.model import Content, Message, Stage
from ..errors import Problem
from .base import finding
from .config import AudienceFitRule
from .kinds import RuleRun, per_message, rule_kind


def check(content: Content, rule: AudienceFitRule, message: Message) -> list[Problem]:
    """Warn when a message goes to an audience that uses none of the services it concerns."""
    if message.meta.workflow.stage is Stage.WITHDRAWN or not message.meta.services:
        return []
    users: set[str] = set()
    for service_id in message.meta.services:
        service = content.services.get(service_id)
        if service is None or not service.audiences:
            return []  # a service everyone uses: every audience fits
        users |= set(service.audiences)
    extra = [a for a in message.meta.audiences or []
             if a not in users and a not in rule.always_fit]
    if not extra:
        return []
    names = ", ".join(content.audiences[a].name if a in content.audiences else a for a in extra)
    services = ", ".join(content.services[s].name for s in message.meta.services)
    used_by = ", ".join(sorted(users))
    return [finding(
        message, rule, f"{names} do(es) not use {services} (used by: {used_by})",
        f"send only to the audiences it applies to: replace {', '.join(extra)}", "audiences")]


@rule_kind("audience-fit")
@per_message
def _run(ctx: RuleRun, rule: AudienceFitRule, message: Message) -> list[Problem]:
    return check(ctx.content, rule, message)
