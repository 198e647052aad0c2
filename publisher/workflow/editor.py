"""``publisher editor``: a browser editor (Decap CMS) configured from the content model.

The comms lead writes notices in a form instead of YAML: ``build/admin/`` gets an
``index.html`` that loads Decap CMS from our own copy (npm ``decap-cms``, never a CDN) and a
``config.yml`` generated here from the organisation's config files, so every select offers
exactly the services, impacts, audiences, channels and people ``publisher check`` accepts.

One collection per kind of message: a new unplanned outage, an update / extension /
all-clear of a thread, planned maintenance, a major-incident update with its FAQ sections,
news. Every file it writes is a ``stage: draft`` message in the layout ``load`` reads
(``messages/YYYY/<date>-<slug>.md``; a follow-up names its thread with ``thread:``), so the
usual governance follows: ``check``, ``preview``, ``review``, ``approve``.

The folder is never inside the public site (``build/site``): the editor is for the team.
"""

from __future__ import annotations

import http.server
import shutil
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ..content.model import (
    CLOSED_STATUSES,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Channel,
    ComponentStatus,
    Content,
    Criterion,
    Impact,
    ReaderAction,
    ThreadKind,
)
from ..errors import ConfigError
from ..outdir import refuse_public

DECAP_VERSION = "3.16.3"
DECAP_SERVER_VERSION = "3.11.3"
DECAP_DIST = Path(".cache/node_modules/decap-cms/dist")
"""Where ``npm install --prefix .cache decap-cms@VERSION`` puts the bundle: ``decap-cms.js``
and the chunks and WebAssembly files it loads from next to itself."""
INSTALL = (f"npm install --prefix .cache decap-cms@{DECAP_VERSION} "
           f"decap-server@{DECAP_SERVER_VERSION}")
DATETIME = "YYYY-MM-DDTHH:mm"
"""moment.js format of every date-time: local time without offset, which ``publisher``
reads in the organisation's time zone (docs/authoring.md)."""
BACKENDS = ("local", "github", "gitlab", "gitea")


@dataclass(frozen=True)
class Backend:
    """Where the editor reads and writes: the local repository through ``decap-server``, or
    a GitHub/GitLab/Gitea repository through its API (OAuth, see docs/editor.md)."""

    name: str = "local"
    repo: str | None = None
    branch: str = "main"
    local_url: str = "http://localhost:8081/api/v1"
    base_url: str | None = None
    """OAuth provider (GitHub/Gitea) or the GitLab instance's URL."""
    api_root: str | None = None
    app_id: str | None = None
    """GitLab / Gitea OAuth application id (PKCE, no server-side secret)."""

    def as_config(self) -> dict[str, Any]:
        if self.name not in BACKENDS:
            raise ConfigError(f"--backend: {self.name!r} (allowed: {', '.join(BACKENDS)})")
        if self.name == "local":
            # decap-server writes into the working tree of the repository it runs in
            return {"backend": {"name": "git-gateway", "branch": self.branch},
                    "local_backend": {"url": self.local_url}}
        if not self.repo:
            raise ConfigError(f"--repo: the {self.name} backend needs OWNER/NAME")
        backend: dict[str, Any] = {"name": self.name, "repo": self.repo, "branch": self.branch}
        if self.name == "gitlab":
            backend["auth_type"] = "pkce"
        if self.name == "gitea" and not self.base_url:
            raise ConfigError("--base-url: the gitea backend needs the Gitea server's URL")
        for key, value in (("base_url", self.base_url), ("api_root", self.api_root),
                           ("app_id", self.app_id)):
            if value:
                backend[key] = value
        if self.name == "gitea":
            # Decap's Gitea backend has no editorial workflow: saves are commits to the
            # branch, so point it at a drafts branch merged by pull request (docs/editor.md)
            return {"backend": backend}
        # drafts live on branches and pull requests until published (merged): see STAGES
        return {"backend": backend, "publish_mode": "editorial_workflow"}


