"""``publisher send`` end to end: check → (lock) → ledger sanity → plan → deliver → summary.

The deliveries themselves (intent, transport, result, archive) are in ``deliver``; this
module decides, refuses to send from a ledger that has lost what the archive knows
(``integrity``), and prints the plan and the summary.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..check import CheckResult, check
from ..errors import ContentError
from ..text.headers import UnsafeHeader
from . import archive
from .address import Delivery
from .compose import Composed, compose
from .deliver import Prepared, Result, Sender, local_log
from .integrity import check_against_archive, fingerprint, orphans
from .ledger import Ledger, LedgerError
from .select import Held, Outgoing, Plan, plan
from .transport import Backoff, Transport, make_transport
from .webhooks import WebhookTransport

PROGRESS_THRESHOLD = 20
"""Show a progress bar from this many deliveries (a CSV of thousands is hundreds of batches)."""

DIRECT_LINES = 5
"""The plan lists up to this many direct batches from one CSV one by one, more as one line."""


@dataclass
class Summary:
    plan: Plan
    results: list[Result] = field(default_factory=list)
    refused_compose: list[str] = field(default_factory=list)
    dry_run: bool = False
    root: Path | None = None

    def count(self, state: str) -> int:
        return sum(1 for r in self.results if r.outcome.state == state)

    @property
    def refused_recipients(self) -> int:
        """Recipients of this run that did not get it: refused (for now or for good) or
        unknown, inside deliveries that reached others."""
        return sum(len(r.outcome.refused) + len(r.outcome.deferred) + len(r.outcome.unsure)
                   for r in self.results if r.outcome.state == "sent")

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
    show: bool = False
    """With ``dry_run``: print each email's headers, text part and HTML part."""


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
    """Plan and (unless a dry run) send; a disk that cannot be written is a clear error."""
    try:
        return _send(root, now, options, console)
    except OSError as exc:
        # A read-only or full disk under the archive or the outbox: the ledger's own writes
        # already raise LedgerError; this catches the rest, never a traceback.
        where = f" {exc.filename}" if exc.filename else ""
        raise LedgerError(f"cannot write{where}: {exc.strerror or exc}; anything sent so far "
                          "is in the ledger, run again once it can be written") from exc


def _send(root: Path, now: datetime, options: Options, console: Console) -> Summary:
    result = checked(root, now)
    assert result.content is not None
    ledger = Ledger(root)
    if options.dry_run:
        the_plan = _plan(root, result, now, ledger, options)
        _check_resend(the_plan, options)
        summary = Summary(the_plan, dry_run=True)
        _print_plan(console, result, the_plan, dry_run=True, verbose=options.verbose)
        for outgoing in the_plan.outgoing:
            try:
                composed = _compose(result, outgoing, now)
                shown = escape(repr(composed.subject))
                console.print(f"  rendered {outgoing.message.id}: {shown}, "
                              f"{len(composed.email.as_bytes())} bytes, {composed.message_id}",
                              highlight=False)
                if options.show:
                    _show(console, composed)
            except UnsafeHeader as exc:
                summary.refused_compose.append(f"{outgoing.message.id}: {exc}")
        return summary
    with ledger.lock(options.lock_timeout):
        the_plan = _plan(root, result, now, ledger, options)
        archive.catch_up(root, ledger)
        _check_resend(the_plan, options)
        _print_plan(console, result, the_plan, dry_run=False, verbose=options.verbose)
        summary = Summary(the_plan, root=root)
        if the_plan.outgoing:
            _deliver(root, result, now, ledger, the_plan, options, console, summary)
    return summary


def _show(console: Console, composed: Composed) -> None:
    """The email as recipients get it: headers, then the text part, then the HTML part."""
    headers = "".join(f"{name}: {value}\n" for name, value in composed.email.items()
                      if name.lower() not in ("content-type", "mime-version"))
    for title, body in (("headers", headers), ("text part", composed.text),
                        ("HTML part", composed.html)):
        console.rule(f"{composed.message.id}: {title}")
        console.out(body.rstrip("\n"), highlight=False)
    console.rule()


