"""The content model: configuration files and message front matter as pydantic models.

Config files (``content/*.yml``) and message front matter are validated here; cross-references
between them (does that service exist?) are checked by ``load``, which knows file positions.
Every model forbids unknown keys so a typo such as ``servcies`` is an error, not silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from . import yamlfast
from .safety import (
    HeaderTitle,
    MailAddress,
    Mailbox,
    OneLine,
    PlainLine,
    PlainText,
    Unsubscribe,
    WebUrl,
    one_line,
)
from .yamlsource import line_map, load_yaml

YEARS = (1971, 2999)
"""Years an instant may fall in: far enough from datetime's limits that converting between
timezones and adding durations never overflows (year 1 crashed the build)."""


def _localise(value: datetime, info: ValidationInfo) -> datetime:
    # A time written without an offset means the organisation's local time (docs/authoring.md).
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"{value.isoformat()} is out of range (allowed: years {YEARS[0]} to "
                         f"{YEARS[1]})")
    if value.tzinfo is None:
        tz = (info.context or {}).get("tz") or ZoneInfo("UTC")
        value = value.replace(tzinfo=tz)
    return value


def _has_time(value: Any) -> Any:
    # A bare date would silently mean midnight; a send or a window needs a time of day.
    if (isinstance(value, date) and not isinstance(value, datetime)) or (
            isinstance(value, str) and _DATE_ONLY.match(value.strip())):
        raise ValueError(f"{str(value).strip()!r} is a date without a time of day (allowed: "
                         "ISO 8601 date and time, e.g. 2026-11-18T09:30)")
    return value


_DATE_ONLY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
INSTANT_PATTERN = (r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                   r"([Zz]|[+-]\d{2}(:?\d{2})?)?$")
# Editors see the schema: "date-time" format would reject 2026-11-18T09:30 (no seconds, no
# offset), which is what authors are told to write, so the schema gives a pattern instead.
Instant = Annotated[
    datetime,
    BeforeValidator(_has_time),
    AfterValidator(_localise),
    WithJsonSchema({"type": "string", "pattern": INSTANT_PATTERN,
                    "description": "ISO 8601 date and time, e.g. 2026-11-18T09:30; without an "
                    "offset it is the organisation's local time"}),
]
"""A date and time; without an offset it is read in the organisation's timezone."""

SUBSCRIBE_PATTERN = r"^(https?://[^\s\"'<>]+|mailto:[^\s\"'<>@]+@[^\s\"'<>]+)$"
"""A subscribe target: a web page or a mailto: link, nothing a browser would run."""

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
"""Ids are lowercase slugs: they become URLs, file names and Message-IDs."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              defer_build=True)


# --------------------------------------------------------------------------- vocabulary


class ComponentStatus(StrEnum):
    """Statuspage's component statuses, ordered by how bad they are (see ``SEVERITY``)."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def rank(self) -> int:
        return SEVERITY[self]

    @property
    def label(self) -> str:
        return LABELS[self]


SEVERITY = {status: rank for rank, status in enumerate(ComponentStatus)}
LABELS = {
    ComponentStatus.OPERATIONAL: "Operational",
    ComponentStatus.UNDER_MAINTENANCE: "Under maintenance",
    ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
}


class MessageType(StrEnum):
    PLANNED_MAINTENANCE = "planned-maintenance"
    NEW_SERVICE_LAUNCH = "new-service-launch"
    ANNOUNCEMENT = "announcement"
    REMINDER = "reminder"
    UNPLANNED_OUTAGE = "unplanned-outage"
    UPDATE = "update"
    EXTENSION = "extension"
    ALL_CLEAR = "all-clear"
    EMERGENCY_CHANGE = "emergency-change"
    LEADERSHIP_MESSAGE = "leadership-message"
    MAJOR_INCIDENT = "major-incident"
    POST_INCIDENT_REVIEW = "post-incident-review"
    NEWS = "news"


class ThreadKind(StrEnum):
    """What a thread is, decided by the type of its first message."""

    INCIDENT = "incident"
    MAINTENANCE = "maintenance"
    LAUNCH = "launch"
    STORY = "story"


OPENING_TYPES: dict[MessageType, ThreadKind] = {
    MessageType.UNPLANNED_OUTAGE: ThreadKind.INCIDENT,
    MessageType.MAJOR_INCIDENT: ThreadKind.INCIDENT,
    MessageType.PLANNED_MAINTENANCE: ThreadKind.MAINTENANCE,
    MessageType.EMERGENCY_CHANGE: ThreadKind.MAINTENANCE,
    MessageType.NEW_SERVICE_LAUNCH: ThreadKind.LAUNCH,
    MessageType.ANNOUNCEMENT: ThreadKind.STORY,
    MessageType.NEWS: ThreadKind.STORY,
    MessageType.LEADERSHIP_MESSAGE: ThreadKind.STORY,
}
"""Types that may open a thread. Follow-ups (update, extension, all-clear, reminder,
post-incident review) continue one."""


