"""``publisher new``: a correctly named message file from a preapproved template.

A new thread is a single file ``messages/YYYY/<date>-<slug>.md``. A follow-up (update,
extension, all-clear, reminder, review) goes into its thread's folder as ``NN-<kind>.md``;
a single-file thread is first turned into a folder (its file becomes ``01-<kind>.md``, moved
with ``git mv`` when tracked so history follows, and ``reminder_of`` references to its old id
are rewritten). The new message is a draft with complete front matter: it passes
``publisher check`` except for the workflow steps still to do.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ruamel.yaml.comments import CommentedMap

from ..clock import parse_instant
from ..content import roles
from ..content.load import CONTROL_RE
from ..content.model import (
    ComponentStatus,
    Content,
    Criterion,
    Message,
    MessageType,
    Service,
    Thread,
)
from ..errors import ConfigError, PublisherError, relpath
from . import roundtrip
from .message_templates import MessageTemplate, get
from .placement import Created, follow_up_place, write_files

CRITERIA: tuple[str, ...] = typing.get_args(Criterion)
@dataclass
class NewRequest:
    """What the author asked for; ``None``/empty means "not given" (prompted for on a TTY)."""

    template: str
    title: str | None = None
    services: list[str] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    audiences: list[str] = field(default_factory=list)
    thread: str | None = None
    send_at: str | None = None
    requested_by: str | None = None
    status: str | None = None
    criteria: list[str] = field(default_factory=list)
    preapproved: bool = False
    slug: str | None = None
    """The new thread's id (after its date); default: made from the title."""
    justification: str | None = None
    """Why a channel the policy only allows with a written justification is used."""


def missing(template: MessageTemplate, request: NewRequest) -> list[str]:
    """The inputs the template needs that the request leaves out, in the template's order."""
    given = {"title": request.title, "services": request.services, "start": request.start,
             "end": request.end, "send_at": request.send_at, "thread": request.thread,
             "audiences": request.audiences, "criteria": request.criteria}
    return [need for need in template.needs if not given[need]]