def _plan(root: Path, result: CheckResult, now: datetime, ledger: Ledger,
          options: Options) -> Plan:
    """The plan, from a ledger that agrees with the archive (else ``LedgerError``)."""
    assert result.content is not None
    check_against_archive(root, ledger)
    return plan(result, now, ledger, max_age=options.max_age, resend=options.resend,
                gone=orphans(ledger, result.content))


def _check_resend(the_plan: Plan, options: Options) -> None:
    from ..errors import ConfigError

    going = {o.message.id for o in the_plan.outgoing}
    for message_id in sorted(options.resend - going):
        why = next((h.reason for h in the_plan.held if h.message.id == message_id),
                   "no such message with the email or teams channel")
        raise ConfigError(f"--resend {message_id}: cannot be sent: {why}")


def _compose(result: CheckResult, outgoing: Outgoing, now: datetime) -> Composed:
    assert result.content is not None
    from .address import address

    # The To: header names every list of the message, even when this run sends to some.
    full = address(result.content, outgoing.message, include_webhooks=False)
    lists = next((d for d in full.deliveries if d.kind == "lists"), None)
    to = list(lists.recipients) if lists else []
    return compose(result.content, outgoing.thread, outgoing.message, now, to)


def _deliver(root: Path, result: CheckResult, now: datetime, ledger: Ledger, the_plan: Plan,
             options: Options, console: Console, summary: Summary) -> None:
    content = result.content
    assert content is not None
    settings = content.organisation.email
    kind = options.transport or settings.transport
    transport: Transport = make_transport(kind, settings.smtp, outbox_dir(root, settings.outbox),
                                          options.smtp_backoff, options.ssl_context)
    total = the_plan.deliveries
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=console, transient=False,
                        disable=total < PROGRESS_THRESHOLD)
    try:
        with progress:
            task = progress.add_task("sending", total=total)
            sender = Sender(root, now, content, ledger, transport,
                            WebhookTransport(options.webhook_backoff), progress, task,
                            summary.results)
            for outgoing in the_plan.outgoing:
                try:
                    composed = _compose(result, outgoing, now)
                except UnsafeHeader as exc:
                    summary.refused_compose.append(f"{outgoing.message.id}: {exc}")
                    progress.advance(task, len(outgoing.deliveries))
                    continue
                sender.message(outgoing, Prepared(composed, composed.email.as_bytes(),
                                                  fingerprint=fingerprint(outgoing.message)))
    finally:
        transport.close()
        ledger.close()


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
        order = ["unknown", "failed", "renamed", "revised", "added", "blocked", "no-address",
                 "not-approved", "stale", "not-due", "sent"]
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
    style = {"unknown": "bold red", "failed": "red", "renamed": "bold red",
             "revised": "yellow", "blocked": "yellow"}.get(held.kind, "dim")
    console.print(f"  [{style}]{held.kind:<12}[/] {held.message.id}: {escape(held.reason)}",
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
    direct_refusals = 0
    for result in summary.results:
        outcome = result.outcome
        if outcome.state != "sent" or outcome.refused or outcome.deferred or outcome.unsure:
            console.print(f"  [red]{outcome.state}[/] {result.message_id} {result.key}: "
                          f"{outcome.detail}", highlight=False, soft_wrap=True)
        if result.kind == "direct":
            # Personal addresses are not printed (CI logs are widely readable).
            direct_refusals += len(outcome.refused) + len(outcome.deferred)
            continue
        for label, replies in (("refused", outcome.refused), ("deferred", outcome.deferred)):
            for rcpt, why in sorted(replies.items()):
                console.print(f"      {label} {rcpt}: {why}", highlight=False)
    if direct_refusals and summary.root is not None:
        console.print(f"  {direct_refusals} direct recipient(s) refused: addresses and replies "
                      f"in {local_log(summary.root)} (kept out of git)", highlight=False,
                      soft_wrap=True)
    for text in summary.refused_compose:
        console.print(f"  [red]refused[/] {escape(text)}", highlight=False, soft_wrap=True)
    for held in summary.plan.attention:
        console.print(f"  [bold red]needs attention[/] {held.message.id}: {escape(held.reason)}",
                      highlight=False, soft_wrap=True)