class Status(StrEnum):
    """A thread's status: Statuspage's incident and maintenance statuses (+ ``cancelled``)."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


INCIDENT_STATUSES = frozenset(Status(v) for v in
    ("investigating", "identified", "monitoring", "resolved", "postmortem"))
MAINTENANCE_STATUSES = frozenset(Status(v) for v in
    ("scheduled", "in_progress", "verifying", "completed", "cancelled"))
CLOSED_STATUSES = frozenset(Status(v) for v in ("resolved", "postmortem", "completed", "cancelled"))


class Channel(StrEnum):
    """Where a message goes. ``status`` is the status site; ``news`` the newsroom."""

    STATUS = "status"
    NEWS = "news"
    EMAIL = "email"
    BANNER = "banner"
    RSS = "rss"
    SMS = "sms"
    SOCIAL = "social"
    TEAMS = "teams"
    NEWSLETTER = "newsletter"
    SCREENS = "screens"


class Stage(StrEnum):
    """Where a message is in its workflow. Only ``approved`` messages are ever published."""

    INTAKE = "intake"
    DRAFT = "draft"
    REVIEW = "review"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class WorkflowException(StrEnum):
    """Workflow exceptions from the broadcast-email workflow (first source document)."""

    SMALLER_GROUP = "smaller-group"
    PREAPPROVED_TEMPLATE = "preapproved-template"
    REMINDER = "reminder"
    EMERGENCY_CHANGE = "emergency-change"
    VIP = "vip"
    TEAM_MANAGED = "team-managed"


class ReaderAction(StrEnum):
    INFO_ONLY = "info-only"
    CASCADE = "cascade"


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


# --------------------------------------------------------------------------- configuration


def _inside_content(value: str) -> str:
    # A CSV path is relative to content/ and stays inside it: an editor of audiences.yml must
    # not make the mailer read (and send to) whatever file the machine holds.
    one_line(value)
    parts = value.replace("\\", "/").split("/")
    if not value or value.startswith(("/", "~")) or ".." in parts or ":" in value:
        raise ValueError(f"{value[:80]!r} is not a path inside the content folder (allowed: "
                         "a relative path such as lists/key-users.csv, without '..')")
    return value


class Period(Strict):
    """A span of days, inclusive, e.g. a person's leave."""

    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("'to' is before 'from'")
        return self

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


ClockTime = Annotated[time, WithJsonSchema({"type": "string",
                                            "pattern": r"^\d{1,2}:\d{2}(:\d{2})?$",
                                            "description": "A time of day, e.g. \"08:30\""})]


class BusinessHours(Strict):
    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    start: ClockTime = time(9, 0)
    end: ClockTime = time(17, 0)
    closures: list[date] = []

    def contains(self, local: datetime) -> bool:
        """Whether a local (organisation-timezone) instant falls in business hours."""
        return (
            WEEKDAYS[local.weekday()] in self.days
            and local.date() not in self.closures
            and self.start <= local.time() < self.end
        )


class SmtpSettings(Strict):
    host: str = "localhost"
    port: int = 587
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: str = "PUBLISHER_SMTP_PASSWORD"
    timeout: float = 30.0


class EmailSettings(Strict):
    sender: Mailbox = Field(alias="from")
    reply_to: Mailbox | None = None
    footer: str = ""
    list_unsubscribe: Unsubscribe | None = None
    list_unsubscribe_post: bool = False
    transport: Literal["outbox", "smtp"] = "outbox"
    outbox: str = "build/outbox"
    smtp: SmtpSettings = SmtpSettings()
    batch_size: int = Field(default=50, ge=1, le=1000)


class Organisation(Strict):
    name: PlainLine
    short_name: PlainLine = ""
    site_url: WebUrl
    timezone: str = "UTC"
    business_hours: BusinessHours = BusinessHours()
    email: EmailSettings
    contact_url: WebUrl | None = None
    social_accounts: dict[str, PlainLine] = {}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Europe/London)") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_url(self) -> str:
        return self.site_url.rstrip("/") + "/"


