"""Configuration files and pydantic errors, for the loader: each problem pinned to a line.

``load`` reads messages; this module reads ``organisation.yml``, ``services.yml``,
``audiences.yml`` and ``people.yml``, turns pydantic's validation errors into
``path:line: field: what is wrong (allowed: …)``, and checks the ids config files name. Those
checks run on the raw YAML, so one schema error in a file never hides the others.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import Problem, Severity, relpath
from .limits import file_problem
from .model import AudiencesFile, Organisation, PeopleFile, ServicesFile
from .safety import scan_strings
from .yamlsource import error_line, line_map, load_yaml

CONFIG_FILES: dict[str, type[BaseModel]] = {
    "organisation.yml": Organisation,
    "services.yml": ServicesFile,
    "audiences.yml": AudiencesFile,
    "people.yml": PeopleFile,
}
OPTIONAL_FILES = ("policy.yml",)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Collector:
    """Gathers problems; each helper takes the source path and the line map it reports against."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.scanned: dict[str, set[str]] = {}
        """Fields per file the raw-text scan reported (pydantic's errors on them are noise)."""

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
        fields = getattr(current, "model_fields", None) if isinstance(current, type) else None
        info = fields.get(part) if fields else None
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


def _describe(error: Mapping[str, Any], model: type[BaseModel], loc: tuple[Any, ...]) -> str:
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
    if kind.startswith("date_"):
        return f"not a date: {value!r} (allowed: YYYY-MM-DD, e.g. 2026-11-18)"
    if kind.startswith("datetime") or kind.startswith("date_"):
        return (
            f"not a date and time: {value!r} "
            "(allowed: ISO 8601, e.g. 2026-11-18T09:30 or 2026-11-18T09:30:00+00:00)"
        )
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == ID_RE.pattern:
            return f"{value!r} is not a valid id (allowed: lowercase letters, digits and '-')"
        if str(ctx.get("pattern", "")).startswith("^https?"):
            return f"{value!r} is not a web address (allowed: http://… or https://…)"
        return f"{value!r} does not match the pattern {ctx.get('pattern')!r}"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return f"expected a whole number, got {value!r}"
    if kind in {"bool_parsing", "bool_type"}:
        return f"expected true or false, got {value!r}"
    if kind in {"float_parsing", "float_type"}:
        return f"expected a number, got {value!r}"
    if kind in {"time_parsing", "time_type"}:
        return f"not a time of day: {value!r} (allowed: HH:MM, e.g. \"08:30\")"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f"{value!r} is out of range ({error.get('msg', '').lower()})"
    if kind == "string_too_long":
        return f"too long (allowed: at most {ctx.get('max_length')} characters)"
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
    reported: set[str] | frozenset[str] = frozenset(),
) -> None:
    """One problem per pydantic error, except on fields in ``reported`` (already reported
    by the raw-text scan, which says it better)."""
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        shown, key = _dotted(loc)
        if key in reported:
            continue
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


def read_yaml(path: Path, out: Collector) -> tuple[Any, str] | None:
    """A config file's data, or None with the reason added to ``out``: a symlink leaving
    the content folder, a file over the size limit or broken YAML is never read on."""
    source = relpath(path)
    refused = file_problem(path, path.parent)
    if refused:
        out.add(source, 1, "(file)", refused, code="L-io")
        return None
    text = ""
    try:
        text = path.read_text(encoding="utf-8")
        data = load_yaml(text)
        lines = line_map(data)
        for field, reason in scan_strings(data):
            probe = field
            while probe and probe not in lines:
                probe = probe.rpartition(".")[0]
            out.add(source, lines.get(probe, 1), field, reason, code="L-text")
            out.scanned.setdefault(source, set()).add(field)
        return data, source
    except yaml.YAMLError as exc:
        out.add(source, error_line(exc, 0, text), "(yaml)",
                f"malformed YAML: {yaml_reason(exc, 0, text)}", code="L-yaml")
    except (OSError, UnicodeDecodeError) as exc:
        out.add(source, 1, "(file)", f"cannot read: {exc}", code="L-io")
    return None


def yaml_reason(exc: yaml.YAMLError, line_offset: int = 0, text: str = "") -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    mark, at = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
    if context and mark is not None and (at is None or at.line != mark.line):
        context = f"{context} that starts on line {mark.line + 1 + line_offset}"
    if at is not None and 0 <= at.index < len(text) and text[at.index] == "\t":
        problem = f"{problem}: a tab (indent YAML with spaces)"
    return f"{problem} ({context})" if context else str(problem)


def validate_config(root: Path, out: Collector) -> tuple[dict[str, Any], dict[str, Any]]:
    """(valid models, raw data) of the config files; raw data is kept even when invalid,
    so cross-references are still checked and messages still loaded against it."""
    models: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for name, model in CONFIG_FILES.items():
        path = root / name
        if not path.exists():
            out.add(relpath(path), 0, "(file)", f"missing: every content directory needs {name}",
                    code="L-missing")
            continue
        read = read_yaml(path, out)
        if read is None:
            continue
        data, source = read
        raw[name] = (source, data, line_map(data))
        try:
            models[name] = model.model_validate(data)
        except ValidationError as exc:
            validation_problems(exc, model, source, raw[name][2], 1, out,
                                reported=out.scanned.get(source, set()))
    return models, raw


