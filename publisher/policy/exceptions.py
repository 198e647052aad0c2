"""R4 exceptions (first source): a message may claim a workflow exception only when it fits
it — a smaller group, a preapproved template, a reminder of an approved message."""

from __future__ import annotations

from ..content.model import Content, Message, Stage, WorkflowException
from ..content.roles import chain
from ..errors import Problem
from .base import finding, role_name
from .config import ExceptionSpec, ExceptionsRule, Policy
from .kinds import RuleRun, per_message, rule_kind
from .workflow import check_steps


def check(content: Content, policy: Policy, rule: ExceptionsRule, message: Message
          ) -> list[Problem]:
    wf = message.meta.workflow
    claimed = wf.exception
    if claimed is None or wf.stage is Stage.WITHDRAWN:
        return []
    spec = policy.file.exceptions.get(claimed)
    if spec is None:
        allowed = ", ".join(e.value for e in policy.file.exceptions) or "none"
        return [finding(message, rule, f"exception {claimed.value!r} is not in the policy "
                        f"(allowed: {allowed})", "follow the full workflow",
                        "workflow.exception")]
    problems: list[Problem] = []
    if spec.types and message.type not in spec.types:
        allowed = ", ".join(t.value for t in spec.types)
        problems.append(finding(
            message, rule, f"exception {claimed.value!r} does not apply to a {message.type.value}"
            f" (allowed: {allowed})", "remove the exception and follow the full workflow",
            "workflow.exception"))
    if spec.requires_smaller_audiences:
        broad = [a for a in message.meta.audiences or []
                 if a in content.audiences and not content.audiences[a].smaller_group]
        if broad or not message.meta.audiences:
            problems.append(finding(
                message, rule, f"'{claimed.value}' needs every audience to be a smaller group; "
                f"not: {', '.join(broad) or '(no audiences)'}",
                "remove the exception so the message gets the Comms Control review",
                "workflow.exception"))
    if claimed is WorkflowException.PREAPPROVED_TEMPLATE or spec.templates:
        if not wf.template:
            problems.append(finding(message, rule, f"'{claimed.value}' names no template",
                                    "set workflow.template", "workflow.exception"))
        elif spec.templates and wf.template not in spec.templates:
            problems.append(finding(
                message, rule, f"template {wf.template!r} is not preapproved (allowed: "
                f"{', '.join(spec.templates)})", "follow the full workflow", "workflow.template"))
    problems += _backing(content, rule, message, spec)
    if spec.requires_reminder_of:
        original = content.messages.get(wf.reminder_of or "")
        if original is None:
            problems.append(finding(
                message, rule, "a reminder must name the approved message it repeats "
                f"(reminder_of: {wf.reminder_of!r})", "set workflow.reminder_of",
                "workflow.reminder_of" if wf.reminder_of else "workflow"))
        elif not original.approved:
            problems.append(finding(
                message, rule, f"reminder of {original.id!r}, which is not approved",
                "approve the original first", "workflow.reminder_of"))
        # a changed text needs the director: that step is added by the workflow's plan and
        # checked with the other steps
    return problems


def _backing(content: Content, rule: ExceptionsRule, message: Message, spec: ExceptionSpec
             ) -> list[Problem]:
    """What must back the exception, as the policy declares it: the leader named, the change
    referenced."""
    wf = message.meta.workflow
    claimed = wf.exception.value if wf.exception else ""
    problems: list[Problem] = []
    if spec.on_behalf_of_roles:
        roles = spec.on_behalf_of_roles
        wanted = " or ".join(role_name(content, r) for r in roles)
        if not wf.on_behalf_of:
            problems.append(finding(
                message, rule, f"'{claimed}' names no leader it is sent for (needs "
                f"workflow.on_behalf_of: a person holding the role of {wanted})",
                "set workflow.on_behalf_of, or remove the exception and follow the full "
                "workflow", "workflow.exception"))
        elif not any(wf.on_behalf_of in chain(content, r) for r in roles):
            problems.append(finding(
                message, rule, f"'{claimed}': {wf.on_behalf_of} does not hold the role of "
                f"{wanted}", "name the leader the message is sent for, or follow the full "
                "workflow", "workflow.on_behalf_of"))
    if spec.requires_change_reference and not (wf.change_reference or "").strip():
        problems.append(finding(
            message, rule, f"'{claimed}' names no change (needs workflow.change_reference: "
            "the change record it is for)", "set workflow.change_reference, or follow the "
            "full workflow", "workflow.exception"))
    return problems


@rule_kind("exceptions")
@per_message
def _run(ctx: RuleRun, rule: ExceptionsRule, message: Message) -> list[Problem]:
    # An exception changes the workflow; the steps of the workflow it leads to are checked too.
    return (check(ctx.content, ctx.policy, rule, message)
            + check_steps(ctx.content, ctx.policy, rule, message, ctx.now))