class Service(Strict):
    id: Id
    name: PlainLine
    description: PlainText = ""
    area: PlainLine = "other"
    """Service area from the major-incident "audiences for services affected" table."""
    managers: list[Id] = []
    """Ordered responsibility chain: service manager, project manager, their manager."""
    subscribers: MailAddress | None = None
    """A list address that receives every message about this service."""
    subscribe: Annotated[str, WithJsonSchema({"type": "string", "pattern": SUBSCRIBE_PATTERN,
                                              "maxLength": 500})] | None = None
    """How a reader joins the subscribers list: a web page (``https://…``) or a ``mailto:``
    to the list's *request* address. Shown on the service page as "Subscribe by email"."""
    audiences: list[Id] = []
    """Who uses the service; empty means everyone (used by the audience-fit rule)."""
    aliases: list[PlainLine] = []

    @field_validator("subscribe")
    @classmethod
    def _a_link(cls, value: str | None) -> str | None:
        if value is not None and (len(value) > 500 or not re.match(SUBSCRIBE_PATTERN, value)):
            raise ValueError(f"{value[:80]!r} is not a sign-up link (allowed: an https:// web "
                             "page, or mailto:ADDRESS, the list's request address)")
        return value

    @model_validator(mode="after")
    def _not_the_list_itself(self) -> Service:
        # A mailto: to the list itself would post the reader's "subscribe me" to everyone.
        if self.subscribe and self.subscribers and self.subscribe.lower().startswith("mailto:"):
            target = self.subscribe[len("mailto:"):].split("?", 1)[0].strip().lower()
            if target == self.subscribers.strip().lower():
                raise ValueError(
                    f"subscribe: mailto:{target} is the list itself, so a reader's request "
                    "would go to everyone on it (allowed: the list's request address, e.g. "
                    "mailto:LIST-request@…?subject=subscribe, or an https:// sign-up page)")
        return self


class ServiceGroup(Strict):
    id: Id
    name: PlainLine
    description: PlainText = ""
    services: list[Service]


class Webhook(Strict):
    kind: Literal["teams", "slack"]
    url_env: str
    """Webhook URLs are secrets: the config names the environment variable holding one."""


class Audience(Strict):
    id: Id
    name: PlainLine
    description: PlainText = ""
    address: MailAddress | None = None
    """Distribution-list address (LISTSERV, Mailman…) that fans out to the audience."""
    recipients_csv: Annotated[str, AfterValidator(_inside_content)] | None = None
    """Optional CSV of direct recipients (column ``email``), sent in batches."""
    smaller_group: bool = False
    """A smaller subset of the community: the Comms Control review may be skipped."""
    representative_role: Id | None = None
    """A sub-community whose representative must approve messages to it."""
    webhooks: list[Webhook] = []


class GitIdentity(Strict):
    name: str | None = None
    email: str


class Person(Strict):
    id: Id
    name: PlainLine
    title: PlainLine = ""
    email: MailAddress | None = None
    git: list[GitIdentity] = []
    unavailable: list[Period] = []

    def available_on(self, day: date) -> bool:
        return not any(p.covers(day) for p in self.unavailable)


class Role(Strict):
    id: Id
    name: PlainLine
    description: PlainText = ""
    chain: list[Id] = []
    """Ordered fallback chain: the first available person holds the role."""
    per_service: bool = False
    """The chain comes from each service's ``managers`` instead of ``chain``."""


class PeopleFile(Strict):
    people: list[Person]
    roles: list[Role]


class ServicesFile(Strict):
    groups: list[ServiceGroup]


class AudiencesFile(Strict):
    audiences: list[Audience]


# --------------------------------------------------------------------------- messages


class Window(Strict):
    start: Instant | None = None
    expected_end: Instant | None = None
    actual_end: Instant | None = None


class Step(Strict):
    step: PlainLine
    by: Id
    at: Instant
    note: str = ""
    digest: str = ""
    """On an approval: the digest of the text approved (``policy.digest``)."""


class Workflow(Strict):
    requested_by: Id | None = None
    intake: Instant | None = None
    stage: Stage = Stage.DRAFT
    steps: list[Step] = []
    template: OneLine | None = None
    reminder_of: OneLine | None = None
    """Message id of the approved message this reminder repeats."""
    exception: WorkflowException | None = None
    justification: str | None = None
    """Why a channel marked "may be appropriate" in the channel matrix is used."""
    director_requested_review: bool = False
    on_behalf_of: Id | None = None
    """The VIP (or CISO) a message is sent for."""
    change_reference: str | None = None
    """The change an emergency-change exception is for (e.g. the change record's number)."""
    security_related: bool = False


