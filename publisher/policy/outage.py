"""R6 acknowledgment, R7 extension, R8 all-clear (first source: "urgent, unplanned messages"
and "all-clear, updates, and outage extensions").

Findings about a thread that is still open are warnings by default (time can still fix
them; an error would block the very build that publishes the fix); findings about a thread
that has ended are the rule's severity.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..content.model import (
    ComponentStatus,
    Content,
    Message,
    MessageType,
    Stage,
    Thread,
    ThreadKind,
)
from ..errors import Problem
from ..status import thread_state
from .base import finding, is_closed, services_of, who_text
from .config import AcknowledgmentRule, AllClearRule, ExtensionRule
from .kinds import RuleRun, per_thread, rule_kind


def _impact_start(thread: Thread, impacts: list[ComponentStatus]) -> datetime | None:
    for message in thread.messages:
        if any(s in impacts for s in message.meta.services.values()):
            window = message.meta.window
            return (window.start if window and window.start else None) or message.send_at
    return None


def _live(thread: Thread) -> list[Message]:
    return [m for m in thread.messages if m.meta.workflow.stage is not Stage.WITHDRAWN]


def acknowledgment(content: Content, rule: AcknowledgmentRule, thread: Thread, now: datetime
                   ) -> list[Problem]:
    """R6: an outage or degradation lasting more than N minutes is acknowledged in the thread
    by a broadcast message (on one of the acknowledgment channels)."""
    if thread.kind is not ThreadKind.INCIDENT:
        return []
    start = _impact_start(thread, rule.impacts)
    if start is None:
        return []
    state = thread_state(thread, now)
    end = state.end if state is not None and state.end else now
    if end - start <= timedelta(minutes=rule.after_minutes):
        return []
    channels = set(rule.channels)
    acks = [m for m in _live(thread) if m.approved and m.send_at is not None
            and channels & set(m.meta.channels or [])]
    first = thread.first
    open_ = state is None or state.open
    if acks:
        left_out = _left_out(content, rule, thread, acks)
        if not left_out:
            return []
        names = ", ".join(content.audiences[a].name if a in content.audiences else a
                          for a in left_out)
        whole = " + ".join("/".join(c.value for c in group) for group in rule.reach_all)
        return [finding(
            first, rule,
            f"the acknowledgment does not reach the affected community: left out: {names} "
            f"(reach everyone with {whole or 'a public channel'}, or send directly to every "
            "audience that uses the affected services)",
            f"add {', '.join(left_out)} to the acknowledgment's audiences, or post it on "
            f"{whole or 'the status site'}: "
            + who_text(content, rule.responsible_role, now, services_of(first)),
            "audiences", severity=rule.open_severity if open_ else rule.severity, duty=True)]
    shown = ", ".join(c.value for c in rule.channels)
    return [finding(
        first, rule,
        f"the outage has lasted more than {rule.after_minutes:g} minutes and no approved "
        f"message in the thread acknowledges it on a broadcast channel ({shown})",
        "send an acknowledgment now: "
        + who_text(content, rule.responsible_role, now, services_of(first)),
        "channels", severity=rule.open_severity if open_ else rule.severity, duty=True)]


def _left_out(content: Content, rule: AcknowledgmentRule, thread: Thread,
              acks: list[Message]) -> list[str]:
    """Audiences that use the affected services and no acknowledgment reaches ([] when one
    goes on every channel of a ``reach_all`` group, e.g. the status site plus the banner)."""
    if not rule.reach_all and not rule.direct_channels:
        return []  # this organisation counts any acknowledgment channel as reaching everyone
    for message in acks:
        channels = set(message.meta.channels or [])
        if any(set(group) <= channels for group in rule.reach_all):
            return []
    needed: list[str] = []
    for service_id in {s for m in thread.messages for s in m.meta.services}:
        service = content.services.get(service_id)
        users = (service.audiences if service is not None and service.audiences
                 else rule.everyone_audiences)
        needed += [a for a in users if a not in needed]
    direct = set(rule.direct_channels)
    reached = {a for m in acks if direct & set(m.meta.channels or [])
               for a in m.meta.audiences or []}
    return sorted(a for a in needed if a not in reached)


def _expected_end(thread: Thread, rule: ExtensionRule, until: datetime) -> datetime | None:
    """The expected end in force: the first message's, moved only by extension messages."""
    expected: datetime | None = None
    for message in _live(thread):
        window = message.meta.window
        if window is None or window.expected_end is None:
            continue
        moves = (message.type in rule.extension_types and message.approved
                 and message.send_at is not None and message.send_at <= until)
        if expected is None or moves:
            expected = window.expected_end
    return expected


