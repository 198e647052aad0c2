"""``publisher send`` and ``publisher archive``: the mail stage's commands."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
from rich.console import Console

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
@click.option("--verbose", "-v", is_flag=True,
              help="List every held-back message and every direct-recipient batch.")
@click.option("--strict", is_flag=True,
              help="Exit 1 when any due message is held by an error (the rest is still sent).")
@reported
def send_command(content_dir: Path, now_text: str | None, dry_run: bool, resend: tuple[str, ...],
                 max_age: float, transport: str | None, lock_timeout: float,
                 verbose: bool, strict: bool) -> None:
    """Email approved, due messages (and post them to Teams/Slack webhooks), exactly once.

    Prints what goes to whom and why anything else is held back. Every delivery is recorded
    in CONTENT_DIR/ledger (commit it) and every sent email in CONTENT_DIR/archive. A message
    with an error is held (listed with why) and the rest is sent. Exit code 1 when anything
    failed or is unknown, now or from an earlier run (or, with --strict, when one is held).
    """
    from ..mail.run import Options, print_summary, send

    now = resolve_now(now_text)
    console = Console(highlight=False, soft_wrap=True)
    options = Options(dry_run=dry_run, resend=frozenset(resend),
                      max_age=timedelta(hours=max_age), lock_timeout=lock_timeout,
                      transport=transport, verbose=verbose)
    summary = send(content_dir, now, options, console)
    print_summary(console, summary)
    held = any(h.kind == "blocked" for h in summary.plan.held)
    sys.exit(0 if summary.ok and not (strict and held) else 1)


@click.command("archive")
@CONTENT_ARG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reported
def archive_command(content_dir: Path, fmt: str) -> None:
    """List what was sent: when, to whom, and with which Message-ID."""
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
        states = {d.get("state") for d in data.get("deliveries", [])}
        flag = "" if states <= {"sent"} else f"  [red]({', '.join(sorted(states - {'sent'}))})[/]"
        console.print(f"[bold]{data.get('first_sent') or 'not sent'}[/]  {data['message']} "
                      f"r{data['revision']}  {data.get('message_id', '')}{flag}")
        console.print(f"    subject: {data.get('subject', '')}")
        console.print(f"    to: {', '.join(record.to) or '-'}")


COMMANDS: list[click.Command] = [send_command, archive_command]
