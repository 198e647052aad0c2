"""Making the deliveries of a plan: intent → transport → result, recipient by recipient.

The order of writes is what makes a send exactly-once: for each delivery the intent (naming
its recipients) is appended to the ledger and fsynced, then the transport is called, then the
result — which recipients were refused, temporarily or for good, or are unknown — is
appended. Whatever happens in between (a crash, SIGKILL, a lost connection) leaves an intent
without a result, which every later run reads as ``unknown`` and never repeats.

Transports sit side by side (like Django's mail backends): SMTP or the outbox for email,
``webhooks.WebhookTransport`` for Teams/Slack posts; the loop here does not care which.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.progress import Progress, TaskID

from ..content.model import Content
from . import archive
from .address import Delivery
from .compose import Composed
from .ledger import LEDGER_DIR, LOCAL_DIR, Ledger
from .recipients import digest, reply_code, rid
from .select import Outgoing
from .transport import Outcome, Transport
from .webhooks import WebhookTransport

WINDOW = 25
"""Direct-recipient batches whose intents share one fsync (group commit)."""


@dataclass
class Result:
    message_id: str
    key: str
    kind: str
    outcome: Outcome


@dataclass
class Prepared:
    """One message's bytes: the list email, and the Bcc variant for direct batches."""

    composed: Composed
    lists_bytes: bytes
    bcc: bytes | None = None
    fingerprint: str = ""


def batch_message_id(mail_id: str, batch: str) -> str:
    """A distinct Message-ID per direct batch, so a relay-log lookup answers for that batch."""
    local, _, domain = mail_id.strip("<>").partition("@")
    return f"<{local}.{batch}@{domain}>"


def _bcc_bytes(composed: Composed) -> bytes:
    """The same email for a batch of direct recipients: Bcc, so nobody sees the others."""
    email = copy.deepcopy(composed.email)
    del email["To"]
    email["To"] = "undisclosed-recipients:;"
    return email.as_bytes()


@dataclass
class Sender:
    """Sends the deliveries of one run and records each one's intent and result."""

    root: Path
    now: datetime
    content: Content
    ledger: Ledger
    mail: Transport
    hooks: WebhookTransport
    progress: Progress
    task: TaskID
    results: list[Result] = field(default_factory=list)

    def message(self, outgoing: Outgoing, prepared: Prepared) -> None:
        """Every delivery of one message, archived before the first and after the last."""
        message = outgoing.message
        revision = message.meta.revision
        # The .eml is archived before anything is sent: a crash in the last window still
        # leaves a record of a message that may have reached people.
        archive.keep_eml(self.root, message.id, revision, prepared.lists_bytes)
        for number, window in enumerate(_windows(outgoing.deliveries)):
            # Group commit: one fsync makes the intents of a window of direct batches durable
            # before any of them is sent (a crash leaves at most a window unknown).
            for delivery in window:
                self.ledger.record(delivery.key, message.id, "pending", revision, now=self.now,
                                   sync=False,
                                   **self._intent(delivery, outgoing, prepared))
            self.ledger.sync()
            if not number:
                # The archive holds the message before anything is sent: a kill from here on
                # leaves it there as "unknown" (the next run's catch-up brings it up to date).
                archive.refresh(self.root, self.ledger, message.id)
            for delivery in window:
                self.progress.update(self.task, description=f"{message.id} {delivery.key}")
                outcome = self._send(delivery, outgoing, prepared)
                self._record(delivery, message.id, revision, outcome)
                self.progress.advance(self.task)
            # The results are in the kernel (a kill keeps them); the next window's fsync, or
            # the one below, makes them durable.
        self.ledger.sync()
        archive.refresh(self.root, self.ledger, message.id)

    def _send(self, delivery: Delivery, outgoing: Outgoing, prepared: Prepared) -> Outcome:
        message = outgoing.message
        name = f"{message.id}.r{message.meta.revision}.{delivery.key}"
        if delivery.kind == "webhook":
            return self.hooks.post(self.content, prepared.composed, delivery)
        from .compose import sender_address

        if delivery.kind == "lists":
            data = prepared.lists_bytes
        else:
            prepared.bcc = prepared.bcc or _bcc_bytes(prepared.composed)
            mail_id = prepared.composed.message_id
            data = prepared.bcc.replace(
                f"Message-ID: {mail_id}".encode(),
                f"Message-ID: {batch_message_id(mail_id, digest(delivery.recipients))}"
                .encode(), 1)
        return self.mail.send(sender_address(self.content), list(delivery.recipients), data,
                              name)

    def _intent(self, delivery: Delivery, outgoing: Outgoing,
                prepared: Prepared) -> dict[str, Any]:
        composed = prepared.composed
        data: dict[str, Any] = {"mail_id": composed.message_id, "subject": composed.subject,
                                "transport": "webhook" if delivery.kind == "webhook"
                                else self.mail.name, "fingerprint": prepared.fingerprint}
        if delivery.kind == "lists":
            data["to"] = list(delivery.recipients)
        elif delivery.kind == "direct":
            batch = digest(delivery.recipients)
            data.update(mail_id=batch_message_id(composed.message_id, batch),
                        count=len(delivery.recipients), digest=batch,
                        source=delivery.source,
                        members=[rid(a) for a in delivery.recipients])
        else:
            data["to"] = [f"{delivery.webhook_kind} ${delivery.url_env}"]
        if outgoing.resend:
            data["resend"] = True
        return data

    def _record(self, delivery: Delivery, message_id: str, revision: int,
                outcome: Outcome) -> None:
        """The result, naming only recipients that were not accepted; direct recipients by
        digest and reply code (their addresses and the full replies go to the local log)."""
        if delivery.kind == "direct":
            refused = {rid(a): reply_code(why) for a, why in outcome.refused.items()}
            deferred = {rid(a): reply_code(why) for a, why in outcome.deferred.items()}
            unsure = [rid(a) for a in outcome.unsure]
            _local_log(self.root, self.now, message_id, delivery.key,
                       {**outcome.deferred, **outcome.refused})
        else:
            refused, deferred, unsure = outcome.refused, outcome.deferred, outcome.unsure
        self.ledger.record(delivery.key, message_id, outcome.state, revision, now=self.now,
                           sync=False,
                           detail=outcome.detail, refused=refused, deferred=deferred,
                           unsure=unsure, permanent=outcome.permanent or None,
                           attempts=outcome.attempts if outcome.attempts > 1 else None)
        self.results.append(Result(message_id, delivery.key, delivery.kind, outcome))


def local_log(root: Path) -> Path:
    """The git-ignored log of refused direct recipients (addresses and full replies)."""
    return Path(root) / LEDGER_DIR / LOCAL_DIR / "refused.log"


def _local_log(root: Path, now: datetime, message_id: str, key: str,
               replies: dict[str, str]) -> None:
    """Best effort: the ledger holds the truth; this only names who, for the operator."""
    if not replies:
        return
    path = local_log(root)
    at = now.isoformat(timespec="seconds")
    lines = "".join(f"{at}\t{message_id}\t{key}\t{addr}\t{why}\n"
                    for addr, why in sorted(replies.items()))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(lines)
    except OSError:
        return


def _windows(deliveries: list[Delivery]) -> list[list[Delivery]]:
    """Consecutive direct batches in groups of ``WINDOW``; every other delivery alone."""
    out: list[list[Delivery]] = []
    for delivery in deliveries:
        if (delivery.kind == "direct" and out and out[-1][0].kind == "direct"
                and len(out[-1]) < WINDOW):
            out[-1].append(delivery)
        else:
            out.append([delivery])
    return out
