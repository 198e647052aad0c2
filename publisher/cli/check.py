"""``publisher check``, ``status`` and ``schema``: what the content says, read-only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..errors import Problem
from ..summary import Summary, summarise
from .options import CONTENT_ARG, now_option, print_held, reported, resolve_now

ICONS = {"check": "✔", "wrench": "🔧", "alert": "▲", "alert-octagon": "◆", "close-octagon": "✖"}
COLOURS = {"green": "green", "blue": "blue", "amber": "yellow", "red": "red"}


# --------------------------------------------------------------------------- check


def print_problems(console: Console, result: Summary) -> None:
    by_file: dict[str, list[Problem]] = {}
    for problem in result.problems:
        by_file.setdefault(problem.path, []).append(problem)
    for path, problems in by_file.items():
        ids = sorted({p.message_id for p in problems if p.message_id})
        console.print(Text(path, style="bold") + Text(f"  {', '.join(ids)}", style="dim"))
        for problem in problems:
            style = "red" if problem.is_error else "yellow"
            label = "error" if problem.is_error else "warning"
            console.print(Text(f"  {label:<8}", style=style) + Text(str(problem)))
            if problem.action:
                console.print(Text(f"           next: {problem.action}", style="cyan"))


@click.command("check")
@CONTENT_ARG
@now_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Human output, or JSON for machines.")
@reported
def check_command(content_dir: Path, now_text: str | None, strict: bool, fmt: str) -> None:
    """Check CONTENT_DIR (default: content) against the model and the policy.

    Exit code 1 when there is any error (or any warning with --strict), 0 otherwise.
    """
    now = resolve_now(now_text)
    result = summarise(content_dir, now)
    failed = result.failed(strict)
    count = result.messages
    if fmt == "json":
        click.echo(json.dumps({
            "ok": not failed,
            "now": now.isoformat(),
            "errors": len(result.errors),
            "warnings": len(result.warnings),
            "messages": count,
            "held": sorted(result.held),
            "problems": [p.as_dict() for p in result.problems],
        }, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        print_problems(console, result)
        summary = (f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in "
                   f"{count} message(s)")
        console.print(f"[bold red]✖ {summary}[/]" if failed else f"[bold green]✔ {summary}[/]")
    sys.exit(1 if failed else 0)


# --------------------------------------------------------------------------- status


@click.command("status")
@CONTENT_ARG
@now_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reported
def status_command(content_dir: Path, now_text: str | None, fmt: str) -> None:
    """Show the traffic lights at --now as a table (held messages left out, listed)."""
    from ..check import load_checked
    from ..status import LIGHTS, evaluate

    now = resolve_now(now_text)
    result = load_checked(content_dir, now)
    assert result.content is not None
    print_held(result.held)
    report = evaluate(result.content, now)
    if fmt == "json":
        click.echo(json.dumps({
            "now": now.isoformat(),
            "indicator": report.overall.indicator.value,
            "sentence": report.overall.sentence,
            "services": {k: v.status.value for k, v in report.services.items()},
            "groups": {g.group.id: g.status.value for g in report.groups},
            "open_incidents": [t.id for t in report.open_incidents],
            "active_maintenance": [t.id for t in report.active_maintenance],
            "upcoming_maintenance": [t.id for t in report.upcoming_maintenance],
        }, indent=2))
        return
    console = Console(highlight=False, soft_wrap=True)
    local = result.content.local(now)
    # Names and titles are the content's text, never rich markup ("[beta]" stays visible).
    console.print(f"[bold]{escape(result.content.organisation.name)}[/] at "
                  f"{local:%a %d %b %Y %H:%M %Z}: [bold]{escape(report.overall.sentence)}[/] "
                  f"(indicator: {report.overall.indicator.value})")
    table = Table(show_lines=False)
    for column in ("Group", "Service", "Status", "Because of"):
        table.add_column(column)
    for group in report.groups:
        for index, state in enumerate(group.services):
            colour, icon, word = LIGHTS[state.status]
            table.add_row(Text(group.group.name if index == 0 else ""),
                          Text(state.service.name),
                          Text(f"{ICONS[icon]} {word}", style=COLOURS[colour]),
                          Text(", ".join(state.threads)))
    console.print(table)
    for title, items in (("Open incidents", report.open_incidents),
                         ("Maintenance in progress", report.active_maintenance),
                         ("Upcoming maintenance", report.upcoming_maintenance)):
        if items:
            console.print(f"[bold]{title}[/]")
            for item in items:
                when = result.content.local(item.start)
                word = "from" if item.start > now else "since"
                console.print(f"  • {escape(item.title)} "
                              f"({item.status.value if item.status else ''}, "
                              f"{word} {when:%d %b %H:%M})  [dim]{item.id}[/]")


# --------------------------------------------------------------------------- schema


@click.command("schema")
@click.option("--output", "-o", "output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("schema"), show_default=True, help="Directory to write into.")
@reported
def schema_command(output: Path) -> None:
    """Write JSON Schemas for message front matter and the config files.

    Point your editor at them to get validation and completion while you type
    (see docs/authoring.md, "Editor support").
    """
    from .schema import write_schemas  # the models: only for this command

    for path in write_schemas(output):
        click.echo(f"wrote {path}")


COMMANDS: list[click.Command] = [check_command, status_command, schema_command]