class FaqSections(Strict):
    """FAQ-style update sections required for major incidents (second source document)."""

    nature: str | None = None
    business_continuity: str | None = None
    workarounds: str | None = None
    key_information: str | None = None
    next_update: str | None = None
    reader_action: ReaderAction | None = None
    lessons_learnt: str | None = None
    mitigations: str | None = None


Criterion = Literal["student-experience", "time-bound-activity", "reputation", "sla-or-duration"]
"""The four major-incident criteria of the second source document, in its order."""


class MajorIncident(Strict):
    criteria: list[Criterion] = []
    faq: FaqSections = FaqSections()
    next_update_at: Instant | None = None
    reader_action: ReaderAction | None = None
    service_area: str | None = None


class FrontMatter(Strict):
    """Everything a message file may say. Fields left out of a follow-up message in a
    thread are inherited from the message before it (see ``load``)."""

    title: HeaderTitle | None = None
    type: MessageType
    thread: Id | None = None
    services: Annotated[dict[Id, ComponentStatus], WithJsonSchema({
        "anyOf": [
            {"type": "object", "propertyNames": {"pattern": r"^[a-z0-9][a-z0-9-]*$"},
             "additionalProperties": {"enum": [s.value for s in ComponentStatus]}},
            {"type": "array", "items": {"anyOf": [
                {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]*$"},
                {"type": "object", "required": ["service"], "additionalProperties": False,
                 "properties": {"service": {"type": "string",
                                            "pattern": r"^[a-z0-9][a-z0-9-]*$"},
                                "impact": {"enum": [s.value for s in ComponentStatus]}}},
            ]}},
        ],
        "description": "Service id → impact; or a list of service ids (no impact) or of "
                       "{service, impact} (the browser editor's form)",
    })] = {}
    status: Status | None = None
    impact: Impact | None = None
    window: Window | None = None
    audiences: list[Id] | None = None
    channels: list[Channel] | None = None
    send_at: Instant | None = None
    summary: PlainText | None = None
    categories: list[PlainLine] = []
    revision: int = Field(default=1, ge=1, le=999_999)
    workflow: Workflow = Workflow()
    major_incident: MajorIncident | None = None
    sms: str | None = None
    social: str | None = None
    internal_notes: str | None = None

    @field_validator("services", mode="before")
    @classmethod
    def _list_means_operational(cls, value: Any) -> Any:
        # A story may name the services it concerns without any impact. The browser editor
        # (Decap CMS) has no widget for a map, so it writes [{service: id, impact: status}].
        if not isinstance(value, list):
            return value
        result: dict[Any, Any] = {}
        for item in value:
            if isinstance(item, dict):
                unknown = sorted(set(item) - {"service", "impact"})
                if unknown or "service" not in item:
                    raise ValueError(f"a list item is {{service: ID, impact: STATUS}} (found "
                                     f"keys: {', '.join(map(str, item)) or 'none'})")
                result[item["service"]] = item.get("impact") or ComponentStatus.OPERATIONAL
            else:
                result[item] = ComponentStatus.OPERATIONAL.value
        return result

    @model_validator(mode="before")
    @classmethod
    def _empty_means_unset(cls, value: Any) -> Any:
        # The browser editor writes a field left blank as "": that is "not given", not a
        # (malformed) date, status or text.
        if not isinstance(value, dict):
            return value
        cleaned = {k: v for k, v in value.items() if (v != "" and v is not None) or k == "type"}
        for key in ("services", "audiences"):  # an empty multi-select: inherit, not "none"
            if cleaned.get(key) == []:
                del cleaned[key]
        for key in ("window", "workflow", "major_incident"):
            if isinstance(cleaned.get(key), dict):
                cleaned[key] = {k: v for k, v in cleaned[key].items() if v != ""}
        return cleaned


# --------------------------------------------------------------------------- loaded content


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}
"""One ``__pydantic_fields_set__`` per distinct set of fields (``compact``)."""


def compact(model: BaseModel) -> None:
    """Make ``model`` and the models inside it share their sets of fields written.

    pydantic keeps, on every model, the set of fields the input gave: a set of a few names
    costs 200–700 bytes, more than the model's own values, and a loaded message holds about
    eight models (its steps, its window…): 30 MB at 15,000 messages, for a few dozen
    distinct sets. Sharing them is safe because every model here is frozen: pydantic only
    adds to the set on assignment, which a frozen model refuses, and ``model_copy`` copies
    the set before it adds the updated names."""
    found = model.__pydantic_fields_set__
    shared = _FIELDS_SETS.setdefault(frozenset(found), found)
    if shared is not found:
        object.__setattr__(model, "__pydantic_fields_set__", shared)
    for value in model.__dict__.values():
        if isinstance(value, BaseModel):
            compact(value)
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, BaseModel):
                    compact(item)


