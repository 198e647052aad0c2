"""``publisher send`` end to end: check → plan → (lock) → compose → send → ledger → archive.

The order of writes is what makes a send exactly-once: for each delivery the intent is
appended to the ledger and fsynced, then the transport is called, then the result is
appended. Whatever happens in between (a crash, SIGKILL, a lost connection) leaves an
intent without a result, which every later run reads as ``unknown`` and never repeats.
"""

from __future__ import annotations

import copy
import os
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..check import CheckResult, check
from ..content.model import Content
from ..errors import ContentError
from ..text.headers import UnsafeHeader
from . import archive, webhooks
from .address import Delivery
from .compose import Composed, _facts, compose, html_to_text, sender_address
from .ledger import Ledger
from .select import Held, Outgoing, Plan, plan
from .transport import Backoff, Outcome, Transport, make_transport

PROGRESS_THRESHOLD = 20
"""Show a progress bar from this many deliveries (a CSV of thousands is hundreds of batches)."""

DIRECT_LINES = 5
"""The plan lists up to this many direct batches from one CSV one by one, more as one line."""

WINDOW = 25
"""Direct-recipient batches whose intents share one fsync (group commit)."""


@dataclass
class Result:
    message_id: str
    key: str
    outcome: Outcome


@dataclass
class Summary:
    plan: Plan
    results: list[Result] = field(default_factory=list)
    refused_compose: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, state: str) -> int:
        return sum(1 for r in self.results if r.outcome.state == state)

    @property
    def refused_recipients(self) -> int:
        return sum(len(r.outcome.refused) for r in self.results if r.outcome.state == "sent")

    @property
    def ok(self) -> bool:
        """False when anything failed or is unknown, now or from an earlier run."""
        return (not self.count("failed") and not self.count("unknown")
                and not self.refused_compose and not self.refused_recipients
                and not self.plan.attention)


@dataclass
class Options:
    dry_run: bool = False
    resend: frozenset[str] = frozenset()
    max_age: timedelta = timedelta(hours=24)
    lock_timeout: float = 120.0
    transport: str | None = None
    """``outbox`` or ``smtp``; default from ``email.transport``."""
    smtp_backoff: Backoff | None = None
    webhook_backoff: Backoff | None = None
    ssl_context: ssl.SSLContext | None = None
    verbose: bool = False


def checked(root: Path, now: datetime) -> CheckResult:
    """Run the check; refuse outright on errors that are not about one message (a message
    with an error of its own is held: planned as ``blocked`` while the rest goes)."""
    result = check(root, now)
    if result.unpublishable():
        raise ContentError(result.errors or result.problems)
    return result


def outbox_dir(root: Path, configured: str) -> Path:
    """``email.outbox`` is relative to the repository (the content directory's parent)."""
    path = Path(configured)
    return path if path.is_absolute() else Path(root).resolve().parent / path


def send(root: Path, now: datetime, options: Options, console: Console) -> Summary:
    result = checked(root, now)
    assert result.content is not None
    ledger = Ledger(root)
    if options.dry_run:
        the_plan = plan(result, now, ledger, max_age=options.max_age, resend=options.resend)
        _check_resend(the_plan, options)
        summary = Summary(the_plan, dry_run=True)
        _print_plan(console, result, the_plan, dry_run=True, verbose=options.verbose)
        for outgoing in the_plan.outgoing:
            try:
                composed = _compose(result, outgoing, now)
                console.print(f"  rendered {outgoing.message.id}: {composed.subject!r}, "
                              f"{len(composed.email.as_bytes())} bytes, {composed.message_id}",
                              highlight=False)
            except UnsafeHeader as exc:
                summary.refused_compose.append(f"{outgoing.message.id}: {exc}")
        return summary
    with ledger.lock(options.lock_timeout):
        the_plan = plan(result, now, ledger, max_age=options.max_age, resend=options.resend)
        _check_resend(the_plan, options)
        _print_plan(console, result, the_plan, dry_run=False, verbose=options.verbose)
        summary = Summary(the_plan)
        if the_plan.outgoing:
            _deliver(root, result, now, ledger, the_plan, options, console, summary)
    return summary


def _check_resend(the_plan: Plan, options: Options) -> None:
    from ..errors import ConfigError

    going = {o.message.id for o in the_plan.outgoing}
    for message_id in sorted(options.resend - going):
        why = next((h.reason for h in the_plan.held if h.message.id == message_id),
                   "no such message with the email or teams channel")
        raise ConfigError(f"--resend {message_id}: cannot be sent: {why}")


