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
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import Problem, Severity, relpath
from . import yamlfast
from .config import (
    CONFIG_FILES,
    OPTIONAL_FILES,
    Collector,
    check_config_refs,
    config_ids,
    organisation_zone,
    read_yaml,
    validate_config,
    validation_problems,
)
from .memory import SettledMemory, fingerprint
from .model import (
    CLOSED_STATUSES,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    OPENING_TYPES,
    Content,
    FrontMatter,
    Message,
    MessageType,
    Status,
    Thread,
    ThreadKind,
    Window,
    compact,
)
from .reading import (
    LAYOUT_HINT,
    MessageFile,
    ParsedCache,
    Sources,
    message_id_of,
    parse_messages,
    read_message,
    split_front_matter,
)

__all__ = ["CONFIG_FILES", "Collector", "load_content", "split_front_matter",
           "validation_problems"]

INHERITED = ("title", "services", "status", "impact", "audiences", "channels", "major_incident")
"""Front-matter fields a follow-up message takes from the message before it when left out."""
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
"""A line break or control character: not allowed in a one-line value (``publisher new``)."""


def _scan(root: Path, out: Collector) -> list[tuple[str, ...]]:
    """Every file under ``root`` as path parts relative to it, in path order (one walk of the
    tree; pathlib's rglob, sorting and relative_to were a large share of loading time).

    Symlinked folders are not followed (``os.walk``'s default): a warning names each, since
    the messages in it are not read. Symlinked files are checked when read (``limits``)."""
    found: list[tuple[str, ...]] = []
    sources = Sources(root)
    for directory, folders, names in os.walk(root):
        rel = os.path.relpath(directory, root)
        prefix = () if rel == "." else tuple(rel.split(os.sep))
        found.extend((*prefix, name) for name in names)
        for folder in folders:
            if os.path.islink(os.path.join(directory, folder)):
                out.add(sources((*prefix, folder)), 0, "(folder)", "a symbolic link to a folder"
                        " is not followed: nothing in it is read (allowed: real folders)",
                        Severity.WARNING, code="L-io")
    found.sort()
    return found


def _inherit(messages: list[Message]) -> None:
    """Fill left-out fields of each follow-up from the message before it, in send order.

    An approved message inherits from the approved message before it, never from a draft
    scheduled in between: what is published must not depend on unapproved text. Drafts
    inherit from whatever precedes them, so a draft thread reads complete.
    """
    latest: FrontMatter | None = None
    approved: FrontMatter | None = None
    for index, message in enumerate(messages):
        message.order = index
        meta = message.meta
        previous = (approved or latest) if message.approved else latest
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
        compact(meta)
        latest = meta
        if message.approved:
            approved = meta


def _send_key(message: Message) -> tuple[bool, float, bool, str]:
    """Thread order: by send time, unscheduled drafts last; at the same time the message that
    opens the thread first (``x-update.md`` sorts before ``x.md``), then the file path."""
    sent = message.meta.send_at
    return (sent is None, sent.timestamp() if sent else 0.0,
            message.type not in OPENING_TYPES, message.source)


