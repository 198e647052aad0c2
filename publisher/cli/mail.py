"""``publisher send``, ``publisher archive`` and ``publisher ledger``: the mail stage's
commands."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from .options import CONTENT_ARG, now_option, reported, resolve_now


@click.command("send")
@CONTENT_ARG
@now_option
@click.option("--dry-run", is_flag=True, help="Render everything, send and write nothing.")
@click.option("--resend", "resend", multiple=True, metavar="ID",
              help="Send this message again on purpose (after an unknown or failed send, a "
                   "correction, or a message held as stale). Repeatable.")
@click.option("--max-age", "max_age", type=float, default=24.0, show_default=True,
              metavar="HOURS", help="Never send automatically a message due longer ago.")
@click.option("--transport", type=click.Choice(["outbox", "smtp"]), default=None,
              help="Override email.transport from organisation.yml.")
@click.option("--lock-timeout", type=float, default=120.0, show_default=True,
              metavar="SECONDS", help="How long to wait for another sender to finish.")
@click.option("--show", is_flag=True,
              help="With --dry-run: print each email's headers, text and HTML parts.")
@click.option("--verbose", "-v", is_flag=True,
              help="List every held-back message and every direct-recipient batch.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any due message is held by an error (the rest is still sent).")
@reported
def send_command(content_dir: Path, now_text: str | None, dry_run: bool, resend: tuple[str, ...],
                 max_age: float, transport: str | None, lock_timeout: float,
                 show: bool, verbose: bool, strict: bool) -> None:
    """Email approved, due messages (and post them to Teams/Slack webhooks), exactly once.

    Prints what goes to whom and why anything else is held back. Every delivery is recorded
    in CONTENT_DIR/ledger (commit it) and every sent email in CONTENT_DIR/archive. A message
    with an error is held (listed with why) and the rest is sent. Exit code 1 when any
    recipient failed or is unknown, now or from an earlier run, until settled (`publisher
    ledger resolve`, or `--resend`), or, with --strict, when a message is held.
    """
    from ..mail.run import Options, print_summary, send

    now = resolve_now(now_text)
    console = Console(highlight=False, soft_wrap=True)
    options = Options(dry_run=dry_run, resend=frozenset(resend),
                      max_age=timedelta(hours=max_age), lock_timeout=lock_timeout,
                      transport=transport, verbose=verbose, show=show)
    if show and not dry_run:
        raise click.UsageError("--show prints what a --dry-run would send; add --dry-run")
    summary = send(content_dir, now, options, console)
    print_summary(console, summary)
    held = any(h.kind == "blocked" for h in summary.plan.held)
    sys.exit(0 if summary.ok and not (strict and held) else 1)


@click.command("remind")
@CONTENT_ARG
@now_option
@click.option("--dry-run", is_flag=True, help="List who would be reminded; send nothing.")
@click.option("--transport", type=click.Choice(["outbox", "smtp"]), default=None,
              help="Override email.transport from organisation.yml.")
@reported
def remind_command(content_dir: Path, now_text: str | None, dry_run: bool,
                   transport: str | None) -> None:
    """Email the person who must act on each duty overdue or due within the hour, once.

    Duties: an acknowledgment, extension, all-clear or post-incident review a thread owes, or
    a pending approval. Each goes to the first available person in the role's chain and is
    recorded in CONTENT_DIR/ledger/reminders.jsonl (commit it) so it is never sent twice.
    """
    from ..check import check
    from ..errors import ContentError
    from ..mail.compose import sender_address
    from ..mail.run import outbox_dir
    from ..mail.transport import make_transport
    from ..workflow.remind import duties, email, record, reminded

    now = resolve_now(now_text)
    result = check(content_dir, now)
    if result.unpublishable() or result.content is None:
        raise ContentError(result.errors or result.problems)
    content = result.content
    done = reminded(content_dir)
    todo = [d for d in duties(result, now) if d.key not in done]
    if not todo:
        click.echo("No duty to remind anyone of.")
        return
    settings = content.organisation.email
    sender = make_transport(transport or settings.transport, settings.smtp,
                            outbox_dir(content_dir, settings.outbox))
    failed = 0
    try:
        for duty in todo:
            person = content.people.get(duty.person_id or "")
            if person is None or not person.email:
                click.echo(f"nobody to remind: {duty.message.id}: {duty.what} "
                           "(no one available in the role's chain, or no email): escalate",
                           err=True)
                failed += 1
                continue
            click.echo(f"{'would remind' if dry_run else 'reminding'} {person.name} "
                       f"<{person.email}>: {duty.message.id}: {duty.what}")
            if dry_run:
                continue
            mail = email(content, duty, person.email, now)
            outcome = sender.send(sender_address(content), [person.email], mail.as_bytes(),
                                  f"remind-{duty.key}")
            if outcome.state == "sent":
                record(content_dir, duty, person.email, now)
            else:
                failed += 1
                click.echo(f"  not sent ({outcome.state}): {outcome.detail}", err=True)
    finally:
        sender.close()
    sys.exit(1 if failed else 0)


@click.command("archive")
@CONTENT_ARG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reported
def archive_command(content_dir: Path, fmt: str) -> None:
    """List what was sent: when, to whom, with which Message-ID, and who did not get it."""
    import json

    from ..mail.archive import records

    found = records(content_dir)
    if fmt == "json":
        click.echo(json.dumps([r.data for r in found], indent=2, ensure_ascii=False))
        return
    console = Console(highlight=False, soft_wrap=True)
    if not found:
        console.print("Nothing has been sent yet.")
        return
    for record in found:
        data = record.data
        states = {d.get("state") for d in data.get("deliveries", [])} | set(record.open)
        settled = {"sent", "abandoned"}
        flag = "" if states <= settled else \
            f"  [red]({', '.join(sorted(states - settled))})[/]"
        console.print(f"[bold]{data.get('first_sent') or 'not sent'}[/]  {data['message']} "
                      f"r{data['revision']}  {data.get('message_id', '')}{flag}")
        console.print(f"    subject: {escape(str(data.get('subject', '')))}")
        console.print(f"    to: {escape(', '.join(record.to)) or '-'}")
        if record.open:
            # Until an operator acts (resend, `publisher ledger resolve`), say who is missing.
            counts = ", ".join(f"{n} {state}" for state, n in sorted(record.open.items()))
            console.print(f"    [red]not delivered: {counts}[/] (publisher ledger show "
                          f"{content_dir} {data['message']})")


@click.group("ledger")
def ledger_group() -> None:
    """Look at the send ledger and record an operator's decisions in it."""


