"""``content/policy.yml``: the governance as data, validated with precise ``path:line`` errors.

The file names rule kinds and their numbers, roles, step lists, matrices and exceptions; the
code in this package implements each kind. Another organisation changes the file, not the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..content.model import (
    Channel,
    ComponentStatus,
    Content,
    MessageType,
    ThreadKind,
    WorkflowException,
)
from ..content.yamlsource import line_map
from ..errors import ContentError, Problem, Severity, relpath

SeverityName = Literal["error", "warning"]
Verdict = Literal["appropriate", "justify", "refused"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --------------------------------------------------------------------------- workflows


class StepSpec(Strict):
    """One step of a workflow and the role responsible for it."""

    step: str
    role: str | None = None
    also: list[str] = []
    """Other roles that may perform the step (an extension: director or service manager)."""
    label: str = ""
    approval: bool = False
    """An approval: who performed it is checked against the role (R9)."""
    automatic: bool = False
    """Done by the pipeline itself at ``send_at`` (distribution): never recorded by hand."""
    out_of_hours_role: str | None = None
    """Outside business hours this role takes the step instead (R5: the director evaluates)."""


class WorkflowSpec(Strict):
    label: str
    source: str = ""
    types: list[MessageType] = []
    """Message types that follow this workflow (when no exception applies)."""
    in_threads_of: list[MessageType] = []
    """Only in threads opened by one of these types (e.g. major-incident updates)."""
    steps: list[StepSpec]


class ExceptionSpec(Strict):
    """A workflow exception a message may claim with ``workflow.exception``."""

    label: str = ""
    workflow: str | None = None
    """Replace the message's workflow with this one."""
    skip: list[str] = []
    """Or keep the workflow and skip these steps."""
    unless_director_requests: bool = False
    """The skip does not apply when ``director_requested_review`` is true."""
    types: list[MessageType] = []
    """Message types that may claim the exception (empty: any)."""
    requires_smaller_audiences: bool = False
    """Every audience must be marked ``smaller_group`` in audiences.yml."""
    templates: list[str] = []
    """Preapproved templates (empty: any named template)."""
    requires_reminder_of: bool = False
    on_behalf_of_roles: list[str] = []
    """Backing: ``workflow.on_behalf_of`` must name a person holding one of these roles (the
    leader a VIP message is sent for)."""
    requires_change_reference: bool = False
    """Backing: ``workflow.change_reference`` names the change (emergency change)."""
    changed_body_step: StepSpec | None = None
    """A reminder whose text differs from the approved original needs this step too."""


# --------------------------------------------------------------------------- rule kinds


class RuleBase(Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9-]*$")
    severity: SeverityName = "error"
    title: str = ""
    source: str = ""
    enabled: bool = True


class LeadTimeRule(RuleBase):
    kind: Literal["lead-time"]
    types: list[MessageType]
    measure_to: Literal["first-send", "window-start"] = "first-send"
    min_days: float = Field(ge=0)
    max_days: float | None = None
    early_severity: SeverityName = "warning"
    exempt_exceptions: list[WorkflowException] = []
    notify_role: str


class WorkflowRule(RuleBase):
    kind: Literal["workflow"]
    workflows: list[str]


class ExceptionsRule(RuleBase):
    kind: Literal["exceptions"]
    workflows: list[str] = []


class ApproversRule(RuleBase):
    kind: Literal["approvers"]
    security_roles: list[str] = []
    representative_exempt_roles: list[str] = []
    """Messages on behalf of a holder of one of these roles skip the representative."""
    representative_types: list[MessageType] = []
    """Message types that need a sub-community representative's approval (empty: all)."""
    missing_digest: SeverityName = "warning"
    """An approved message whose approval records no digest of its text (older approvals)."""


class AcknowledgmentRule(RuleBase):
    kind: Literal["acknowledgment"]
    after_minutes: float = Field(gt=0)
    impacts: list[ComponentStatus]
    channels: list[Channel]
    open_severity: SeverityName = "warning"
    responsible_role: str
    reach_all: list[list[Channel]] = []
    """Channel groups that reach the whole community when one message uses all of a group
    (e.g. the status site plus the banner)."""
    direct_channels: list[Channel] = []
    """Channels that reach only the message's audiences (email, SMS, Teams): then every
    audience using an affected service must be among them. Both lists empty: any
    acknowledgment channel counts as reaching everyone."""
    everyone_audiences: list[str] = []
    """Who uses a service whose ``audiences`` in services.yml is empty (everyone)."""


