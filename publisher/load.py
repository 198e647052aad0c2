"""Load ``content/`` into the model, collecting every problem in one pass.

Layout (the only places content may be)::

    content/organisation.yml  services.yml  audiences.yml  people.yml  policy.yml
    content/messages/YYYY/<thread-id>.md               a thread of one message
    content/messages/YYYY/<thread-id>/<message>.md     a thread folder, one file a message

Each problem is ``path:line: field: what is wrong (allowed: …)``. Loading never stops at the
first problem: a broken message is left out and the rest still load, so one run shows all.
"""

from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ValidationError

from .errors import Problem, Severity, relpath
from .model import (
    CLOSED_STATUSES,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    OPENING_TYPES,
    AudiencesFile,
    Content,
    FrontMatter,
    Message,
    MessageType,
    Organisation,
    PeopleFile,
    ServicesFile,
    Status,
    Thread,
    ThreadKind,
    Window,
)
from .yamlsource import LineDict, error_line, line_map, load_yaml

CONFIG_FILES: dict[str, type[BaseModel]] = {
    "organisation.yml": Organisation,
    "services.yml": ServicesFile,
    "audiences.yml": AudiencesFile,
    "people.yml": PeopleFile,
}
OPTIONAL_FILES = ("policy.yml",)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
YEAR_RE = re.compile(r"^\d{4}$")
INHERITED = ("title", "services", "status", "impact", "audiences", "channels", "major_incident")
"""Front-matter fields a follow-up message takes from the message before it when left out."""
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
LAYOUT_HINT = "messages/YYYY/<thread>.md or messages/YYYY/<thread>/<message>.md"
_HANDLER = frontmatter.YAMLHandler()