def _entries(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    """(index, mapping) of each well-formed entry of the list ``data[key]``."""
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _ids(entries: list[tuple[int, dict[str, Any]]]) -> set[str]:
    # An invalid id is its own error; never offer it as a "did you mean".
    return {ident for _, item in entries
            if isinstance(ident := item.get("id"), str) and ID_RE.match(ident)}


def _names(value: Any) -> list[tuple[int, str]]:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, str)] if isinstance(
        value, list) else []


def config_ids(raw: dict[str, Any]) -> dict[str, set[str] | None]:
    """Ids each config file declares, read from raw data (None when the file is unreadable)."""

    def known(name: str, key: str) -> set[str] | None:
        return _ids(_entries(raw[name][1], key)) if name in raw else None

    services = None
    if "services.yml" in raw:
        services = {ident for _, group in _entries(raw["services.yml"][1], "groups")
                    for ident in _ids(_entries(group, "services"))}
    return {"services": services, "audiences": known("audiences.yml", "audiences"),
            "people": known("people.yml", "people"), "roles": known("people.yml", "roles")}


def check_config_refs(raw: dict[str, Any], known: dict[str, set[str] | None],
                       out: Collector) -> None:
    """Ids are unique and every id a config file names exists (checked on the raw data, so
    a schema error elsewhere in the same file hides nothing)."""

    def dupes(name: str, entries: list[tuple[int, dict[str, Any]]], key: str, shown: str,
              what: str = "id") -> None:
        source, _, lines = raw[name]
        seen: set[str] = set()
        for index, item in entries:
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in seen:
                out.add(source, lines.get(f"{key}.{index}.id", 1), f"{shown}[{index}].id",
                        f"duplicate {what} {ident!r}", code="L-duplicate")
            seen.add(ident)

    def ref(name: str, key: str, shown: str, value: str, kind: str, what: str) -> None:
        ids = known[kind]
        if ids is not None and value not in ids:
            source, _, lines = raw[name]
            close = difflib.get_close_matches(value, sorted(ids), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(ids))}"
            out.add(source, lines.get(key, 1), shown, f"unknown {what} {value!r} ({hint})",
                    code="L-unknown-ref")

    if "people.yml" in raw:
        data = raw["people.yml"][1]
        dupes("people.yml", _entries(data, "people"), "people", "people")
        roles = _entries(data, "roles")
        dupes("people.yml", roles, "roles", "roles")
        for r_index, role in roles:
            for c_index, person in _names(role.get("chain")):
                ref("people.yml", f"roles.{r_index}.chain.{c_index}",
                    f"roles[{r_index}].chain[{c_index}]", person, "people", "person")
    if "services.yml" in raw:
        groups = _entries(raw["services.yml"][1], "groups")
        dupes("services.yml", groups, "groups", "groups")
        seen: set[str] = set()
        source, _, lines = raw["services.yml"]
        for g_index, group in groups:
            for s_index, service in _entries(group, "services"):
                base = f"groups.{g_index}.services.{s_index}"
                shown = f"groups[{g_index}].services[{s_index}]"
                ident = service.get("id")
                if isinstance(ident, str) and ident in seen:
                    out.add(source, lines.get(base + ".id", 1), shown + ".id",
                            f"duplicate service id {ident!r}", code="L-duplicate")
                if isinstance(ident, str):
                    seen.add(ident)
                for m_index, person in _names(service.get("managers")):
                    ref("services.yml", f"{base}.managers.{m_index}",
                        f"{shown}.managers[{m_index}]", person, "people", "person")
                for a_index, audience in _names(service.get("audiences")):
                    ref("services.yml", f"{base}.audiences.{a_index}",
                        f"{shown}.audiences[{a_index}]", audience, "audiences", "audience")
    if "audiences.yml" in raw:
        entries = _entries(raw["audiences.yml"][1], "audiences")
        dupes("audiences.yml", entries, "audiences", "audiences")
        for index, audience_entry in entries:
            representative = audience_entry.get("representative_role")
            if isinstance(representative, str):
                ref("audiences.yml", f"audiences.{index}.representative_role",
                    f"audiences[{index}].representative_role", representative, "roles", "role")


def organisation_zone(models: dict[str, Any], raw: dict[str, Any]) -> ZoneInfo:
    """The organisation's zone for reading times; a broken organisation.yml still gives its
    timezone when that one field is valid, else UTC (its own problem is reported already)."""
    organisation = models.get("organisation.yml")
    if organisation is not None:
        return organisation.tz
    data = raw.get("organisation.yml", (None, None))[1]
    name = data.get("timezone") if isinstance(data, dict) else None
    try:
        return ZoneInfo(name) if isinstance(name, str) else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