STAGES = {"draft": "draft", "pending_review": "review", "pending_publish": "ready to merge"}
"""Decap's editorial-workflow columns and our stages: a Decap draft is ``stage: draft`` on
its own branch; "In review" opens the pull request (``publisher review`` records steps on
it); "Ready" means the review is done. Publishing merges it. Approval is never a Decap
button: the approver runs ``publisher approve`` and commits it (provenance)."""


def _options(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"label": label, "value": value} for value, label in pairs]


def _select(name: str, label: str, pairs: list[tuple[str, str]], *, multiple: bool = False,
            required: bool = True, default: Any = None, hint: str = "") -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "label": label, "widget": "select",
                             "options": _options(pairs), "multiple": multiple,
                             "required": required}
    if default is not None:
        field["default"] = default
    if hint:
        field["hint"] = hint
    return field


def _datetime(name: str, label: str, tz: str, *, required: bool = True,
              hint: str = "", now: bool = False) -> dict[str, Any]:
    """A date and time as written in front matter; ``now``: filled with the moment the form
    opens (the device's clock), else blank until chosen."""
    field = {"name": name, "label": f"{label} ({tz} time)", "widget": "datetime",
             "format": DATETIME, "date_format": "YYYY-MM-DD", "time_format": "HH:mm",
             "picker_utc": False, "required": required}
    field["default"] = "{{now}}" if now else ""  # Decap fills {{now}} when the form opens
    if hint:
        field["hint"] = hint
    return field


def _hidden(name: str, value: Any) -> dict[str, Any]:
    return {"name": name, "label": name, "widget": "hidden", "default": value}


def _text(name: str, label: str, *, required: bool = False, widget: str = "string",
          hint: str = "") -> dict[str, Any]:
    return {"name": name, "label": label, "widget": widget, "required": required,
            **({"hint": hint} if hint else {})}


class Fields:
    """The widgets every collection draws from, filled from the organisation's config."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.tz = content.organisation.timezone
        self.services = [(s.id, f"{g.name}: {s.name}") for g in content.groups
                         for s in g.services]
        self.audiences = [(a.id, a.name) for a in content.audiences.values()]
        self.people = [(p.id, p.name + (f" ({p.title})" if p.title else ""))
                       for p in content.people.values()]
        self.impacts = [(s.value, s.label) for s in ComponentStatus]

    def services_list(self, default_impact: str, *, required: bool = True) -> dict[str, Any]:
        """The ``services`` map as a list of {service, impact}: Decap has no map widget."""
        return {"name": "services", "label": "Services affected", "widget": "list",
                "required": required, "collapsed": False, "summary": "{{service}}: {{impact}}",
                "add_to_top": False, "min": 1 if required else 0,
                **({} if required else {"default": []}), "fields": [
                    _select("service", "Service", self.services),
                    _select("impact", "Impact on the service", self.impacts,
                            default=default_impact)]}

    def audiences_field(self, *, required: bool = True) -> dict[str, Any]:
        return _select("audiences", "Audiences", self.audiences, multiple=True,
                       required=required, hint="Who is told (mailing lists come from "
                       "audiences.yml); leave empty on a follow-up to keep the thread's")

    def channels(self, default: list[str]) -> dict[str, Any]:
        return _select("channels", "Channels", [(c.value, c.value) for c in Channel],
                       multiple=True, default=default, hint="The policy may leave some out "
                       "unless you write a justification below; `publisher check` says which")

    def status(self, statuses: frozenset[Any], default: str) -> dict[str, Any]:
        return _select("status", "Status", [(s.value, s.value.replace("_", " "))
                                            for s in sorted(statuses, key=str)],
                       default=default)

    def impact(self, default: str) -> dict[str, Any]:
        return _select("impact", "Overall impact", [(i.value, i.value) for i in Impact],
                       default=default)

    def workflow(self, template: str, *, exception: str | None = None) -> dict[str, Any]:
        fields = [
            _select("requested_by", "Requested by", self.people, required=False,
                    hint="Usually the service manager"),
            _datetime("intake", "Request received", self.tz, now=True,
                      hint="When the service asked for this message"),
            _hidden("stage", "draft"),
            _hidden("template", template),
            _text("justification", "Justification for a channel that needs one",
                  hint="e.g. why email suits an outage for everyone"),
        ]
        if exception:
            fields.append(_hidden("exception", exception))
        return {"name": "workflow", "label": "Workflow", "widget": "object",
                "collapsed": True, "fields": fields}

    def threads(self, kinds: tuple[ThreadKind, ...], major_only: bool = False
                ) -> list[tuple[str, str]]:
        """Threads a follow-up may continue: open ones first, then the 50 most recent."""
        found = []
        for thread in self.content.threads.values():
            if thread.kind not in kinds:
                continue
            if major_only and thread.first.meta.major_incident is None:
                continue
            latest = thread.messages[-1].meta.status
            closed = latest in CLOSED_STATUSES
            found.append((closed, -(thread.first.send_at or thread.first.meta.workflow.intake
                                    or _EPOCH).timestamp(), thread.id,
                          f"{thread.title} ({thread.id})"))
        found.sort()
        return [(ident, label) for _, _, ident, label in found[:50 + sum(
            not closed for closed, *_ in found)]]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""Sorts threads that have neither a send time nor an intake last."""