def slugify(text: str, limit: int = 50) -> str:
    """A URL-safe slug of ``text``, cut at a word boundary: ``…-library`` rather than
    ``…-libr`` (the slug becomes the thread's permanent address)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[:limit + 1]  # a hyphen just past the limit ends a whole word
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:limit]
    return slug.strip("-") or "message"


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def thread_id_for(day: datetime, slug: str | None, title: str) -> str:
    """``<date>-<slug>``: the slug given (``--slug``, dated unless it starts with a date), or
    one made from the title."""
    if slug:
        return slug if DATED_RE.match(slug) else f"{day:%Y-%m-%d}-{slug}"
    return f"{day:%Y-%m-%d}-{slugify(title)}"


def _when(content: Content, text: str | None, what: str, errors: list[str]) -> datetime | None:
    if not text:
        return None
    try:
        return parse_instant(text, content.organisation.tz)
    except PublisherError as exc:
        errors.append(f"--{what}: {exc}")
        return None


def _services(content: Content, given: list[str], default: str | None,
              errors: list[str]) -> dict[str, str]:
    """``id`` or ``id=status`` → {id: status}; unknown ids and statuses are errors."""
    statuses = [s.value for s in ComponentStatus]
    result: dict[str, str] = {}
    for item in given:
        ident, _, status = item.replace(":", "=").partition("=")
        ident, status = ident.strip(), (status.strip() or default or "operational")
        if ident not in content.services:
            errors.append(f"--service: unknown service {ident!r} "
                          f"(allowed: {', '.join(sorted(content.services))})")
        elif status not in statuses:
            errors.append(f"--service {ident}: {status!r} is not allowed "
                          f"(allowed: {', '.join(statuses)})")
        else:
            result[ident] = status
    return result


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _day(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B}"


def _window_text(start: datetime | None, end: datetime | None) -> str:
    if start is None:
        return ""
    if end is None:
        return f"from {start:%H:%M} on {_day(start)}"
    if start.date() == end.date():
        return f"on {_day(start)} from {start:%H:%M} to {end:%H:%M}"
    return f"from {start:%H:%M} on {_day(start)} to {end:%H:%M} on {_day(end)}"


def _thread(content: Content, thread_id: str) -> Thread:
    thread = content.threads.get(thread_id)
    if thread is None:
        import difflib

        close = difflib.get_close_matches(thread_id, sorted(content.threads), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see content/messages/"
        raise ConfigError(f"--thread: no thread {thread_id!r} ({hint})")
    return thread


def _reminded(thread: Thread) -> Message:
    """The approved message a reminder repeats: the latest approved one that is not itself a
    reminder or a closing message."""
    skip = {MessageType.REMINDER, MessageType.ALL_CLEAR, MessageType.POST_INCIDENT_REVIEW}
    for message in reversed(thread.messages):
        if message.approved and message.type not in skip:
            return message
    raise ConfigError(f"--thread {thread.id}: no approved message to remind of yet")


@dataclass
class _Inputs:
    """A request's values, checked: times in the organisation's zone, thread and services."""

    start: datetime | None
    end: datetime | None
    send_at: datetime | None
    thread: Thread | None
    services: dict[str, str]

    @property
    def previous(self) -> Message | None:
        return self.thread.messages[-1] if self.thread else None


def create(content: Content, request: NewRequest, now: datetime,
           write: bool = True) -> Created:
    """Make the message file (and, if needed, turn a single-file thread into a folder)."""
    template = get(request.template, content.root)
    given = _checked(content, template, request)
    thread, previous = given.thread, given.previous
    current = previous.meta if previous else None
    service_ids = list(given.services) or (list(current.services) if current else [])
    audiences = _audiences(content, template, request, given)
    reminded = _reminded(thread) if thread and template.type is MessageType.REMINDER else None
    place = follow_up_place(thread, template) if thread else None
    front = _front(content, template, request, given, audiences, now)
    front["workflow"] = _workflow(content, template, request, service_ids, current, now,
                                  reminded, place)
    next_update = (now + timedelta(hours=1)).astimezone(content.organisation.tz)
    if template.major_incident:
        front["major_incident"] = _major_incident(content, template, request, current,
                                                  service_ids, next_update)
    values = _values(content, template, request.title, service_ids, given.start, given.end,
                     now, thread, reminded, next_update)
    text = f"---\n{roundtrip.dump(front)}---\n{template.render(values)}"
    created = _new_thread_place(content, template, request, given, now) if place is None \
        else place
    created.text = text
    if write:
        write_files(content, created)
        from .channels import fit_channels, remaining

        created.notes = fit_channels(content.root, created.path, now)
        created.remaining = remaining(content.root, created.path, now)
    return created


def _checked(content: Content, template: MessageTemplate, request: NewRequest) -> _Inputs:
    """Every problem with the request at once (ConfigError), else its checked values."""
    flags = {"services": "service ID[=STATUS] (repeatable)",
             "audiences": "audience ID (repeatable)", "criteria": "criterion NAME (repeatable)"}
    errors: list[str] = [f"missing --{flags.get(need, need.replace('_', '-'))}"
                         for need in missing(template, request)]
    start = _when(content, request.start, "start", errors)
    end = _when(content, request.end, "end", errors)
    send_at = _when(content, request.send_at, "send-at", errors)
    errors += _flag_problems(content, template, request)
    thread = None
    if template.follows and request.thread:
        try:
            thread = _thread(content, request.thread)
        except ConfigError as exc:
            errors.append(str(exc))
    previous = thread.messages[-1] if thread else None
    services = _services(content, request.services, template.service_status, errors)
    if thread and previous and template.service_status and not services:
        # an all-clear puts every service of the thread back to its template status
        services = {s: template.service_status for s in previous.meta.services}
    if errors:
        raise ConfigError(f"cannot create a message from template {template.name!r}:\n  "
                          + "\n  ".join(errors))
    return _Inputs(start, end, send_at, thread, services)


def _flag_problems(content: Content, template: MessageTemplate, request: NewRequest
                   ) -> list[str]:
    """What is wrong with the flags that name people, audiences, criteria and the thread."""
    errors = []
    if request.title and CONTROL_RE.search(request.title):
        errors.append("--title: contains a line break or control character (allowed: one line)")
    for person in filter(None, [request.requested_by]):
        if person not in content.people:
            errors.append(f"--requested-by: unknown person {person!r}")
    for audience in request.audiences:
        if audience not in content.audiences:
            errors.append(f"--audience: unknown audience {audience!r} "
                          f"(allowed: {', '.join(sorted(content.audiences))})")
    bad = [c for c in request.criteria if c not in CRITERIA]
    if bad:
        errors.append(f"--criterion: {', '.join(bad)} (allowed: {', '.join(CRITERIA)})")
    if request.slug and (not SLUG_RE.match(request.slug) or len(request.slug) > 80):
        errors.append(f"--slug: {request.slug!r} is not a slug (allowed: lowercase letters, "
                      "digits and hyphens, starting with a letter or digit, at most 80)")
    if request.slug and template.follows:
        errors.append("--slug: a follow-up goes into its thread's folder; --slug names a new "
                      "thread")
    if request.justification is not None and (not request.justification.strip()
                                              or CONTROL_RE.search(request.justification)):
        errors.append("--justification: empty or with a line break (allowed: one line of text)")
    if request.thread and not template.follows:
        errors.append(f"--thread: a {template.name} opens a new thread; it cannot continue one")
    return errors


def _audiences(content: Content, template: MessageTemplate, request: NewRequest,
               given: _Inputs) -> list[str]:
    """The audiences asked for, else (a new thread) those of the services named."""
    audiences = list(request.audiences)
    if not audiences and not given.thread:
        for sid in given.services:
            audiences += [a for a in content.services[sid].audiences if a not in audiences]
        if not audiences:
            raise ConfigError(f"cannot create a message from template {template.name!r}:\n"
                              "  missing --audience "
                              "(repeatable; the services named list no audiences in "
                              "services.yml, which means everyone uses them)")
    return audiences


def _front(content: Content, template: MessageTemplate, request: NewRequest,
           given: _Inputs, audiences: list[str], now: datetime) -> CommentedMap:
    """The front matter a reader and recipient see (the workflow block comes after)."""
    tz = content.organisation.tz
    thread, start, end = given.thread, given.start, given.end
    status = request.status or template.status_for(thread.kind.value if thread else None)
    front = CommentedMap()
    if request.title and not thread:
        front["title"] = roundtrip.scalar(request.title)
    front["type"] = template.type.value
    if given.services:
        front["services"] = roundtrip.flow_map(**given.services)
    if status:
        front["status"] = status
    if template.impact and not thread:
        front["impact"] = template.impact
    window: dict[str, str] = {}
    if template.type is MessageType.ALL_CLEAR:
        window["actual_end"] = roundtrip.local_text(end or now, tz)
    else:
        if start and not thread:
            window["start"] = roundtrip.local_text(start, tz)
        if end:
            window["expected_end"] = roundtrip.local_text(end, tz)
    if window:
        front["window"] = roundtrip.flow_map(**window)
    if audiences and (not thread or request.audiences):
        front["audiences"] = roundtrip.flow_seq(audiences)
    if template.channels:
        front["channels"] = roundtrip.flow_seq(template.channels)
    if given.send_at:
        front["send_at"] = roundtrip.local_text(given.send_at, tz)
    if template.categories:
        front["categories"] = roundtrip.flow_seq(template.categories)
    return front


def _workflow(content: Content, template: MessageTemplate, request: NewRequest,
              service_ids: list[str], current: Any, now: datetime,
              reminded: Message | None, place: Created | None) -> CommentedMap:
    """The workflow block of a new draft: who asked, when, which template, which exception."""
    requested_by = request.requested_by
    if requested_by is None and service_ids:
        holder = roles.first_available(content, "service-manager", now, service_ids)
        requested_by = holder.id if holder else None
    if requested_by is None and current and current.workflow.requested_by:
        requested_by = current.workflow.requested_by
    workflow = CommentedMap()
    if requested_by:
        workflow["requested_by"] = requested_by
    workflow["intake"] = roundtrip.local_text(now.replace(second=0, microsecond=0),
                                              content.organisation.tz)
    workflow["stage"] = "draft"
    workflow["template"] = template.name
    exception = template.exception or ("preapproved-template" if request.preapproved else None)
    if exception:
        workflow["exception"] = exception
    if request.justification:
        workflow["justification"] = roundtrip.scalar(request.justification.strip())
    if reminded:
        renamed = place.renamed if place else None
        # the message reminded of may be the one about to move into the thread's folder
        workflow["reminder_of"] = renamed[1] if renamed and renamed[0] == reminded.id \
            else reminded.id
    return workflow


def _new_thread_place(content: Content, template: MessageTemplate, request: NewRequest,
                      given: _Inputs, now: datetime) -> Created:
    """Where a new thread's file goes: ``messages/YYYY/<date>-<slug>.md``, never over one."""
    day = (given.start or given.send_at or now).astimezone(content.organisation.tz)
    thread_id = thread_id_for(day, request.slug, request.title or template.name)
    folder = content.root / "messages" / f"{day:%Y}"
    path = folder / f"{thread_id}.md"
    if path.exists() or (folder / thread_id).exists() or thread_id in content.threads:
        raise ConfigError(f"thread {thread_id!r} already exists (continue it with "
                          f"--thread {thread_id}, or choose another --slug)")
    return Created(path, thread_id, "")