@ledger_group.command("show")
@CONTENT_ARG
@click.argument("message_id", metavar="ID")
@reported
def ledger_show(content_dir: Path, message_id: str) -> None:
    """Every delivery of message ID: state, recipients by state, and its Message-ID.

    The Message-ID is what to look up in the relay's log for an unknown delivery (each batch
    of direct recipients has its own)."""
    from ..mail.ledger import Ledger
    from ..mail.recipients import states

    ledger = Ledger(content_dir)
    events = ledger.events(message_id)
    if not events:
        raise_config(f"{message_id}: the send ledger has no send of this message")
    console = Console(highlight=False, soft_wrap=True)
    by_key: dict[str, dict[str, int]] = {}
    for rcpt in states(events).values():
        counts = by_key.setdefault(rcpt.key, {})
        counts[rcpt.state] = counts.get(rcpt.state, 0) + 1
    for entry in sorted(ledger.for_message(message_id), key=lambda e: e.key):
        intent = entry.intent
        tally = ", ".join(f"{n} {s}" for s, n in sorted(by_key.get(entry.key, {}).items()))
        console.print(f"{entry.key}  [bold]{entry.state}[/] {entry.at}  {tally or '-'}")
        if intent.get("mail_id"):
            size = intent.get("count") or len(intent.get("to") or [])
            console.print(f"    Message-ID {intent['mail_id']} ({size} recipient(s), "
                          f"intent {intent.get('at', '')})")
        if entry.detail:
            console.print(f"    {entry.detail}")


@ledger_group.command("resolve")
@CONTENT_ARG
@click.argument("message_id", metavar="ID")
@click.option("--delivered", "decision", flag_value="delivered",
              help="It arrived (the relay's log shows its Message-ID): record it as sent.")
@click.option("--not-delivered", "decision", flag_value="not-delivered",
              help="It did not arrive: the next `publisher send` sends it, once.")
@click.option("--abandon", "decision", flag_value="abandon",
              help="Do not send it and stop reporting it.")
@click.option("--key", "keys", multiple=True, metavar="KEY",
              help="Only this delivery (as shown by `publisher ledger show`). Repeatable.")
@click.option("--recipient", "recipients", multiple=True, metavar="ADDRESS",
              help="Only this recipient (for a batch the relay split, whose log names some "
                   "recipients and not others). Repeatable.")
@click.option("--note", default="", help="Why, for the record (e.g. 'relay log 14:02').")
@now_option
@reported
def ledger_resolve(content_dir: Path, message_id: str, decision: str | None,
                   keys: tuple[str, ...], recipients: tuple[str, ...], note: str,
                   now_text: str | None) -> None:
    """Settle the unknown or failed recipients of message ID, recorded in the ledger."""
    from ..mail.resolve import resolve

    if decision is None:
        raise_config("say what happened: --delivered, --not-delivered or --abandon")
    assert decision is not None
    done = resolve(content_dir, message_id, decision, resolve_now(now_text), keys=keys,
                   recipients=recipients, note=note)
    for item in done:
        click.echo(f"{message_id} {item.key}: {item.count} recipient(s) {item.was} → "
                   f"{decision}")
    click.echo("Recorded in the ledger; commit it.")


@ledger_group.command("rebuild")
@CONTENT_ARG
@now_option
@reported
def ledger_rebuild(content_dir: Path, now_text: str | None) -> None:
    """Restore what the archive knows into a lost or damaged ledger (nothing is sent)."""
    from ..mail.integrity import rebuild
    from ..mail.ledger import Ledger

    ledger = Ledger(content_dir)
    with ledger.lock():
        done = rebuild(content_dir, ledger, resolve_now(now_text))
        ledger.close()
    if not done:
        click.echo("The ledger already knows everything the archive records: nothing to do.")
    for message_id, count in done:
        click.echo(f"rebuilt {message_id}: {count} recipient(s) from the archive")


@ledger_group.command("move")
@CONTENT_ARG
@click.argument("old_id", metavar="OLD")
@click.argument("new_id", metavar="NEW")
@reported
def ledger_move(content_dir: Path, old_id: str, new_id: str) -> None:
    """Carry the ledger of message OLD over to NEW after its file was renamed or moved."""
    from ..mail.ledger import Ledger

    ledger = Ledger(content_dir)
    try:
        count = ledger.carry(old_id, new_id)
    finally:
        ledger.close()
    if not count:
        raise_config(f"{old_id}: the send ledger has no events for this message")
    click.echo(f"carried {count} ledger event(s) of {old_id} over to {new_id}; commit the "
               "ledger")


def raise_config(text: str) -> None:
    from ..errors import ConfigError

    raise ConfigError(text)


COMMANDS: list[click.Command] = [send_command, remind_command, archive_command, ledger_group]
