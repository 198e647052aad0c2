"""Who a message goes to: the deliveries one message makes.

- **lists**: one SMTP transaction to every distribution-list address of the message's
  audiences plus the subscriber list of every service it is about (a list server such as
  LISTSERV or Mailman fans out). Addresses are deduplicated.
- **direct**: an audience's optional recipients CSV (column ``email``), sent Bcc in batches of
  ``email.batch_size``, one delivery per batch so a failure costs one batch, not the list.
- **webhooks**: each Teams/Slack incoming webhook configured on an audience.

Each delivery has a stable key; the ledger records state per key.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import Literal

from ..content.model import Content, Message
from ..text.recipients import csv_recipients

Kind = Literal["lists", "direct", "webhook"]



@dataclass(frozen=True)
class Delivery:
    """One send: a transaction to some recipients, or one webhook post."""

    key: str
    kind: Kind
    recipients: tuple[str, ...] = ()
    """Envelope recipients (email) — empty for webhooks."""
    audiences: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    webhook_kind: str = ""
    url_env: str = ""
    source: str = ""
    """Where recipients came from, for the plan and the archive (a CSV path and digest)."""

    def describe(self) -> str:
        if self.kind == "lists":
            return ", ".join(self.recipients)
        if self.kind == "direct":
            return f"{len(self.recipients)} direct recipient(s) from {self.source}"
        return f"{self.webhook_kind} webhook (${self.url_env}) for {self.audiences[0]}"


@dataclass
class Addressing:
    deliveries: list[Delivery] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Why part of a message cannot be addressed (missing CSV, webhook URL not set…)."""


def address(content: Content, message: Message, include_webhooks: bool = True,
            environ: dict[str, str] | None = None) -> Addressing:
    """Every delivery of ``message``, in a stable order."""
    env = os.environ if environ is None else environ
    out = Addressing()
    audiences = [content.audiences[a] for a in (message.meta.audiences or [])
                 if a in content.audiences]
    channels = {str(c) for c in (message.meta.channels or [])}
    lists: dict[str, None] = {}
    for audience in audiences:
        if audience.address:
            lists.setdefault(audience.address, None)
    services = [content.services[s] for s in message.meta.services if s in content.services]
    for service in services:
        if service.subscribers:
            lists.setdefault(service.subscribers, None)
    if "email" in channels:
        if lists:
            out.deliveries.append(Delivery(
                "email:lists", "lists", tuple(lists), tuple(a.id for a in audiences),
                tuple(s.id for s in services if s.subscribers)))
        batch = content.organisation.email.batch_size
        for audience in audiences:
            if not audience.recipients_csv:
                continue
            path = content.root / audience.recipients_csv
            try:
                recipients, digest = csv_recipients(path, content.root)
            except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
                out.problems.append(f"audience {audience.id}: recipients_csv "
                                    f"{audience.recipients_csv}: {exc}")
                continue
            for start in range(0, len(recipients), batch):
                number = start // batch + 1
                out.deliveries.append(Delivery(
                    f"email:direct:{audience.id}:{number:05d}", "direct",
                    tuple(recipients[start:start + batch]), (audience.id,),
                    source=f"{audience.recipients_csv} (sha256 {digest})"))
        if not out.deliveries and not out.problems:
            out.problems.append("no audience or service of this message has an email address")
    if include_webhooks and channels & {"email", "teams"}:
        for audience in audiences:
            for hook in audience.webhooks:
                if not env.get(hook.url_env):
                    out.problems.append(f"audience {audience.id}: {hook.kind} webhook URL "
                                        f"variable ${hook.url_env} is not set")
                    continue
                out.deliveries.append(Delivery(
                    f"webhook:{audience.id}:{hook.kind}", "webhook", (), (audience.id,),
                    webhook_kind=hook.kind, url_env=hook.url_env))
    return out