def extension(content: Content, rule: ExtensionRule, thread: Thread, now: datetime
              ) -> list[Problem]:
    """R7: an outage running N minutes or more past its expected end needs an extension."""
    if thread.kind is not ThreadKind.INCIDENT:
        return []
    state = thread_state(thread, now)
    if state is None:
        return []
    until = state.end or now
    expected = _expected_end(thread, rule, until)
    if expected is None or until - expected < timedelta(minutes=rule.after_minutes):
        return []
    latest = state.latest
    services = services_of(latest)
    approvers = " or ".join(
        who_text(content, r, now, services) for r in rule.approver_roles)
    severity = rule.open_severity if state.open else rule.severity
    return [finding(
        latest if state.open else state.latest, rule,
        f"{'has run' if state.open else 'ran'} {int((until - expected).total_seconds() // 60)} "
        f"minutes past its expected end ({content.local(expected):%Y-%m-%d %H:%M}) "
        f"without an extension message",
        f"send an extension with a new expected end: drafted by "
        f"{who_text(content, rule.responsible_role, now, services)}; approved by {approvers}",
        "window.expected_end", severity=severity, duty=True)]


def all_clear(content: Content, rule: AllClearRule, thread: Thread, now: datetime
              ) -> list[Problem]:
    """R8: a thread that sent an outage notice ends with an all-clear; an open thread past
    its expected end with no extension is flagged."""
    if thread.first.type not in rule.thread_types:
        return []
    state = thread_state(thread, now)
    if state is None:
        return []
    published = list(state.published)
    services = services_of(state.latest)
    if any(m.type is rule.all_clear_type for m in published):
        return []
    closing = next((m for m in published if is_closed(m)), None)
    if closing is not None:
        if closing.meta.status is not None and closing.meta.status.value == "cancelled":
            return []
        said = closing.meta.status.value if closing.meta.status else "closed"
        return [finding(
            closing, rule, f"the thread was closed ({said}) by a message that is not an "
            "all-clear",
            f"make the closing message type {rule.all_clear_type.value}: "
            f"{who_text(content, rule.responsible_role, now, services)}", "type")]
    expected = state.expected_end
    if expected is not None and now > expected:
        scheduled = any(m.type is rule.all_clear_type and m.approved
                        for m in thread.messages)
        if scheduled:
            return []
        extended = any(m.type is MessageType.EXTENSION for m in published)
        what = "extension" if not extended else "further extension"
        return [finding(
            state.latest, rule,
            f"past its expected end ({content.local(expected):%Y-%m-%d %H:%M}) with no "
            f"all-clear and no {what}",
            "send the all-clear (or an extension): "
            + who_text(content, rule.responsible_role, now, services),
            "window.expected_end", severity=rule.open_severity, duty=True)]
    return []


@rule_kind("acknowledgment")
@per_thread
def _acknowledgment(ctx: RuleRun, rule: AcknowledgmentRule, thread: Thread) -> list[Problem]:
    return acknowledgment(ctx.content, rule, thread, ctx.now)


@rule_kind("extension")
@per_thread
def _extension(ctx: RuleRun, rule: ExtensionRule, thread: Thread) -> list[Problem]:
    return extension(ctx.content, rule, thread, ctx.now)


@rule_kind("all-clear")
@per_thread
def _all_clear(ctx: RuleRun, rule: AllClearRule, thread: Thread) -> list[Problem]:
    return all_clear(ctx.content, rule, thread, ctx.now)