def _body(content: Content, template_name: str) -> str:
    """The preapproved wording, with [placeholders] where ``new`` would fill in values."""
    from .message_templates import get

    try:
        template = get(template_name, content.root)
        values = {"org": content.organisation, "title": "[title]",
                  "thread_title": "[title]", "services": [], "service_names": "[service]",
                  "window_text": "[when]", "start_time": "[start time]", "start_day": "",
                  "end_time": "[end time]", "end_day": "", "today": "",
                  "next_update_time": "[time]", "contact_url": content.organisation.contact_url
                  or "", "previous_body": "", "faq": {}, "template": template.name}
        return template.render(values)
    except (ConfigError, TypeError, AttributeError):
        return ""


def _body_field(content: Content, template_name: str) -> dict[str, Any]:
    return {"name": "body", "label": "Message", "widget": "markdown",
            "buttons": ["bold", "italic", "link", "heading-three", "bulleted-list",
                        "numbered-list"], "editor_components": [],
            "default": _body(content, template_name),
            "hint": "Replace every [placeholder]; approval is refused while one is left"}


def _collection(name: str, label: str, kind: str, fields: list[dict[str, Any]], *,
                slug: str, identifier: str = "title", summary: str = "{{title}}",
                description: str = "") -> dict[str, Any]:
    return {"name": name, "label": label, "label_singular": label, "description": description,
            "folder": "content/messages", "path": "{{year}}/{{slug}}", "slug": slug,
            "create": True, "delete": False, "extension": "md", "format": "frontmatter",
            "identifier_field": identifier, "summary": summary,
            "filter": {"field": "type", "value": kind},
            "fields": [_hidden("type", kind), *fields]}


NEW_THREAD_SLUG = "{{year}}-{{month}}-{{day}}-{{slug}}"