class ExtensionRule(RuleBase):
    kind: Literal["extension"]
    after_minutes: float = Field(gt=0)
    extension_types: list[MessageType] = [MessageType.EXTENSION]
    """Messages that may move the expected end later (an update that says "until 17:00"
    extends as much as a message typed extension)."""
    open_severity: SeverityName = "warning"
    approver_roles: list[str]
    responsible_role: str


class AllClearRule(RuleBase):
    kind: Literal["all-clear"]
    thread_types: list[MessageType]
    all_clear_type: MessageType = MessageType.ALL_CLEAR
    open_severity: SeverityName = "warning"
    responsible_role: str


class MajorIncidentRule(RuleBase):
    kind: Literal["major-incident"]
    criteria: dict[str, str]
    """Criterion id → what it means; a declaration needs at least ``min_criteria``."""
    min_criteria: int = Field(default=1, ge=0)
    update_types: list[MessageType]
    faq_sections: list[str]
    faq_from: Literal["first-update", "declaration"] = "first-update"
    """Which messages must carry ``faq_sections``: from the first update on (the source's
    "high level notification" first, "FAQ style update" as the incident runs on), or the
    declaration as well."""
    review_type: MessageType = MessageType.POST_INCIDENT_REVIEW
    review_sections: list[str]
    review_within_days: float = Field(gt=0)
    areas: dict[str, list[str]]
    """Service area → the audiences an incident in it must reach."""
    raci: dict[str, list[str]]
    """Audience → roles Responsible for cascading to it, first first."""
    default_responsible: str
    responsible_role: str


class EmailDownRule(RuleBase):
    kind: Literal["email-down"]
    services: list[str]
    down_statuses: list[ComponentStatus]
    refused: list[Channel]
    required: list[Channel]


class MatrixCategory(Strict):
    id: str
    label: str
    thread_kinds: list[ThreadKind] = []
    opened_by: list[MessageType] = []
    """Only in threads opened by one of these types (e.g. a major incident)."""
    types: list[MessageType] = []
    tags: list[str] = []
    reach: Literal["broad", "specific", "any"] = "any"
    channels: dict[Channel, Verdict]


class ChannelMatrixRule(RuleBase):
    kind: Literal["channel-matrix"]
    broad_audiences: list[str]
    unlisted: Verdict = "refused"
    categories: list[MatrixCategory]


class AudienceFitRule(RuleBase):
    kind: Literal["audience-fit"]
    always_fit: list[str] = []
    """Audiences that may get any message about a service (e.g. IT support staff)."""


class FallbacksRule(RuleBase):
    kind: Literal["fallbacks"]
    nobody_severity: SeverityName = "error"


Rule = Annotated[
    LeadTimeRule | WorkflowRule | ExceptionsRule | ApproversRule | AcknowledgmentRule
    | ExtensionRule | AllClearRule | MajorIncidentRule | EmailDownRule | ChannelMatrixRule
    | AudienceFitRule | FallbacksRule,
    Field(discriminator="kind"),
]


RULE_KINDS = ", ".join(
    get_args(m.model_fields["kind"].annotation)[0]
    for m in get_args(get_args(Rule)[0]))


class ProvenanceSpec(Strict):
    """Approval provenance (publisher/tools/provenance.py): approvals are checked against
    git history by ``publisher verify-approvals``; when required, ``check`` fails too."""

    require_verified_approvals: bool = False
    steps: list[str] = ["approval"]
    """Which recorded steps are claims to verify."""
    trusted_before: str | None = None
    """A commit (or tag): approvals committed in its history are trusted as they are."""


class PolicyFile(Strict):
    version: Literal[1] = 1
    name: str = ""
    sources: dict[str, str] = {}
    """Short name → title of each source document the rules cite."""
    workflows: dict[str, WorkflowSpec] = {}
    exceptions: dict[WorkflowException, ExceptionSpec] = {}
    rules: list[Rule] = []
    provenance: ProvenanceSpec = ProvenanceSpec()

    @model_validator(mode="after")
    def _unique_rules(self) -> PolicyFile:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return self


