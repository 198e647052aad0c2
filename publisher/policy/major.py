"""R10 major incidents (second source: "Communications during an IT Major Incident").

Declaring one needs at least one of the criteria; every update is FAQ-style with the required
sections; after resolution a post-incident review follows; the audiences come from the
affected service area, and the RACI matrix names who is Responsible for cascading to each.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..content.model import Content, Message, MessageType, Thread
from ..errors import Problem
from ..status import thread_state
from .base import CascadeRow, finding, role_name, services_of, who, who_text
from .config import MajorIncidentRule, Policy
from .kinds import RuleRun, per_thread, rule_kind


def _area(content: Content, message: Message) -> str | None:
    mi = message.meta.major_incident
    if mi is not None and mi.service_area:
        return mi.service_area
    for service_id in message.meta.services:
        service = content.services.get(service_id)
        if service is not None:
            return service.area
    return None


def _section(message: Message, name: str) -> object:
    mi = message.meta.major_incident
    if mi is None:
        return None
    value = getattr(mi.faq, name, None)
    if value is None and name == "reader_action":
        value = mi.reader_action
    if value is None and name == "next_update":
        value = mi.next_update_at
    return value


def check_thread(content: Content, rule: MajorIncidentRule, thread: Thread, now: datetime
                 ) -> list[Problem]:
    if thread.first.type is not MessageType.MAJOR_INCIDENT:
        return []
    problems: list[Problem] = []
    first = thread.first
    mi = first.meta.major_incident
    criteria = list(mi.criteria) if mi else []
    unknown = [c for c in criteria if c not in rule.criteria]
    if len([c for c in criteria if c in rule.criteria]) < rule.min_criteria or unknown:
        allowed = "; ".join(f"{k}: {v}" for k, v in rule.criteria.items())
        problems.append(finding(
            first, rule, f"a major incident is declared on at least {rule.min_criteria} "
            f"criterion (allowed: {allowed})" + (f"; unknown: {', '.join(unknown)}" if unknown
                                                 else ""),
            "set major_incident.criteria, or declare an unplanned outage instead",
            "major_incident.criteria" if mi else "type"))
    for message in thread.messages:
        # The declaration may be a high-level notice (faq_from: first-update): the FAQ-style
        # sections are asked of the updates that follow it.
        high_level = message is first and rule.faq_from == "first-update"
        if (message.type in rule.update_types and not high_level
                and message.meta.workflow.stage.value != "withdrawn"):
            missing = [s for s in rule.faq_sections if not _section(message, s)]
            if missing:
                problems.append(finding(
                    message, rule, f"a major-incident update is FAQ-style; missing section(s): "
                    f"{', '.join(missing)}",
                    f"add major_incident.faq.{missing[0]}: written by "
                    f"{who_text(content, rule.responsible_role, now, services_of(message))}",
                    "major_incident.faq" if message.meta.major_incident else "type"))
        if message.type is rule.review_type:
            missing = [s for s in rule.review_sections if not _section(message, s)]
            if missing:
                problems.append(finding(
                    message, rule, f"a post-incident review needs: {', '.join(missing)}",
                    f"add major_incident.faq.{missing[0]}", "major_incident.faq"))
        # Whenever the message is in scope, before and after its send time (a check that
        # went silent a minute after send_at never fired in practice).
        if (message.meta.workflow.stage.value != "withdrawn"
                and message.type in rule.update_types):
            problems += _audience_gaps(content, rule, message)
    problems += _review_due(content, rule, thread, now)
    return problems


def _audience_gaps(content: Content, rule: MajorIncidentRule, message: Message
                   ) -> list[Problem]:
    area = _area(content, message)
    wanted = rule.areas.get(area or "", [])
    if not message.wrote("audiences") and message is not content.threads[
            message.thread_id].first:
        return []  # inherited audiences are reported once, on the message that set them
    have = set(message.meta.audiences or [])
    notes = (message.meta.internal_notes or "").lower()
    missing = [a for a in wanted if a not in have and a not in notes
               and (a not in content.audiences or content.audiences[a].name.lower() not in notes)]
    if not missing:
        return []
    names = ", ".join(content.audiences[a].name for a in missing if a in content.audiences)
    return [finding(message, rule, f"the audiences for a {area} incident include {names}",
                    f"add {', '.join(missing)} to audiences, or say in internal_notes why not",
                    "audiences", severity="warning")]


def _review_due(content: Content, rule: MajorIncidentRule, thread: Thread, now: datetime
                ) -> list[Problem]:
    state = thread_state(thread, now)
    if state is None or state.open or state.end is None:
        return []
    if any(m.type is rule.review_type and m.meta.workflow.stage.value != "withdrawn"
           for m in thread.messages):
        return []
    due = state.end + timedelta(days=rule.review_within_days)
    services = services_of(state.latest)
    late = now > due
    return [finding(
        state.latest, rule,
        f"resolved without a post-incident review (due by {content.local(due):%Y-%m-%d})"
        + (": overdue" if late else ""),
        f"write the review (lessons learnt, mitigations now in place): "
        f"{who_text(content, rule.responsible_role, now, services)}",
        "type", severity=rule.severity if late else "warning", duty=True)]


def cascade_plan(content: Content, policy: Policy, message: Message, now: datetime
                 ) -> list[CascadeRow]:
    """Audiences from the affected service area (plus the message's own), each with the role
    Responsible for cascading to it and its first available person at the send time."""
    rules = policy.rule("major-incident")
    if not rules:
        return []
    rule: MajorIncidentRule = rules[0]
    if content.threads[message.thread_id].first.type is not MessageType.MAJOR_INCIDENT:
        return []
    area = _area(content, message)
    ordered: list[str] = []
    for audience in [*rule.areas.get(area or "", []), *(message.meta.audiences or [])]:
        if audience not in ordered and audience in content.audiences:
            ordered.append(audience)
    at = message.send_at or now
    rows = []
    for audience_id in ordered:
        responsible = rule.raci.get(audience_id, [rule.default_responsible])
        role = responsible[0] if responsible else None
        _, name = who(content, role, at, services_of(message))
        rows.append(CascadeRow(audience_id, content.audiences[audience_id].name, role, name,
                               role_name(content, role) if role else ""))
    return rows


@rule_kind("major-incident")
@per_thread
def _run(ctx: RuleRun, rule: MajorIncidentRule, thread: Thread) -> list[Problem]:
    return check_thread(ctx.content, rule, thread, ctx.now)