def collections(content: Content) -> list[dict[str, Any]]:
    """One collection per kind of message the comms team writes."""
    f = Fields(content)
    tz = f.tz
    incident = (ThreadKind.INCIDENT,)
    windows = (ThreadKind.INCIDENT, ThreadKind.MAINTENANCE)
    follow = "{{thread}}-{{type}}-{{hour}}{{minute}}"
    thread_hint = "The outage or maintenance this continues"
    out = [
        _collection("unplanned-outage", "Unplanned outage", "unplanned-outage", [
            _text("title", "Title", required=True, hint="What readers see, e.g. 'Wi-Fi down "
                  "in the Library'"),
            f.services_list("major_outage"), f.status(INCIDENT_STATUSES, "investigating"),
            f.impact("major"),
            {"name": "window", "label": "When", "widget": "object", "fields": [
                _datetime("start", "Started", tz),
                _datetime("expected_end", "Expected end", tz, required=False)]},
            f.audiences_field(), f.channels(["status", "banner", "rss"]),
            _datetime("send_at", "Publish and send at", tz, required=False,
                      hint="Leave empty now; the approver sets it"),
            f.workflow("unplanned-outage-notice"), _body_field(content,
                                                               "unplanned-outage-notice"),
        ], slug=NEW_THREAD_SLUG, description="First notice of a service that is down"),
        _collection("planned-maintenance", "Planned maintenance", "planned-maintenance", [
            _text("title", "Title", required=True),
            f.services_list("under_maintenance"), f.status(MAINTENANCE_STATUSES, "scheduled"),
            f.impact("minor"),
            {"name": "window", "label": "Maintenance window", "widget": "object", "fields": [
                _datetime("start", "Starts", tz), _datetime("expected_end", "Ends", tz)]},
            f.audiences_field(), f.channels(["status", "email", "rss"]),
            _datetime("send_at", "Publish and send at", tz, required=False),
            f.workflow("planned-maintenance"), _body_field(content, "planned-maintenance"),
        ], slug=NEW_THREAD_SLUG, description="A notice of planned work, sent days ahead"),
    ]
    for kind, label, template in (("update", "Update", "update"),
                                  ("extension", "Extension", "extension"),
                                  ("all-clear", "All-clear", "all-clear")):
        fields = [_select("thread", "Thread", f.threads(windows), hint=thread_hint),
                  f.services_list("operational" if kind == "all-clear" else "major_outage",
                                  required=False)]
        if kind == "all-clear":
            fields.append({"name": "window", "label": "When", "widget": "object", "fields": [
                _datetime("actual_end", "Service restored", tz)]})
        else:
            fields.append(_select("status", "Status", [(s.value, s.value.replace("_", " "))
                                  for s in sorted(INCIDENT_STATUSES | MAINTENANCE_STATUSES,
                                                  key=str)], required=False))
        if kind == "extension":
            fields.append({"name": "window", "label": "New end", "widget": "object",
                           "fields": [_datetime("expected_end", "Expected end", tz)]})
        fields += [f.audiences_field(required=False),
                   _datetime("send_at", "Publish and send at", tz, required=False),
                   f.workflow(template), _body_field(content, template)]
        out.append(_collection(kind, f"{label} to a thread", kind, fields, slug=follow,
                               identifier="thread", summary="{{thread}} ({{type}})",
                               description=f"{label} of an outage or maintenance"))
    out.append(_collection("major-incident-update", "Major-incident update", "update", [
        _select("thread", "Major incident", f.threads(incident, major_only=True)),
        _datetime("send_at", "Publish and send at", tz, required=False),
        {"name": "major_incident", "label": "Major incident", "widget": "object", "fields": [
            _select("criteria", "Criteria", [(c, c) for c in typing.get_args(Criterion)],
                    multiple=True, required=False),
            _datetime("next_update_at", "Next update by", tz),
            _select("reader_action", "Readers should", [(a.value, a.value)
                                                        for a in ReaderAction]),
            {"name": "faq", "label": "FAQ sections", "widget": "object", "fields": [
                _text("nature", "What has happened", widget="text", required=True),
                _text("business_continuity", "Business continuity", widget="text"),
                _text("workarounds", "Workarounds", widget="text"),
                _text("key_information", "Key information to pass on", widget="text"),
                _text("next_update", "Next update", widget="text", required=True)]}]},
        f.workflow("major-incident-faq-update"),
        _body_field(content, "major-incident-faq-update"),
    ], slug=follow, identifier="thread", summary="{{thread}} (major-incident update)",
        description="An FAQ-style update during a major incident"))
    out.append(_collection("news", "News", "news", [
        _text("title", "Title", required=True),
        _text("summary", "Summary", hint="One sentence for lists and feeds"),
        f.audiences_field(), f.channels(["news", "rss"]),
        {"name": "categories", "label": "Categories", "widget": "list", "required": False},
        _datetime("send_at", "Publish at", tz, required=False),
        f.workflow("news-story"), _body_field(content, "news-story"),
    ], slug=NEW_THREAD_SLUG, description="A story for the newsroom"))
    return out


def config(content: Content, backend: Backend) -> dict[str, Any]:
    """The whole Decap ``config.yml`` as data."""
    org = content.organisation
    return {
        **backend.as_config(),
        "site_url": org.base_url, "display_url": org.base_url,
        "locale": "en",
        # Decap's side preview shows raw field values; `publisher preview` shows the real
        # page, email and banner. Off, the form also has the whole width of a phone.
        "editor": {"preview": False},
        "media_folder": "content/media", "public_folder": "/media",
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": collections(content),
    }