class Collector:
    """Gathers problems; each helper takes the source path and the line map it reports against."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        source: str,
        line: int,
        field: str,
        message: str,
        severity: Severity = Severity.ERROR,
        code: str = "",
        message_id: str = "",
    ) -> None:
        self.problems.append(
            Problem(source, line, field, message, severity, code, message_id=message_id)
        )


# --------------------------------------------------------------------------- validation errors


def _dotted(loc: tuple[Any, ...]) -> tuple[str, str]:
    """A pydantic location as shown to people (``steps[2].by``) and as a line-map key."""
    shown, key = "", []
    for part in loc:
        if isinstance(part, int):
            shown += f"[{part}]"
        else:
            shown += f".{part}" if shown else str(part)
        key.append(str(part))
    return shown, ".".join(key)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the last element of ``loc`` (to list its allowed fields)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part) if isinstance(current, type) else None
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        inner = typing.get_args(arg)
        for sub in inner:
            found = _unwrap(sub) if sub is not arg else None
            if found is not None:
                return found
    return None


def _describe(error: dict[str, Any], model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1]) or model
        allowed = [info.alias or name for name, info in owner.model_fields.items()]
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
        return f"unknown field {loc[-1]!r}{hint}"
    if kind == "missing":
        return "required field is missing"
    if kind == "enum" or kind == "literal_error":
        return f"{value!r} is not allowed (allowed: {ctx.get('expected', '')})"
    if kind.startswith("datetime") or kind.startswith("date_"):
        return (
            f"not a date and time: {value!r} "
            "(allowed: ISO 8601, e.g. 2026-11-18T09:30 or 2026-11-18T09:30:00+00:00)"
        )
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not a valid id (allowed: lowercase letters, digits and '-')"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"expected a mapping of fields, got {type(value).__name__}"
    if kind == "list_type":
        return f"expected a list, got {type(value).__name__}"
    if kind == "string_type":
        return f"expected text, got {type(value).__name__}"
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def validation_problems(
    exc: ValidationError,
    model: type[BaseModel],
    source: str,
    lines: dict[str, int],
    fallback_line: int,
    out: Collector,
    message_id: str = "",
) -> None:
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        shown, key = _dotted(loc)
        line = fallback_line
        probe = key
        while probe:
            if probe in lines:
                line = lines[probe]
                break
            probe = probe.rpartition(".")[0]
        out.add(source, line, shown or "(file)", _describe(error, model, loc), code="L-schema",
                message_id=message_id)


# --------------------------------------------------------------------------- config files


def _read_yaml(path: Path, out: Collector) -> tuple[Any, str] | None:
    source = relpath(path)
    try:
        return load_yaml(path.read_text(encoding="utf-8")), source
    except yaml.YAMLError as exc:
        out.add(source, error_line(exc), "(yaml)", f"malformed YAML: {_yaml_reason(exc)}",
                code="L-yaml")
    except (OSError, UnicodeDecodeError) as exc:
        out.add(source, 0, "(file)", f"cannot read: {exc}", code="L-io")
    return None


def _yaml_reason(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    return f"{problem} ({context})" if context else str(problem)


def _validate_config(root: Path, out: Collector) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for name, model in CONFIG_FILES.items():
        path = root / name
        if not path.exists():
            out.add(relpath(path), 0, "(file)", f"missing: every content directory needs {name}",
                    code="L-missing")
            continue
        read = _read_yaml(path, out)
        if read is None:
            continue
        data, source = read
        try:
            models[name] = model.model_validate(data)
        except ValidationError as exc:
            validation_problems(exc, model, source, line_map(data), 1, out)
        else:
            models[name + ":lines"] = (source, line_map(data))
    return models


def _check_config_refs(models: dict[str, Any], out: Collector) -> None:
    """Ids are unique and every id a config file names exists."""
    people = models.get("people.yml")
    services = models.get("services.yml")
    audiences = models.get("audiences.yml")
    person_ids = {p.id for p in people.people} if people else None
    role_ids = {r.id for r in people.roles} if people else None
    audience_ids = {a.id for a in audiences.audiences} if audiences else None

    def dupes(name: str, field: str, ids: list[str]) -> None:
        source, lines = models[name + ":lines"]
        seen: set[str] = set()
        for index, ident in enumerate(ids):
            if ident in seen:
                out.add(source, lines.get(f"{field}.{index}.id", 1), f"{field}[{index}].id",
                        f"duplicate id {ident!r}", code="L-duplicate")
            seen.add(ident)

    def ref(name: str, key: str, shown: str, value: str, known: set[str] | None, what: str) -> None:
        if known is not None and value not in known:
            source, lines = models[name + ":lines"]
            close = difflib.get_close_matches(value, sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
            out.add(source, lines.get(key, 1), shown, f"unknown {what} {value!r} ({hint})",
                    code="L-unknown-ref")

    if people:
        dupes("people.yml", "people", [p.id for p in people.people])
        dupes("people.yml", "roles", [r.id for r in people.roles])
        for r_index, role in enumerate(people.roles):
            for c_index, person in enumerate(role.chain):
                ref("people.yml", f"roles.{r_index}.chain.{c_index}",
                    f"roles[{r_index}].chain[{c_index}]", person, person_ids, "person")
    if services:
        all_ids = [s.id for g in services.groups for s in g.services]
        source, lines = models["services.yml:lines"]
        seen: set[str] = set()
        for g_index, group in enumerate(services.groups):
            for s_index, service in enumerate(group.services):
                base = f"groups.{g_index}.services.{s_index}"
                shown = f"groups[{g_index}].services[{s_index}]"
                if service.id in seen:
                    out.add(source, lines.get(base + ".id", 1), shown + ".id",
                            f"duplicate service id {service.id!r}", code="L-duplicate")
                seen.add(service.id)
                for m_index, person in enumerate(service.managers):
                    ref("services.yml", f"{base}.managers.{m_index}",
                        f"{shown}.managers[{m_index}]", person, person_ids, "person")
                for a_index, audience in enumerate(service.audiences):
                    ref("services.yml", f"{base}.audiences.{a_index}",
                        f"{shown}.audiences[{a_index}]", audience, audience_ids, "audience")
        dupes("services.yml", "groups", [g.id for g in services.groups])
        del all_ids
    if audiences:
        dupes("audiences.yml", "audiences", [a.id for a in audiences.audiences])
        for index, audience in enumerate(audiences.audiences):
            if audience.representative_role:
                ref("audiences.yml", f"audiences.{index}.representative_role",
                    f"audiences[{index}].representative_role", audience.representative_role,
                    role_ids, "role")


# --------------------------------------------------------------------------- messages


def _thread_id_for(rel: Path) -> tuple[str, str] | None:
    """(thread id, message stem) from a path relative to ``messages/``; None if misplaced."""
    parts = list(rel.parts)
    if parts and YEAR_RE.match(parts[0]):
        parts = parts[1:]
    if len(parts) == 1:
        return Path(parts[0]).stem, ""
    if len(parts) == 2:
        return parts[0], Path(parts[1]).stem
    return None


def _parse_message(
    path: Path, root: Path, context: dict[str, Any], out: Collector
) -> tuple[Message, str | None] | None:
    source = relpath(path)
    placed = _thread_id_for(path.relative_to(root / "messages"))
    if placed is None:
        out.add(source, 0, "(file)", f"a message file outside any known place (allowed: "
                f"{LAYOUT_HINT})", code="L-layout")
        return None
    thread_id, stem = placed
    for label, ident in (("thread folder or file name", thread_id), ("file name", stem)):
        if ident and not ID_RE.match(ident):
            out.add(source, 0, "(file)", f"{label} {ident!r} is not a valid id (allowed: "
                    "lowercase letters, digits and '-')", code="L-layout")
            return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.add(source, 0, "(file)", f"cannot read: {exc}", code="L-io")
        return None
    if not _HANDLER.detect(text):
        out.add(source, 1, "(front matter)", "no front matter: the file must start with a "
                "'---' line, YAML fields, and another '---' line", code="L-frontmatter")
        return None
    try:
        fm_text, body = _HANDLER.split(text)
    except ValueError:
        out.add(source, 1, "(front matter)", "front matter is not closed by a '---' line",
                code="L-frontmatter")
        return None
    try:
        data = load_yaml(fm_text, line_offset=1)
    except yaml.YAMLError as exc:
        out.add(source, error_line(exc, 1), "(yaml)", f"malformed YAML: {_yaml_reason(exc)}",
                code="L-yaml")
        return None
    if not isinstance(data, LineDict):
        out.add(source, 2, "(front matter)", "front matter must be a mapping of fields",
                code="L-frontmatter")
        return None
    lines = line_map(data)
    message_id = f"{thread_id}/{stem}" if stem else thread_id
    try:
        meta = FrontMatter.model_validate(data, context=context)
    except ValidationError as exc:
        validation_problems(exc, FrontMatter, source, lines, 2, out, message_id)
        return None
    joined = meta.thread
    if joined and stem == "":
        # a single file continuing another thread: its id stays its own, under that thread
        message_id = f"{joined}/{thread_id}"
        thread_id = joined
    body_line = fm_text.count("\n") + 3
    message = Message(message_id, thread_id, path, source, body.strip("\n") + "\n", body_line,
                      meta, lines)
    return message, joined


def _inherit(messages: list[Message]) -> None:
    """Fill left-out fields of each follow-up from the message before it, in send order."""
    previous: FrontMatter | None = None
    for index, message in enumerate(messages):
        message.order = index
        meta = message.meta
        if previous is not None:
            # An all-clear or review closes the thread: its status never carries the old one.
            closing = meta.type in (MessageType.ALL_CLEAR, MessageType.POST_INCIDENT_REVIEW)
            update: dict[str, Any] = {
                name: getattr(previous, name)
                for name in INHERITED
                if name not in meta.model_fields_set and getattr(previous, name) is not None
                and not (closing and name == "status")
            }
            if "window" not in meta.model_fields_set:
                update["window"] = previous.window
            elif previous.window is not None and meta.window is not None:
                merged = previous.window.model_dump()
                merged.update(meta.window.model_dump(exclude_unset=True))
                update["window"] = Window.model_validate(merged)
            if update:
                meta = meta.model_copy(update=update)
                message.meta = meta
        previous = meta


def _send_key(message: Message) -> tuple[bool, float, str]:
    """Thread order: by send time, unscheduled drafts last, file path breaking ties."""
    sent = message.meta.send_at
    return (sent is None, sent.timestamp() if sent else 0.0, message.source)


def _build_threads(parsed: list[tuple[Message, str | None]], out: Collector) -> dict[str, Thread]:
    by_thread: dict[str, list[Message]] = {}
    homes: dict[str, Path] = {}
    for message, joined in parsed:
        if joined is None:
            home = message.path.parent if message.id != message.thread_id else message.path
            known = homes.setdefault(message.thread_id, home)
            if known != home:
                out.add(message.source, 0, "(file)", f"duplicate thread id {message.thread_id!r}"
                        f" (also {relpath(known)})", code="L-duplicate", message_id=message.id)
                continue
        by_thread.setdefault(message.thread_id, []).append(message)
    threads: dict[str, Thread] = {}
    for thread_id, messages in by_thread.items():
        if thread_id not in homes:
            for message in messages:
                out.add(message.source, message.line("thread"), "thread",
                        f"points at a missing thread {thread_id!r}", code="L-unknown-ref",
                        message_id=message.id)
            continue
        messages.sort(key=_send_key)
        opener = messages[0]
        kind = OPENING_TYPES.get(opener.type)
        if kind is None:
            out.add(opener.source, opener.line("type"), "type",
                    f"{opener.type.value!r} cannot open a thread: it continues one (put the file"
                    f" in the thread's folder, or set thread: <thread-id>)",
                    code="L-thread", message_id=opener.id)
            continue
        _inherit(messages)
        threads[thread_id] = Thread(thread_id, kind, messages, homes[thread_id])
    return threads


def _check_message(message: Message, thread: Thread, known: dict[str, set[str]],
                   message_ids: set[str], out: Collector) -> None:
    meta, src, mid = message.meta, message.source, message.id

    def add(field: str, text: str, severity: Severity = Severity.ERROR, code: str = "L-check",
            ) -> None:
        out.add(src, message.line(field), field, text, severity, code, mid)

    def ref(field: str, value: str | None, kind: str) -> None:
        if value is None or value in known[kind]:
            return
        close = difflib.get_close_matches(value, sorted(known[kind]), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"see content/{kind}.yml"
        add(field, f"unknown {kind[:-1] if kind != 'people' else 'person'} {value!r} ({hint})",
            code="L-unknown-ref")

    if not meta.title:
        add("title", "required field is missing (the first message of a thread needs a title)")
    elif CONTROL_RE.search(meta.title):
        add("title", "contains a line break or control character (a title becomes an email "
            "Subject header; allowed: one line of text)")
    for service in meta.services:
        ref(f"services.{service}", service, "services")
    for index, audience in enumerate(meta.audiences or []):
        ref(f"audiences.{index}", audience, "audiences")
    wf = meta.workflow
    ref("workflow.requested_by", wf.requested_by, "people")
    ref("workflow.on_behalf_of", wf.on_behalf_of, "people")
    for index, step in enumerate(wf.steps):
        ref(f"workflow.steps.{index}.by", step.by, "people")
    if wf.reminder_of and wf.reminder_of not in message_ids:
        add("workflow.reminder_of", f"points at a missing message {wf.reminder_of!r} (allowed: a "
            "message id: <thread-id> or <thread-id>/<file-stem>)", code="L-unknown-ref")
    if meta.status is not None:
        allowed = {ThreadKind.INCIDENT: INCIDENT_STATUSES,
                   ThreadKind.MAINTENANCE: MAINTENANCE_STATUSES}.get(thread.kind, frozenset())
        if meta.status not in allowed:
            names = ", ".join(s.value for s in Status if s in allowed) or "none: leave it out"
            add("status", f"{meta.status.value!r} is not a status for a {thread.kind.value} "
                f"thread (allowed: {names})")
    window = meta.window
    if window and window.start:
        for end in ("expected_end", "actual_end"):
            value = getattr(window, end)
            if value is not None and value < window.start:
                add(f"window.{end}", f"ends before it starts ({value.isoformat()} is before "
                    f"window.start {window.start.isoformat()})")
    if wf.stage.value == "approved" and meta.send_at is None:
        add("workflow.stage", "approved but has no send_at, so it would never be published "
            "(add send_at)")
    if (meta.type is MessageType.ALL_CLEAR and meta.status is not None
            and meta.status not in CLOSED_STATUSES):
        add("status", f"an all-clear closes its thread; {meta.status.value!r} leaves it open "
            "(allowed: resolved, completed)")
    if meta.major_incident is not None and thread.first.type is not MessageType.MAJOR_INCIDENT:
        add("major_incident", "major-incident fields on a thread that was not declared a major "
            "incident (its first message must have type: major-incident)", Severity.WARNING)


def load_content(root: Path) -> tuple[Content | None, list[Problem]]:
    """Read a content directory. Returns the content (None if config is unusable) and every
    problem found; messages with problems are left out of the returned content."""
    out = Collector()
    root = Path(root)
    if not root.is_dir():
        out.add(relpath(root), 0, "(directory)", "no such content directory", code="L-missing")
        return None, out.problems
    models = _validate_config(root, out)
    _check_config_refs(models, out)
    policy_source: dict[str, Any] = {}
    policy_path = root / "policy.yml"
    if policy_path.exists():
        read = _read_yaml(policy_path, out)
        if read is not None and isinstance(read[0], dict):
            policy_source = read[0]
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and len(rel.parts) == 1 and path.suffix in {".yml", ".yaml"}:
            if path.name not in CONFIG_FILES and path.name not in OPTIONAL_FILES:
                allowed = ", ".join([*CONFIG_FILES, *OPTIONAL_FILES])
                out.add(relpath(path), 0, "(file)", f"unknown config file (allowed: {allowed})",
                        code="L-layout")
        elif path.is_file() and path.suffix == ".md" and rel.parts[0] != "messages":
            out.add(relpath(path), 0, "(file)", f"a message file outside any known place "
                    f"(allowed: {LAYOUT_HINT})", code="L-layout")

    organisation = models.get("organisation.yml")
    if organisation is None or any(name not in models for name in CONFIG_FILES):
        return None, out.problems
    context = {"tz": organisation.tz}
    parsed = [
        result
        for path in sorted((root / "messages").rglob("*.md"))
        if (result := _parse_message(path, root, context, out)) is not None
    ]
    threads = _build_threads(parsed, out)
    content = Content(
        root=root,
        organisation=organisation,
        groups=models["services.yml"].groups,
        audiences={a.id: a for a in models["audiences.yml"].audiences},
        people={p.id: p for p in models["people.yml"].people},
        roles={r.id: r for r in models["people.yml"].roles},
        threads=threads,
        policy_source=policy_source,
        policy_path=policy_path if policy_path.exists() else None,
    )
    known = {"services": set(content.services), "audiences": set(content.audiences),
             "people": set(content.people)}
    message_ids = set(content.messages)
    for thread in threads.values():
        for message in thread.messages:
            _check_message(message, thread, known, message_ids, out)
    return content, out.problems
