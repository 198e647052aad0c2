"""``publisher preview FILE``: a draft as readers and recipients will get it, before approval.

Reviewers approve text they have seen rendered. The preview treats the message (and any
earlier message of its thread not yet out) as approved and sent at its send time (now when it
has none, or when that time has passed), and renders every output from that copy of the
content with the same code the real outputs use:

* ``site/``: the thread page, built by mkdocs with the site's theme (only that page);
* ``email.html``, ``email.txt``, ``email.eml``, ``email-headers.txt``: the email exactly as
  ``publisher send`` composes it (same function, same addressing);
* ``banner.html`` / ``banner.json``: the intranet banner entry of the thread;
* ``sms.txt`` / ``social.txt``: the SMS and social texts;
* ``index.html``: one page that links to all of them.

Nothing under ``build/site`` is touched and nothing is sent: the preview goes to
``build/preview/<message id>/``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2

from ..content.model import Channel, Content, Message, Thread
from ..content.preview import published_copy
from ..renderers import BuildContext
from .record import find_message


@dataclass
class Preview:
    """Where each part of one preview went, and what it says."""

    message: Message
    folder: Path
    at: datetime
    parts: dict[str, Path] = field(default_factory=dict)
    subject: str = ""
    stage: str = "draft"
    """The message's own stage (the preview renders it as if approved)."""
    notes: list[str] = field(default_factory=list)
    """Outputs the message does not get (no banner channel, …) and why."""


def instant(message: Message, now: datetime) -> datetime:
    """When readers first see it: its send time, or now if that is unset or past."""
    send_at = message.send_at
    return send_at if send_at is not None and send_at > now else now


def make(content: Content, path: Path, now: datetime, out: Path,
         config_file: Path | None = None) -> Preview:
    """Render every output of the message in ``path`` into ``out/<message id>/``."""
    original = find_message(content, path)
    at = instant(original, now)
    copy = published_copy(content, original.id, at)
    message = copy.messages[original.id]
    thread = copy.threads[message.thread_id]
    folder = (out / original.id).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    preview = Preview(message, folder, at, stage=original.meta.workflow.stage.value)
    _site(content.root, original.id, at, folder, preview, config_file)
    _email(copy, thread, message, at, preview)
    _banner(copy, message, at, preview)
    _snippets(copy, message, preview)
    _index(copy, thread, message, preview)
    return preview


def _write(preview: Preview, name: str, text: str | bytes) -> Path:
    target = preview.folder / name
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return target


def _site(root: Path, message_id: str, at: datetime, folder: Path, preview: Preview,
          config_file: Path | None) -> None:
    import logging

    from ..build import build

    # the site's nav names pages a one-page preview leaves out: those warnings are noise here
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        site = build(root, at, folder / "site", config_file, preview=message_id)
    finally:
        logger.setLevel(level)
    thread = preview.message.thread_id
    page = next(site.glob(f"*/{thread}/index.html"))
    preview.parts["thread page"] = page


def _email(content: Content, thread: Thread, message: Message, at: datetime,
           preview: Preview) -> None:
    from ..mail.address import address
    from ..mail.compose import compose

    channels = message.meta.channels or []
    if Channel.EMAIL not in channels:
        preview.notes.append("email: not emailed (no email channel)")
        return
    lists = next((d for d in address(content, message, include_webhooks=False).deliveries
                  if d.kind == "lists"), None)
    composed = compose(content, thread, message, at, list(lists.recipients) if lists else [])
    preview.subject = composed.subject
    preview.parts["email (HTML)"] = _write(preview, "email.html", composed.html)
    preview.parts["email (text)"] = _write(preview, "email.txt", composed.text)
    headers = "".join(f"{name}: {value}\n" for name, value in composed.email.items())
    preview.parts["email headers"] = _write(preview, "email-headers.txt", headers)
    preview.parts["email (.eml)"] = _write(preview, "email.eml", composed.email.as_bytes())


def _banner(content: Content, message: Message, at: datetime, preview: Preview) -> None:
    from .. import templates
    from ..renderers.banner import _environment, active_banners

    found = [b for b in active_banners(BuildContext.at(content, at)) if b.id == message.thread_id]
    if not found:
        why = ("no banner channel" if Channel.BANNER not in (message.meta.channels or [])
               else "the thread is closed or its window is over")
        preview.notes.append(f"banner: none ({why})")
        return
    project = templates.project_dir(content.root)
    html = _environment(project).get_template("banner.html").render(
        banners=found, status_url=content.organisation.base_url)
    preview.parts["banner"] = _write(preview, "banner.html", html)
    _write(preview, "banner.json", json.dumps(found[0].as_json(), indent=2, ensure_ascii=False))


def _snippets(content: Content, message: Message, preview: Preview) -> None:
    from ..text.snippets import snippet

    texts = snippet(content, message)
    channels = message.meta.channels or []
    for name, text in (("sms", texts.sms), ("social", texts.social)):
        preview.parts[name] = _write(preview, f"{name}.txt", text + "\n")
        if Channel(name) not in channels:
            preview.notes.append(f"{name}: written for reference; the message does not have "
                                 f"the {name} channel")


INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview: {{ title }}</title></head>
<body><main>
<h1>Preview: {{ title }}</h1>
<p>Message <code>{{ message_id }}</code> ({{ stage }}) as readers and recipients will get it
at {{ when }}. Not published, not sent.</p>
<ul>{% for label, href in parts %}<li><a href="{{ href }}">{{ label }}</a></li>{% endfor %}</ul>
{% if subject %}<p>Email subject: <strong>{{ subject }}</strong></p>{% endif %}
{% for name, text in snippets %}<h2>{{ name }}</h2><p>{{ text }}</p>{% endfor %}
{% if notes %}<h2>Notes</h2><ul>{% for note in notes %}<li>{{ note }}</li>{% endfor %}
</ul>{% endif %}
</main></body></html>
"""


def _index(content: Content, thread: Thread, message: Message, preview: Preview) -> None:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    parts = [(label, path.relative_to(preview.folder).as_posix())
             for label, path in preview.parts.items()]
    snippets = [(name.upper() if name == "sms" else "Social post",
                 preview.parts[name].read_text(encoding="utf-8").strip())
                for name in ("sms", "social") if name in preview.parts]
    html = env.from_string(INDEX).render(
        title=thread.title or message.title, message_id=message.id,
        stage=preview.stage,
        when=f"{content.local(preview.at):%a %d %b %Y %H:%M %Z}", parts=parts,
        subject=preview.subject, snippets=snippets, notes=preview.notes)
    preview.parts["overview"] = _write(preview, "index.html", html)
