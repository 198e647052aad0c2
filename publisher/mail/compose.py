"""Compose one email per message: Jinja2 templates → multipart/alternative (text + HTML).

The body goes through the same Markdown → HTML → nh3 path as the site
(``renderers.markup.to_html``); the HTML part has its CSS inlined (css-inline) because many
mail clients drop ``<style>``. Headers carry a deterministic Message-ID and thread the
messages of one thread (In-Reply-To / References) so mail clients group them.
"""

from __future__ import annotations

import html as htmlmod
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import css_inline
import jinja2
from markupsafe import Markup

from .. import templates
from ..content.model import Channel, Content, Message, Thread
from ..content.urls import absolute, message_path
from ..text.headers import message_id, refuse_unsafe, subject, verify_header_bytes
from ..text.markup import plain, to_html

FAQ_HEADINGS = (
    ("nature", "What has happened"),
    ("business_continuity", "Business continuity"),
    ("workarounds", "Workarounds"),
    ("key_information", "Key information to pass on"),
    ("next_update", "Next update"),
    ("lessons_learnt", "Lessons learnt"),
    ("mitigations", "Mitigations now in place"),
)
POLICY = SMTP.clone(max_line_length=998)
"""CRLF, and no folding of ordinary header lines: a Message-ID or Subject folded onto its
own continuation line comes back with a leading space from some parsers."""
READER_ACTION = {"info-only": "For your information only: no need to pass this on.",
                 "cascade": "Please cascade this to your teams and colleagues."}


@dataclass(frozen=True)
class Composed:
    """A rendered email: the MIME message and what the plan and archive show about it."""

    message: Message
    subject: str
    message_id: str
    email: EmailMessage
    html: str
    text: str


_AUTOESCAPE = jinja2.select_autoescape(enabled_extensions=("html", "html.j2"),
                                       default_for_string=False)
"""HTML parts are escaped, the text part is not (it is plain text, never parsed as markup)."""


def _environment(project: Path) -> jinja2.Environment:
    return templates.environment(
        "email", project, autoescape=_AUTOESCAPE, undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


_BLOCK_END = re.compile(r"</(p|h[1-6]|tr|pre|blockquote|dl|dd|dt|table|ul|ol)>", re.I)
_LINK = re.compile(r'<a\s[^>]*href="([^"]*)"[^>]*>(.*?)</a>', re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def html_to_text(fragment: str) -> str:
    """Readable plain text from sanitized HTML: paragraphs, bullets and link targets kept."""
    text = _LINK.sub(lambda m: m.group(2) if m.group(1) in m.group(2)
                     else f"{m.group(2)} ({m.group(1)})", fragment)
    text = re.sub(r"<li[^>]*>", "- ", text, flags=re.I)
    text = re.sub(r"</li>\s*", "\n", text, flags=re.I)
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.I)
    text = _BLOCK_END.sub("\n\n", text)
    text = htmlmod.unescape(_TAG.sub("", text))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _facts(content: Content, message: Message) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    services = [f"{content.services[s].name} ({status.label.lower()})"
                for s, status in message.meta.services.items() if s in content.services]
    if services:
        facts.append(("Services", "; ".join(services)))
    if message.meta.status:
        facts.append(("Status", message.meta.status.value.replace("_", " ").capitalize()))
    window = message.meta.window
    if window and window.start:
        facts.append(("Started" if window.start <= (message.send_at or window.start)
                      else "Starts", f"{content.local(window.start):%a %d %b %Y %H:%M}"))
    if window and window.actual_end:
        facts.append(("Ended", f"{content.local(window.actual_end):%a %d %b %Y %H:%M}"))
    elif window and window.expected_end:
        facts.append(("Expected end", f"{content.local(window.expected_end):%a %d %b %Y %H:%M}"))
    return facts


def _faq(message: Message) -> list[tuple[str, str]]:
    """The FAQ sections of a major-incident update (second source document), as Markdown."""
    incident = message.meta.major_incident
    if incident is None:
        return []
    sections = [(heading, getattr(incident.faq, name)) for name, heading in FAQ_HEADINGS
                if getattr(incident.faq, name)]
    action = incident.faq.reader_action or incident.reader_action
    if action:
        sections.append(("What to do with this update", READER_ACTION[action.value]))
    return sections


def email_thread(thread: Thread) -> list[Message]:
    """The messages of a thread that are emailed, in thread (send) order."""
    return [m for m in thread.messages if Channel.EMAIL in (m.meta.channels or [])]


def compose(content: Content, thread: Thread, message: Message, now: datetime,
            to: list[str]) -> Composed:
    """Render ``message`` as an EmailMessage addressed ``To:`` the given list addresses."""
    env = _environment(templates.project_dir(content.root))
    org = content.organisation
    subj = subject(message, thread)
    link = absolute(content, message_path(thread, message))
    faq = _faq(message)
    body_html = to_html(message.body)
    faq_html = [(h, to_html(text)) for h, text in faq]
    footer_html = to_html(org.email.footer) if org.email.footer.strip() else ""
    context = {
        "organisation": org, "title": plain(message.title), "subject": subj, "link": link,
        "facts": _facts(content, message),
        "body_html": Markup(body_html),
        "faq": [(h, Markup(f)) for h, f in faq_html],
        "footer_html": Markup(footer_html),
        "body_text": html_to_text(body_html),
        "faq_text": [(h, html_to_text(f)) for h, f in faq_html],
        "footer": html_to_text(footer_html) if footer_html else "",
    }
    html = css_inline.inline(env.get_template("message.html.j2").render(context),
                             load_remote_stylesheets=False)
    text = env.get_template("message.txt.j2").render(context)

    mid = message_id(content, message)
    earlier = email_thread(thread)
    earlier = earlier[:earlier.index(message)] if message in earlier else earlier
    headers = {"Subject": subj, "From": org.email.sender, "Message-ID": mid,
               "Date": format_datetime(now), "To": ", ".join(to) if to else
               "undisclosed-recipients:;"}
    if org.email.reply_to:
        headers["Reply-To"] = org.email.reply_to
    if earlier:
        headers["In-Reply-To"] = message_id(content, earlier[-1])
        headers["References"] = " ".join(message_id(content, m) for m in earlier)
    if org.email.list_unsubscribe:
        target = org.email.list_unsubscribe
        headers["List-Unsubscribe"] = target if target.startswith("<") else f"<{target}>"
        if org.email.list_unsubscribe_post:
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    headers["X-Publisher-Message"] = f"{message.id} r{message.meta.revision}"
    refuse_unsafe(headers)

    email = EmailMessage(policy=POLICY)
    for name, value in headers.items():
        email[name] = value
    email.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    email.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    verify_header_bytes(email.as_bytes(), list(headers))  # before any send, any Python
    return Composed(message, subj, mid, email, html, text)


def sender_address(content: Content) -> str:
    """The envelope sender (``MAIL FROM``): the bare address of ``email.from``."""
    value = content.organisation.email.sender
    match = re.search(r"<([^<>]+)>\s*$", value)
    return match.group(1) if match else Address(addr_spec=value.strip()).addr_spec