def _major_incident(content: Content, template: MessageTemplate, request: NewRequest,
                    current: Any, service_ids: list[str], next_update: datetime) -> CommentedMap:
    tz = content.organisation.tz
    block = CommentedMap()
    old = current.major_incident if current is not None else None
    if template.major_incident == "carry" and old is not None:
        block["criteria"] = roundtrip.flow_seq(list(old.criteria))
        if old.service_area:
            block["service_area"] = old.service_area
        block["reader_action"] = (old.reader_action.value if old.reader_action else "cascade")
    else:
        block["criteria"] = roundtrip.flow_seq(request.criteria)
        areas = [content.services[s].area for s in service_ids if s in content.services]
        if areas:
            block["service_area"] = areas[0]
        block["reader_action"] = "cascade"
    block["next_update_at"] = roundtrip.local_text(next_update.replace(second=0, microsecond=0), tz)
    faq = CommentedMap()
    previous = old.faq.model_dump(exclude_none=True, mode="json") if old is not None else {}
    for key in ("nature", "business_continuity", "workarounds", "key_information"):
        faq[key] = roundtrip.scalar(previous.get(key) or (request.title if key == "nature" and
                                 request.title else "[to be confirmed]"))
    faq["next_update"] = roundtrip.scalar(f"By {next_update:%H:%M} today.")
    faq["reader_action"] = block["reader_action"]
    block["faq"] = faq
    return block


