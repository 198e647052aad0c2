"""Microsoft Teams and Slack incoming webhooks: the same messages, the same ledger semantics.

The first source document has service managers post unplanned outages in a Teams channel;
this posts every sent message to the channels configured on its audiences. Payloads are plain
text built from the sanitized body (no HTML reaches either service). Teams gets an Adaptive
Card (the format Teams workflows accept), Slack a ``text`` + ``blocks`` message.

Outcome rules mirror SMTP: 2xx → sent; 429/5xx or no connection → retried with backoff, then
failed; other 4xx → failed permanently; the request sent but no response read → unknown.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from ..text.markup import without_tags
from .transport import Backoff, Outcome

if TYPE_CHECKING:
    from ..content.model import Content
    from .address import Delivery
    from .compose import Composed

USER_AGENT = "publisher-mail/1 (+status site webhook)"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def teams_payload(subject: str, text: str, link: str, facts: list[tuple[str, str]]
                  ) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium",
         "wrap": True},
    ]
    if facts:
        body.append({"type": "FactSet",
                     "facts": [{"title": name, "value": value} for name, value in facts]})
    body.append({"type": "TextBlock", "text": without_tags(text), "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard", "version": "1.4", "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": "Read online", "url": link}],
    }
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
         "content": card}]}


def slack_payload(subject: str, text: str, link: str, facts: list[tuple[str, str]]
                  ) -> dict[str, Any]:
    lines = [f"*{_slack_escape(name)}:* {_slack_escape(value)}" for name, value in facts]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
    ]
    if lines:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                               "text": _slack_escape(without_tags(text))[:2900]}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                               "text": f"<{link}|Read online>"}})
    return {"text": f"{subject}: {link}", "blocks": blocks}


PAYLOADS = {"teams": teams_payload, "slack": slack_payload}


def post(url: str, payload: dict[str, Any], timeout: float = 15.0,
         backoff: Backoff | None = None) -> Outcome:
    """POST JSON to an incoming webhook and classify the result."""
    backoff = backoff or Backoff()
    data = json.dumps(payload).encode("utf-8")
    last = ""
    for attempt in range(backoff.attempts):
        if attempt:
            time.sleep(backoff.delay(attempt - 1))
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
                return Outcome("sent", f"HTTP {response.status}", attempts=attempt + 1)
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code} {exc.reason}"
            if exc.code == 429 or exc.code >= 500:
                continue
            return Outcome("failed", last, permanent=True, attempts=attempt + 1)
        except urllib.error.URLError as exc:
            # Raised while connecting or writing the request: nothing was posted.
            last = f"cannot connect: {exc.reason}"
            continue
        except (http.client.HTTPException, OSError) as exc:
            # The request went out but no complete response came back: unknown.
            return Outcome("unknown", f"no complete response: {exc!r}", attempts=attempt + 1)
    return Outcome("failed", f"gave up after {backoff.attempts} attempts: {last}",
                   attempts=backoff.attempts)


class WebhookTransport:
    """Teams/Slack posts as a transport beside SMTP and the outbox."""

    name = "webhook"

    def __init__(self, backoff: Backoff | None = None) -> None:
        self.backoff = backoff

    def post(self, content: Content, composed: Composed, delivery: Delivery) -> Outcome:
        """Post one message to the webhook of one audience."""
        from ..content.urls import absolute, message_path
        from ..text.markup import to_html
        from .compose import _facts, html_to_text

        url = os.environ.get(delivery.url_env, "")
        if not url:
            return Outcome("failed", f"${delivery.url_env} is not set")
        message = composed.message
        thread = content.threads[message.thread_id]
        payload = PAYLOADS[delivery.webhook_kind](
            composed.subject, html_to_text(to_html(message.body)),
            absolute(content, message_path(thread, message)), _facts(content, message))
        return post(url, payload, backoff=self.backoff)