def parse_front(front: str) -> Any:
    """A front matter's text, parsed again with its lines: only a problem's report needs
    them, so they are not kept with a loaded message or in the build cache."""
    return yamlfast.read(front, line_offset=1) or load_yaml(front, line_offset=1)


@dataclass
class Message:
    """One communication, resolved: front matter with inheritance applied, plus its place."""

    id: str
    thread_id: str
    path: Path
    source: str
    """Path as shown in problems, relative to the working directory."""
    body: str
    body_line: int
    meta: FrontMatter
    lines: dict[str, int] = field(default_factory=dict)
    """Field path → line number, for precise problems about this message (filled from
    ``data`` on first use: most messages never need one)."""
    order: int = 0
    front: str = field(default="", repr=False, compare=False)
    """The front matter's text. The parsed values with their lines (``data``) are about half
    of a loaded message's memory and only needed to report a problem, so they are not
    kept: ``data`` parses this again when asked."""
    written: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    """The fields this file sets itself (top-level names, and ``window.<part>``)."""
    fingerprint: str = field(default="", repr=False, compare=False)
    """A key of the file's text, place and id: same fingerprint, same message (the policy's
    memory of settled threads is keyed by it)."""
    held: bool = False
    """Set by ``check`` when the message has an error: it is then in no output and no send,
    while everything else publishes (one bad message holds only itself)."""

    _data: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def data(self) -> Any:
        """The front matter as parsed, with line numbers (``yamlsource.LineDict``)."""
        if self._data is None and self.front:
            self._data = parse_front(self.front)
        return self._data

    def wrote(self, name: str) -> bool:
        """Whether this file itself sets a field (rather than inheriting it): a top-level name
        or ``window.<part>``."""
        return name in self.written

    @property
    def title(self) -> str:
        return self.meta.title or ""

    @property
    def type(self) -> MessageType:
        return self.meta.type

    @property
    def send_at(self) -> datetime | None:
        return self.meta.send_at

    @property
    def approved(self) -> bool:
        return self.meta.workflow.stage is Stage.APPROVED

    def line(self, field_path: str) -> int:
        """The best line for a field: the field's own, else its nearest parent's, else 2 (the
        front matter's first line: a missing or inherited field belongs there)."""
        if not self.lines and self.data is not None:
            self.lines = line_map(self.data)
        probe = field_path
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe.rpartition(".")[0]
        return 2

    @property
    def closes(self) -> bool:
        """Whether this message ends its thread: a closing status, or an all-clear."""
        return self.meta.status in CLOSED_STATUSES or self.type is MessageType.ALL_CLEAR

    @property
    def is_public(self) -> bool:
        """For the status site or the newsroom: only such messages appear in public files.
        A message for, say, email and Teams only (an internal team notice) is in none."""
        channels = self.meta.channels
        return channels is None or bool({Channel.STATUS, Channel.NEWS} & set(channels))

    def is_published(self, now: datetime) -> bool:
        """Approved, not held and due: the only messages any output ever shows or sends."""
        return self.approved and not self.held and self.send_at is not None and self.send_at <= now


@dataclass
class Thread:
    id: str
    kind: ThreadKind
    messages: list[Message]
    path: Path

    @property
    def first(self) -> Message:
        return self.messages[0]

    @property
    def title(self) -> str:
        return self.first.title


@dataclass
class Content:
    """The whole loaded content directory."""

    root: Path
    organisation: Organisation
    groups: list[ServiceGroup]
    audiences: dict[str, Audience]
    people: dict[str, Person]
    roles: dict[str, Role]
    threads: dict[str, Thread]
    policy_source: dict[str, Any] = field(default_factory=dict)
    policy_path: Path | None = None
    unread: int = 0
    """Messages of settled threads that ``publisher check`` did not read again (they had no
    problem and cannot have one now: ``content.memory``); 0 whenever everything is read."""
    services: dict[str, Service] = field(init=False)
    messages: dict[str, Message] = field(init=False)
    """Every message by id, in thread order."""
    _group_of: dict[str, ServiceGroup] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.services = {s.id: s for g in self.groups for s in g.services}
        self._group_of = {s.id: g for g in self.groups for s in g.services}
        self.messages = {m.id: m for t in self.threads.values() for m in t.messages}

    def group_of(self, service_id: str) -> ServiceGroup:
        return self._group_of[service_id]

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.organisation.tz)