def _compose(result: CheckResult, outgoing: Outgoing, now: datetime) -> Composed:
    assert result.content is not None
    lists = next((d for d in outgoing.deliveries if d.kind == "lists"), None)
    if lists is None:
        # Only direct or webhook deliveries this time: address the header like the lists send.
        from .address import address

        full = address(result.content, outgoing.message, include_webhooks=False)
        lists = next((d for d in full.deliveries if d.kind == "lists"), None)
    to = list(lists.recipients) if lists else []
    return compose(result.content, outgoing.thread, outgoing.message, now, to)


def _bcc_bytes(composed: Composed) -> bytes:
    """The same email for a batch of direct recipients: Bcc, so nobody sees the others."""
    email = copy.deepcopy(composed.email)
    del email["To"]
    email["To"] = "undisclosed-recipients:;"
    return email.as_bytes()


def _deliver(root: Path, result: CheckResult, now: datetime, ledger: Ledger, the_plan: Plan,
             options: Options, console: Console, summary: Summary) -> None:
    content = result.content
    assert content is not None
    settings = content.organisation.email
    kind = options.transport or settings.transport
    transport: Transport = make_transport(kind, settings.smtp, outbox_dir(root, settings.outbox),
                                          options.smtp_backoff, options.ssl_context)
    sender = sender_address(content)
    total = the_plan.deliveries
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=console, transient=False,
                        disable=total < PROGRESS_THRESHOLD)
    try:
        with progress:
            task = progress.add_task("sending", total=total)
            for outgoing in the_plan.outgoing:
                message = outgoing.message
                revision = message.meta.revision
                try:
                    composed = _compose(result, outgoing, now)
                except UnsafeHeader as exc:
                    summary.refused_compose.append(f"{message.id}: {exc}")
                    progress.advance(task, len(outgoing.deliveries))
                    continue
                lists_bytes = composed.email.as_bytes()
                bcc_bytes: bytes | None = None
                for window in _windows(outgoing.deliveries):
                    # Group commit: one fsync makes the intents of a window of direct batches
                    # durable before any of them is sent (a crash leaves at most a window
                    # unknown); list sends and webhooks are a window of one.
                    for delivery in window:
                        ledger.record(delivery.key, message.id, "pending", revision,
                                      now=now, sync=False,
                                      **_intent(delivery, composed, transport.name, outgoing))
                    ledger.sync()
                    for delivery in window:
                        progress.update(task, description=f"{message.id} {delivery.key}")
                        if delivery.kind == "webhook":
                            outcome = _post(content, composed, delivery, options)
                        else:
                            if delivery.kind == "direct":
                                bcc_bytes = bcc_bytes or _bcc_bytes(composed)
                            data = lists_bytes if delivery.kind == "lists" else bcc_bytes
                            assert data is not None
                            outcome = transport.send(sender, list(delivery.recipients), data,
                                                     f"{message.id}.r{revision}.{delivery.key}")
                        ledger.record(delivery.key, message.id, outcome.state, revision,
                                      now=now, sync=False, detail=outcome.detail,
                                      refused=outcome.refused,
                                      permanent=outcome.permanent or None,
                                      attempts=outcome.attempts if outcome.attempts > 1
                                      else None)
                        summary.results.append(Result(message.id, delivery.key, outcome))
                        progress.advance(task)
                ledger.sync()
                archive.write(root, message_id=message.id, revision=revision,
                              subject=composed.subject, mail_id=composed.message_id,
                              eml=lists_bytes, entries=ledger.for_message(message.id),
                              transport=transport.name)
    finally:
        transport.close()
        ledger.close()


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


def _intent(delivery: Delivery, composed: Composed, transport: str,
            outgoing: Outgoing) -> dict[str, object]:
    data: dict[str, object] = {"mail_id": composed.message_id, "subject": composed.subject,
                               "transport": "webhook" if delivery.kind == "webhook"
                               else transport}
    if delivery.kind == "lists":
        data["to"] = list(delivery.recipients)
    elif delivery.kind == "direct":
        data["count"] = len(delivery.recipients)
        data["source"] = delivery.source
    else:
        data["to"] = [f"{delivery.webhook_kind} ${delivery.url_env}"]
    if outgoing.resend:
        data["resend"] = True
    return data


def _post(content: Content, composed: Composed, delivery: Delivery,
          options: Options) -> Outcome:
    url = os.environ.get(delivery.url_env, "")
    if not url:
        return Outcome("failed", f"${delivery.url_env} is not set")
    build = webhooks.PAYLOADS[delivery.webhook_kind]
    from ..content.urls import absolute, message_path
    from ..text.markup import to_html

    message = composed.message
    thread = content.threads[message.thread_id]
    payload = build(composed.subject, html_to_text(to_html(message.body)),
                    absolute(content, message_path(thread, message)), _facts(content, message))
    return webhooks.post(url, payload, backoff=options.webhook_backoff)


