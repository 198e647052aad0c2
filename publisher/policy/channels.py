"""R11 email down (second source) and R12 channel matrix (third source, Appendix A)."""

from __future__ import annotations

from ..content.model import Channel, Content, Message, Stage
from ..errors import Problem
from .base import finding, is_closed
from .config import ChannelMatrixRule, EmailDownRule, MatrixCategory
from .kinds import RuleRun, per_message, rule_kind


def email_down(message: Message, rule: EmailDownRule) -> bool:
    return any(message.meta.services.get(s) in rule.down_statuses for s in rule.services)


def check_email_down(content: Content, rule: EmailDownRule, message: Message) -> list[Problem]:
    """When email itself is affected, email is no channel; the alternatives are required."""
    del content
    if (message.meta.workflow.stage is Stage.WITHDRAWN or not email_down(message, rule)
            or is_closed(message)):
        return []  # an all-clear goes out once email is back
    channels = set(message.meta.channels or [])
    problems: list[Problem] = []
    refused = [c.value for c in rule.refused if c in channels]
    if refused:
        problems.append(finding(
            message, rule, f"the email service is down, so {', '.join(refused)} cannot reach "
            "anyone", f"remove {', '.join(refused)} from channels", "channels"))
    missing = [c.value for c in rule.required if c not in channels]
    if missing:
        problems.append(finding(
            message, rule, f"the email service is down: the policy requires the alternatives "
            f"{', '.join(c.value for c in rule.required)}; missing: {', '.join(missing)}",
            f"add {', '.join(missing)} to channels (and sms:/social: wording)", "channels"))
    return problems


def broad(message: Message, rule: ChannelMatrixRule) -> bool:
    return bool(set(message.meta.audiences or []) & set(rule.broad_audiences))


def category(content: Content, rule: ChannelMatrixRule, message: Message
             ) -> MatrixCategory | None:
    """The first matrix row whose conditions all hold for the message."""
    kind = content.threads[message.thread_id].kind
    reach = "broad" if broad(message, rule) else "specific"
    for row in rule.categories:
        if row.thread_kinds and kind not in row.thread_kinds:
            continue
        if row.opened_by and content.threads[message.thread_id].first.type not in row.opened_by:
            continue
        if row.types and message.type not in row.types:
            continue
        if row.tags and not set(row.tags) & set(message.meta.categories):
            continue
        if row.reach != "any" and row.reach != reach:
            continue
        return row
    return None


def _justified(content: Content, message: Message) -> bool:
    """A justification given by this message or an earlier one in its thread."""
    for other in content.threads[message.thread_id].messages:
        if other.meta.workflow.justification:
            return True
        if other is message:
            break
    return False


def check_matrix(content: Content, rule: ChannelMatrixRule, message: Message,
                 exempt: set[Channel]) -> list[Problem]:
    """Each channel is appropriate, needs a written justification, or is refused for the
    message's category. ``exempt`` channels are required by another rule (email down)."""
    if message.meta.workflow.stage is Stage.WITHDRAWN:
        return []
    row = category(content, rule, message)
    if row is None:
        return []
    problems: list[Problem] = []
    for channel in message.meta.channels or []:
        if channel in exempt:
            continue
        verdict = row.channels.get(channel, rule.unlisted)
        where = f"{channel.value!r} for {row.label.lower()}"
        if verdict == "refused":
            allowed = ", ".join(c.value for c, v in row.channels.items() if v != "refused")
            problems.append(finding(
                message, rule, f"the channel matrix does not allow {where} "
                f"(allowed: {allowed})", f"remove {channel.value} from channels", "channels"))
        elif verdict == "justify" and not _justified(content, message):
            problems.append(finding(
                message, rule, f"{where} needs a written justification",
                "write workflow.justification (why this channel suits this message), "
                f"or remove {channel.value}", "channels"))
    return problems


@rule_kind("email-down")
@per_message
def _email_down(ctx: RuleRun, rule: EmailDownRule, message: Message) -> list[Problem]:
    return check_email_down(ctx.content, rule, message)


@rule_kind("channel-matrix")
@per_message
def _matrix(ctx: RuleRun, rule: ChannelMatrixRule, message: Message) -> list[Problem]:
    # Channels the email-down rule requires are never refused by the matrix.
    exempt: set[Channel] = set()
    for other in ctx.policy.rules:
        if isinstance(other, EmailDownRule) and email_down(message, other):
            exempt |= set(other.required)
    return check_matrix(ctx.content, rule, message, exempt)