# --------------------------------------------------------------------------- loaded policy


@dataclass
class Policy:
    """A validated policy file (or an empty one: no file means no rules run)."""

    file: PolicyFile = field(default_factory=PolicyFile)
    source: str = ""
    lines: dict[str, int] = field(default_factory=dict)

    @cached_property
    def rules(self) -> list[Any]:
        return [r for r in self.file.rules if r.enabled]

    @cached_property
    def _by_kind(self) -> dict[str, list[Any]]:
        kinds: dict[str, list[Any]] = {}
        for rule in self.rules:
            kinds.setdefault(rule.kind, []).append(rule)
        return kinds

    def rule(self, kind: str) -> list[Any]:
        return self._by_kind.get(kind, [])

    @cached_property
    def known_steps(self) -> frozenset[str]:
        """Every step name a workflow or exception of this policy uses."""
        names = {s.step for wf in self.file.workflows.values() for s in wf.steps}
        names |= {e.changed_body_step.step for e in self.file.exceptions.values()
                  if e.changed_body_step is not None}
        return frozenset(names)

    @cached_property
    def workflows(self) -> dict[str, WorkflowSpec]:
        return self.file.workflows

    def line(self, key: str) -> int:
        probe = key
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe.rpartition(".")[0]
        return 1


def load(content: Content) -> Policy:
    """Validate ``content.policy_source``; raise ``ContentError`` listing every problem."""
    if content.policy_path is None:
        return Policy()
    source = relpath(content.policy_path)
    data = content.policy_source
    lines = line_map(data)
    problems: list[Problem] = []
    try:
        parsed = PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_schema_problems(exc, data, source, lines)) from None
    policy = Policy(parsed, source, lines)
    problems = _cross_references(policy, content)
    if problems:
        raise ContentError(problems)
    return policy


def _resolve(annotation: Any, node: Any) -> Any:
    """The model an annotation means for this piece of data (a rule by its ``kind``)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _resolve(get_args(annotation)[0], node)
    if origin in (Union, UnionType):
        options = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in options if isinstance(a, type) and issubclass(a, BaseModel)]
        kind = node.get("kind") if isinstance(node, dict) else None
        for model in models:
            field = model.model_fields.get("kind")
            if field is not None and kind in get_args(field.annotation):
                return model
        return models[0] if models else options[0]
    return annotation


def _locate(data: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], type[BaseModel] | None]:
    """``loc`` without pydantic's union tags, and the model owning its last element."""
    annotation: Any = PolicyFile
    node, clean = data, []
    for part in loc[:-1]:
        annotation = _resolve(annotation, node)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if part not in annotation.model_fields:
                continue  # a union tag such as 'lead-time'
            annotation = annotation.model_fields[part].annotation
        elif get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1]
        clean.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    owner = _resolve(annotation, node)
    if loc:
        clean.append(loc[-1])
    model = owner if isinstance(owner, type) and issubclass(owner, BaseModel) else None
    return tuple(clean), model


def _schema_problems(exc: ValidationError, data: Any, source: str, lines: dict[str, int]
                     ) -> list[Problem]:
    """Each validation error as ``policy.yml:line: field: what is wrong (allowed: …)``."""
    from ..content.config import _describe, _dotted

    problems: list[Problem] = []
    for error in exc.errors():
        raw = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        loc, owner = _locate(data, raw)
        if error["type"] == "union_tag_invalid" or (loc and owner is None
                                                    and error["type"] == "extra_forbidden"):
            owner = None
        shown, key = _dotted(loc)
        line = 1
        probe = key
        while probe:
            if probe in lines:
                line = lines[probe]
                break
            probe = probe.rpartition(".")[0]
        if error["type"] == "union_tag_invalid":
            tag = (error.get("ctx") or {}).get("tag")
            text = f"unknown rule kind {tag!r} (allowed: {RULE_KINDS})"
            shown = f"{shown}.kind" if shown else "kind"
            line = lines.get(f"{key}.kind", line)
        elif owner is not None and error["type"] == "extra_forbidden":
            text = _describe(error, owner, (loc[-1],))
        else:
            text = _describe(error, PolicyFile, ())
        problems.append(Problem(source, line, shown or "(file)", text, Severity.ERROR,
                                "L-policy"))
    return problems