# --------------------------------------------------------------------------- printing


def _print_plan(console: Console, result: CheckResult, the_plan: Plan, dry_run: bool,
                verbose: bool = False) -> None:
    content = result.content
    assert content is not None
    verb = "Would send" if dry_run else "Sending"
    if the_plan.outgoing:
        console.print(f"[bold]{verb} {len(the_plan.outgoing)} message(s), "
                      f"{the_plan.deliveries} delivery(ies):[/]")
    else:
        console.print("[bold]Nothing to send.[/]")
    for outgoing in the_plan.outgoing:
        message = outgoing.message
        console.print(f"  [green]→[/] {message.id} r{message.meta.revision}"
                      f"{' (resend on purpose)' if outgoing.resend else ''}", highlight=False)
        audiences = ", ".join(message.meta.audiences or []) or "none"
        console.print(f"      audiences: {audiences}", highlight=False)
        for line in _delivery_lines(outgoing.deliveries, verbose):
            console.print(f"      {line}", highlight=False)
        for note in outgoing.notes:
            console.print(f"      [yellow]note:[/] {note}", highlight=False)
    if the_plan.held:
        console.print("[bold]Held back:[/]")
        order = ["unknown", "failed", "revised", "blocked", "no-address", "not-approved",
                 "stale", "not-due", "sent"]
        quiet = {"stale", "sent"} if not verbose else set()
        for held in sorted(the_plan.held, key=lambda h: (order.index(h.kind), h.message.id)):
            if held.kind not in quiet:
                _print_held(console, held)
        for kind, text in (("stale", "due more than --max-age ago and never sent: not sent "
                            "automatically (--resend ID sends one on purpose)"),
                           ("sent", "already sent")):
            count = sum(1 for h in the_plan.held if h.kind == kind)
            if count and kind in quiet:
                console.print(f"  [dim]{kind:<12} {count} message(s) {text}; --verbose lists "
                              "them[/]", highlight=False, soft_wrap=True)


def _delivery_lines(deliveries: list[Delivery], verbose: bool) -> list[str]:
    """One line per delivery, except that a long run of direct batches from one CSV is one line.

    Ten thousand recipients at a batch size of one are ten thousand transactions; listing them
    all would bury the plan (and printing them cost a third of the send time).
    """
    lines: list[str] = []
    run: list[Delivery] = []

    def flush() -> None:
        if len(run) > DIRECT_LINES and not verbose:
            count = sum(len(d.recipients) for d in run)
            lines.append(f"{run[0].key} … {run[-1].key}: {len(run):,} batches, {count:,} "
                         f"direct recipient(s) from {run[0].source} (--verbose lists them)")
        else:
            lines.extend(f"{d.key}: {d.describe()}" for d in run)
        run.clear()

    for delivery in deliveries:
        if run and (delivery.kind != "direct" or delivery.source != run[0].source):
            flush()
        if delivery.kind == "direct":
            run.append(delivery)
        else:
            lines.append(f"{delivery.key}: {delivery.describe()}")
    flush()
    return lines


def _print_held(console: Console, held: Held) -> None:
    style = {"unknown": "bold red", "failed": "red", "revised": "yellow", "blocked": "yellow"
             }.get(held.kind, "dim")
    console.print(f"  [{style}]{held.kind:<12}[/] {held.message.id}: {held.reason}",
                  highlight=False, soft_wrap=True)


def print_summary(console: Console, summary: Summary) -> None:
    if summary.dry_run:
        console.print(f"[bold]Dry run:[/] {summary.plan.deliveries} delivery(ies) rendered, "
                      "nothing sent, nothing written.")
    else:
        line = (f"sent {summary.count('sent')}, failed {summary.count('failed')}, "
                f"unknown {summary.count('unknown')}")
        if summary.refused_recipients:
            line += f", {summary.refused_recipients} recipient(s) refused"
        console.print(f"[bold]Summary:[/] {line}", highlight=False)
    for result in summary.results:
        outcome = result.outcome
        if outcome.state != "sent" or outcome.refused:
            console.print(f"  [red]{outcome.state}[/] {result.message_id} {result.key}: "
                          f"{outcome.detail}", highlight=False, soft_wrap=True)
            for rcpt, why in sorted(outcome.refused.items()):
                console.print(f"      refused {rcpt}: {why}", highlight=False)
    for text in summary.refused_compose:
        console.print(f"  [red]refused[/] {text}", highlight=False, soft_wrap=True)
    for held in summary.plan.attention:
        console.print(f"  [bold red]needs attention[/] {held.message.id}: {held.reason}",
                      highlight=False, soft_wrap=True)
