"""The preapproved message templates (``publisher/templates/messages/``, overridable).

Each template is a Markdown file: its front matter is the template's settings (message type,
default status, impact, channels, what the author must supply), its body is a Jinja2 text
with the approved wording. Another team changes the wording or the defaults by editing the
files, not the code. A project may keep its own ``site_templates/messages`` next to
``content/``; it wins over the copy shipped with the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from .. import templates
from ..content.model import MessageType, Status
from ..errors import ConfigError

NEEDS = ("title", "services", "start", "end", "send_at", "thread", "audiences", "criteria")
"""What a template may require the author to supply (``--title``, ``--service``, …)."""


@dataclass(frozen=True)
class MessageTemplate:
    name: str
    label: str
    type: MessageType
    file: str
    body: str
    path: Path
    follows: bool = False
    status: str | dict[str, str] | None = None
    impact: str | None = None
    service_status: str | None = None
    channels: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    exception: str | None = None
    major_incident: str | None = None
    needs: tuple[str, ...] = ()

    def status_for(self, thread_kind: str | None) -> str | None:
        """The default status; a follow-up's may depend on the kind of thread it continues."""
        if isinstance(self.status, dict):
            return self.status.get(thread_kind or "")
        return self.status

    def render(self, values: dict[str, Any]) -> str:
        env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                 autoescape=False)  # Markdown, sanitized when rendered
        try:
            text = env.from_string(self.body).render(**values)
        except jinja2.TemplateError as exc:
            raise ConfigError(f"{self.path}: template error: {exc}") from exc
        return text.strip("\n") + "\n"


def template_dirs(content_root: Path | None) -> list[Path]:
    """The organisation's ``site_templates/messages`` first, then the packaged wordings."""
    project = templates.project_dir(content_root) if content_root is not None else None
    return templates.search_path("messages", project)


def _parse(path: Path) -> MessageTemplate:
    text = path.read_text(encoding="utf-8")
    parts = text.split("---\n", 2)
    if len(parts) != 3 or parts[0] != "":
        raise ConfigError(f"{path}:1: template must start with front matter between '---' lines")
    settings = yaml.safe_load(parts[1]) or {}
    known = {"label", "type", "file", "follows", "status", "impact", "service_status",
             "channels", "categories", "exception", "major_incident", "needs"}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown template setting(s) {', '.join(unknown)} "
                          f"(allowed: {', '.join(sorted(known))})")
    try:
        kind = MessageType(str(settings.get("type")))
    except ValueError as exc:
        allowed = ", ".join(t.value for t in MessageType)
        raise ConfigError(f"{path}: type: {settings.get('type')!r} is not allowed "
                          f"(allowed: {allowed})") from exc
    statuses = settings.get("status")
    for value in statuses.values() if isinstance(statuses, dict) else [statuses]:
        if value is not None and value not in {s.value for s in Status}:
            raise ConfigError(f"{path}: status: {value!r} is not a status")
    needs = tuple(settings.get("needs") or ())
    bad = [n for n in needs if n not in NEEDS]
    if bad:
        raise ConfigError(f"{path}: needs: {', '.join(bad)} (allowed: {', '.join(NEEDS)})")
    return MessageTemplate(
        name=path.stem, label=settings.get("label", path.stem), type=kind,
        file=settings.get("file", path.stem), body=parts[2], path=path,
        follows=bool(settings.get("follows", False)), status=statuses,
        impact=settings.get("impact"), service_status=settings.get("service_status"),
        channels=list(settings.get("channels") or []),
        categories=list(settings.get("categories") or []),
        exception=settings.get("exception"), major_incident=settings.get("major_incident"),
        needs=needs,
    )


def available(content_root: Path | None = None) -> dict[str, MessageTemplate]:
    """Every template by name; a project's own template shadows the packaged one."""
    found: dict[str, MessageTemplate] = {}
    for directory in reversed(template_dirs(content_root)):
        for path in sorted(directory.glob("*.md")):
            found[path.stem] = _parse(path)
    return dict(sorted(found.items()))


ALIASES = {
    "unplanned-outage": "unplanned-outage-notice",
    "outage": "unplanned-outage-notice",
    "major-incident": "major-incident-declaration",
    "faq-update": "major-incident-faq-update",
    "news": "news-story",
    "maintenance": "planned-maintenance",
    "launch": "new-service-launch",
    "review": "post-incident-review",
}
"""Message-type names and short names people type, mapped to template names."""


def get(name: str, content_root: Path | None = None) -> MessageTemplate:
    known = available(content_root)
    found = known.get(name) or known.get(ALIASES.get(name, ""))
    if found is None:
        raise ConfigError(f"no message template {name!r} (allowed: {', '.join(known)})")
    return found