def _cross_references(policy: Policy, content: Content) -> list[Problem]:
    """Every role, audience and workflow the policy names exists."""
    problems: list[Problem] = []
    roles, audiences = set(content.roles), set(content.audiences)
    workflows = set(policy.workflows)

    def bad(key: str, shown: str, what: str, value: str, known: set[str]) -> None:
        allowed = ", ".join(sorted(known)) or "none defined"
        problems.append(Problem(policy.source, policy.line(key), shown,
                                f"unknown {what} {value!r} (allowed: {allowed})",
                                Severity.ERROR, "L-policy-ref"))

    def role(key: str, shown: str, value: str | None) -> None:
        if value is not None and value not in roles:
            bad(key, shown, "role", value, roles)

    def step_roles(key: str, shown: str, spec: StepSpec) -> None:
        role(f"{key}.role", f"{shown}.role", spec.role)
        role(f"{key}.out_of_hours_role", f"{shown}.out_of_hours_role", spec.out_of_hours_role)
        for i, other in enumerate(spec.also):
            role(f"{key}.also.{i}", f"{shown}.also[{i}]", other)

    for name, wf in policy.workflows.items():
        for i, spec in enumerate(wf.steps):
            step_roles(f"workflows.{name}.steps.{i}", f"workflows.{name}.steps[{i}]", spec)
    for exc_name, exc in policy.file.exceptions.items():
        key = f"exceptions.{exc_name.value}"
        if exc.workflow is not None and exc.workflow not in workflows:
            bad(f"{key}.workflow", f"{key}.workflow", "workflow", exc.workflow, workflows)
        if exc.changed_body_step is not None:
            step_roles(f"{key}.changed_body_step", f"{key}.changed_body_step",
                       exc.changed_body_step)
    for r_index, rule in enumerate(policy.file.rules):
        key, shown = f"rules.{r_index}", f"rules[{r_index}]"
        for name in ("notify_role", "responsible_role", "default_responsible"):
            if hasattr(rule, name):
                role(f"{key}.{name}", f"{shown}.{name}", getattr(rule, name))
        for name in ("security_roles", "representative_exempt_roles", "approver_roles"):
            for i, value in enumerate(getattr(rule, name, [])):
                role(f"{key}.{name}.{i}", f"{shown}.{name}[{i}]", value)
        for i, value in enumerate(getattr(rule, "workflows", [])):
            if value not in workflows:
                bad(f"{key}.workflows.{i}", f"{shown}.workflows[{i}]", "workflow", value,
                    workflows)
        for name in ("broad_audiences", "always_fit"):
            for i, value in enumerate(getattr(rule, name, [])):
                if value not in audiences:
                    bad(f"{key}.{name}.{i}", f"{shown}.{name}[{i}]", "audience", value, audiences)
        if isinstance(rule, EmailDownRule):
            for i, value in enumerate(rule.services):
                if value not in content.services:
                    bad(f"{key}.services.{i}", f"{shown}.services[{i}]", "service", value,
                        set(content.services))
        if isinstance(rule, MajorIncidentRule):
            for area, listed in rule.areas.items():
                for i, value in enumerate(listed):
                    if value not in audiences:
                        bad(f"{key}.areas.{area}.{i}", f"{shown}.areas.{area}[{i}]",
                            "audience", value, audiences)
            for audience, listed in rule.raci.items():
                if audience not in audiences:
                    bad(f"{key}.raci.{audience}", f"{shown}.raci.{audience}", "audience",
                        audience, audiences)
                for i, value in enumerate(listed):
                    role(f"{key}.raci.{audience}.{i}", f"{shown}.raci.{audience}[{i}]", value)
    return problems


def json_schema() -> dict[str, Any]:
    """JSON Schema of policy.yml for editors."""
    schema = PolicyFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def policy_path(root: Path) -> Path:
    return root / "policy.yml"