def _values(content: Content, template: MessageTemplate, title: str | None,
            service_ids: list[str], start: datetime | None, end: datetime | None,
            now: datetime, thread: Thread | None, reminded: Message | None,
            next_update: datetime) -> dict[str, Any]:
    tz = content.organisation.tz
    current = thread.messages[-1].meta if thread else None
    if thread and current and current.window:
        start = start or current.window.start
        end = end or current.window.expected_end
    services: list[Service] = [content.services[s] for s in service_ids
                               if s in content.services]
    local_start = start.astimezone(tz) if start else None
    local_end = end.astimezone(tz) if end else None
    faq = {}
    if current is not None and current.major_incident is not None:
        faq = current.major_incident.faq.model_dump(mode="json")
    return {
        "org": content.organisation, "title": title or (thread.title if thread else ""),
        "thread_title": thread.title if thread else (title or ""),
        "services": services,
        "service_names": _names([s.name for s in services]) if services else "the service",
        "window_text": _window_text(local_start, local_end),
        "start_time": f"{local_start:%H:%M}" if local_start else "",
        "start_day": _day(local_start) if local_start else "",
        "end_time": f"{local_end:%H:%M}" if local_end else "",
        "end_day": _day(local_end) if local_end else "",
        "today": _day(now.astimezone(tz)),
        "next_update_time": f"{next_update:%H:%M}",
        "contact_url": content.organisation.contact_url or "",
        "previous_body": reminded.body if reminded else "",
        "faq": faq, "template": template.name,
    }


def describe(created: Created) -> list[str]:
    lines = [f"created {relpath(created.path)} (message {created.message_id})"]
    if created.moved:
        lines.append(f"moved {relpath(created.moved[0])} -> {relpath(created.moved[1])}")
    if created.renamed:
        lines.append(f"message id {created.renamed[0]} is now {created.renamed[1]}")
    lines += [f"updated reminder_of in {relpath(p)}" for p in created.rewritten]
    if created.ledger_events and created.renamed:
        lines.append(f"carried {created.ledger_events} send-ledger event(s) of "
                     f"{created.renamed[0]} over to {created.renamed[1]} (commit the ledger too)")
    lines += [f"channels: {note}" for note in created.notes]
    for problem in created.remaining:
        lines.append(f"to do: {problem.field}: {problem.message}"
                     + (f" ({problem.action})" if problem.action else ""))
    return lines