INDEX = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{title}: message editor</title>
  <link href="config.yml" type="text/yaml" rel="cms-config-url">
  <style>
    /* Decap lays its editor out 800 px wide at least: on a phone the form would scroll
       sideways. Below that width the form takes the screen (the preview pane is off). */
    @media (max-width: 799px) {{
      [class*="-EditorContainer"], [class*="-ToolbarContainer"] {{ min-width: 0 !important; }}
      [class*="-ToolbarContainer"] {{ flex-wrap: wrap; height: auto !important; }}
    }}
  </style>
</head>
<body>
  <script src="decap-cms.js"></script>
</body>
</html>
"""


def find_decap(explicit: Path | None = None) -> Path:
    """The decap-cms ``dist`` folder: ``--decap``, else ``.cache/`` here or in the project."""
    from ..build import REPO

    candidates = [explicit] if explicit is not None else [Path.cwd() / DECAP_DIST,
                                                          REPO / DECAP_DIST]
    for candidate in candidates:
        if (candidate / "decap-cms.js").is_file():
            return candidate
    where = explicit if explicit is not None else DECAP_DIST
    raise ConfigError(f"decap-cms is not installed (no {where}/decap-cms.js); install it "
                      f"with: {INSTALL}")


def guard(out: Path) -> None:
    """The editor is for the team: never inside the public site."""
    refuse_public(out, "the editor is for the team, not the public status site", "build/admin")


def write(content: Content, out: Path, backend: Backend, decap: Path | None = None
          ) -> list[Path]:
    """Write ``index.html``, ``config.yml`` and ``decap-cms.js`` into ``out``."""
    guard(out)
    bundle = find_decap(decap)
    data = config(content, backend)
    out.mkdir(parents=True, exist_ok=True)
    from markupsafe import escape

    written = []
    index = out / "index.html"
    index.write_text(INDEX.format(title=escape(content.organisation.name)), encoding="utf-8")
    written.append(index)
    target = out / "config.yml"
    target.write_text("# Generated by `publisher editor` from content/*.yml: do not edit; "
                      "run it again.\n" + yaml.safe_dump(data, sort_keys=False,
                                                          allow_unicode=True, width=100),
                      encoding="utf-8")
    written.append(target)
    for name in sorted(p.name for p in bundle.iterdir()):
        # the bundle and the chunks it loads at run time; not the source maps (60 MB)
        if name.endswith("decap-cms.js") or name.endswith(".wasm"):
            shutil.copyfile(bundle / name, out / name)
    written += sorted(out.glob("*decap-cms.js")) + sorted(out.glob("*.wasm"))
    return written


def serve(out: Path, repository: Path, bundle: Path, port: int, server_port: int) -> None:
    """Local mode in one command: decap-server writing into ``repository`` and the editor
    served on ``localhost:port``, until Ctrl-C (both on loopback only)."""
    import functools
    import os
    import subprocess

    node = shutil.which("node")
    script = bundle.parent.parent / "decap-server" / "dist" / "index.js"
    if node is None or not script.is_file():
        raise ConfigError(f"decap-server needs node and the npm package; install it with: "
                          f"{INSTALL}")
    env = dict(os.environ, PORT=str(server_port), BIND_HOST="127.0.0.1", MODE="fs",
               GIT_REPO_DIRECTORY=str(repository.resolve()))
    handler = functools.partial(_Quiet, directory=str(out))
    with subprocess.Popen([node, str(script)], env=env) as server, \
            http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as site:
        print(f"editor: http://localhost:{port}/ (saves into {repository}); Ctrl-C stops",
              flush=True)
        try:
            site.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.terminate()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the editor's files; YAML and WebAssembly with their types, no request log."""

    extensions_map = {  # noqa: RUF012 (the base class declares it as an instance attribute)
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".yml": "text/yaml", ".wasm": "application/wasm"}

    def log_message(self, format: str, *args: object) -> None:
        pass