def _build_threads(parsed: list[tuple[Message, str | None]], out: Collector) -> dict[str, Thread]:
    by_thread: dict[str, list[Message]] = {}
    homes: dict[str, Path] = {}
    for message, joined in parsed:
        if joined is None:
            home = message.path.parent if message.id != message.thread_id else message.path
            known = homes.setdefault(message.thread_id, home)
            if known != home:
                out.add(message.source, 1, "(file)", f"duplicate thread id {message.thread_id!r}"
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
        first = next((i for i, m in enumerate(messages) if m.type in OPENING_TYPES), None)
        if first is None:
            opener = messages[0]
            out.add(opener.source, opener.line("type"), "type",
                    f"{opener.type.value!r} cannot open a thread: it continues one (put the file"
                    f" in the thread's folder, or set thread: <thread-id>)",
                    code="L-thread", message_id=opener.id)
            continue
        opener = messages[first]
        opened = opener.meta.send_at.isoformat() if opener.meta.send_at else "not scheduled"
        for early in messages[:first]:
            # One follow-up scheduled too early is its own error; the thread still loads.
            out.add(early.source, early.line("send_at"), "send_at",
                    f"this {early.type.value} is sent before the message that opens its thread "
                    f"({opener.id}, send_at: {opened})", code="L-thread", message_id=early.id)
        messages = messages[first:]
        kind = OPENING_TYPES[opener.type]
        _inherit(messages)
        threads[thread_id] = Thread(thread_id, kind, messages, homes[thread_id])
    return threads


def _check_message(message: Message, thread: Thread, known: dict[str, set[str] | None],
                   message_ids: set[str], out: Collector) -> None:
    meta, src, mid = message.meta, message.source, message.id

    def add(field: str, text: str, severity: Severity = Severity.ERROR, code: str = "L-check",
            shown: str = "") -> None:
        out.add(src, message.line(field), shown or field, text, severity, code, mid)

    def ref(field: str, value: str | None, kind: str, shown: str = "") -> None:
        ids = known.get(kind)
        if value is None or ids is None or value in ids:
            return
        close = difflib.get_close_matches(value, sorted(ids), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"see content/{kind}.yml"
        add(field, f"unknown {kind[:-1] if kind != 'people' else 'person'} {value!r} ({hint})",
            code="L-unknown-ref", shown=shown)

    if not meta.title:
        add("title", "required field is missing (the first message of a thread needs a title)")
    # Inherited services and audiences were checked on the message that wrote them.
    for service in meta.services if message.wrote("services") else ():
        ref(f"services.{service}", service, "services")
    for index, audience in enumerate(meta.audiences or [] if message.wrote("audiences")
                                     else []):
        ref(f"audiences.{index}", audience, "audiences", f"audiences[{index}]")
    wf = meta.workflow
    ref("workflow.requested_by", wf.requested_by, "people")
    ref("workflow.on_behalf_of", wf.on_behalf_of, "people")
    for index, step in enumerate(wf.steps):
        ref(f"workflow.steps.{index}.by", step.by, "people", f"workflow.steps[{index}].by")
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
            if value is not None and value.timestamp() < window.start.timestamp():
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


def load_content(root: Path, memory: SettledMemory | None = None,
                 settled_at: datetime | None = None) -> tuple[Content | None, list[Problem]]:
    """Read a content directory. Returns the content (None if config is unusable) and every
    problem found; messages with problems are left out of the returned content.

    Messages are checked even when a config file is broken (against whatever ids that file
    still declares), so one run shows every problem in every file. With a ``memory`` and
    ``settled_at`` (``publisher check``), a thread the memory knows settled without problems
    by then is not parsed at all, only counted (``Content.unread``).
    """
    out = Collector()
    root = Path(root)
    if not root.is_dir():
        out.add(relpath(root), 0, "(directory)", "no such content directory", code="L-missing")
        return None, out.problems
    models, raw = validate_config(root, out)
    known = config_ids(raw)
    check_config_refs(raw, known, out)
    policy_source, policy_path = _policy_source(root, out)
    sources = Sources(root)
    files = _scan(root, out)
    _misplaced(files, sources, out)
    context = {"tz": organisation_zone(models, raw)}
    parsed_cache = ParsedCache(root, str(context["tz"]))
    read = [
        file
        for parts in files
        if len(parts) > 1 and parts[0] == "messages" and parts[-1].endswith(".md")
        and (file := read_message(parts, sources, parsed_cache, out)) is not None
    ]
    unread = _settled(read, memory, settled_at) if memory and settled_at else set()
    parsed = parse_messages([file for file in read if file.thread_id not in unread], context,
                            parsed_cache, out)
    parsed_cache.pack.save()
    yamlfast.forget()
    if unread and any(joined in unread or (m.meta.workflow.reminder_of or "").split("/")[0]
                      in unread for m, joined in parsed):
        return load_content(root, memory)  # a message refers into a thread left unread
    threads = _build_threads(parsed, out)
    message_ids = {m.id for t in threads.values() for m in t.messages}
    message_ids |= {message_id_of(f) for f in read if f.thread_id in unread}
    for thread in threads.values():
        for message in thread.messages:
            _check_message(message, thread, known, message_ids, out)
    if any(name not in models for name in CONFIG_FILES):
        return None, out.problems
    content = Content(
        root=root,
        organisation=models["organisation.yml"],
        groups=models["services.yml"].groups,
        audiences={a.id: a for a in models["audiences.yml"].audiences},
        people={p.id: p for p in models["people.yml"].people},
        roles={r.id: r for r in models["people.yml"].roles},
        threads=threads,
        policy_source=policy_source,
        policy_path=policy_path,
        unread=sum(1 for f in read if f.thread_id in unread),
    )
    return content, out.problems


def _policy_source(root: Path, out: Collector) -> tuple[dict[str, Any], Path | None]:
    """policy.yml as parsed (validated later, by the policy stage) and its path, if any."""
    path = root / "policy.yml"
    if not path.exists():
        return {}, None
    read = read_yaml(path, out)
    return (read[0] if read is not None and isinstance(read[0], dict) else {}), path


def _misplaced(files: list[tuple[str, ...]], sources: Sources, out: Collector) -> None:
    """Unknown config files, and message files outside ``messages/``."""
    for parts in files:
        if parts[0] == "messages":
            continue
        suffix = Path(parts[-1]).suffix
        if len(parts) == 1 and suffix in {".yml", ".yaml"}:
            if parts[0] not in CONFIG_FILES and parts[0] not in OPTIONAL_FILES:
                allowed = ", ".join([*CONFIG_FILES, *OPTIONAL_FILES])
                out.add(sources(parts), 1, "(file)", f"unknown config file (allowed: {allowed})",
                        code="L-layout")
        elif suffix == ".md":
            out.add(sources(parts), 1, "(file)", f"a message file outside any known place "
                    f"(allowed: {LAYOUT_HINT})", code="L-layout")


def _settled(read: list[MessageFile], memory: SettledMemory, at: datetime) -> set[str]:
    """Thread ids whose files are exactly those of a thread the memory knows settled by
    ``at`` without problems: nothing in them needs reading. A file that joins another
    thread is keyed under that thread, so a folder it joins never matches here."""
    groups: dict[str, list[MessageFile]] = {}
    for file in read:
        groups.setdefault(file.thread_id, []).append(file)
    return {
        thread_id for thread_id, files in groups.items()
        if memory.known(memory.key(fingerprint(f.key, f.source, message_id_of(f)) for f in files),
                        at)
    }
