"""The ``publisher`` command: thin click commands over the core. Errors are messages.

Every command that depends on time takes ``--now`` (else ``PUBLISHER_NOW``, else the real
time) and passes that one instant down, so a run is reproducible.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from . import clock
from .core import CheckResult, check, load_checked
from .errors import Problem, PublisherError
from .schema import write_schemas
from .status import LIGHTS, evaluate

F = TypeVar("F", bound=Callable[..., Any])
CONTENT_ARG = click.argument(
    "content_dir", default="content", type=click.Path(file_okay=False, path_type=Path)
)
ICONS = {"check": "✔", "wrench": "🔧", "alert": "▲", "alert-octagon": "◆", "close-octagon": "✖"}
COLOURS = {"green": "green", "blue": "blue", "amber": "yellow", "red": "red"}


def now_option(func: F) -> F:
    """``--now``: the instant the command stands at (ISO 8601)."""
    return click.option(
        "--now",
        "now_text",
        metavar="WHEN",
        envvar=clock.ENV_VAR,
        help="Stand at this instant (ISO 8601). Default: $PUBLISHER_NOW, else the real time.",
    )(func)


def reported(func: F) -> F:
    """Turn the package's errors into a message and exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PublisherError as exc:
            # soft_wrap: a problem line stays one greppable line on any terminal width
            Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {escape(str(exc))}",
                                                       highlight=False)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def resolve_now(now_text: str | None) -> datetime:
    return clock.now(now_text)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="publisher")
def main() -> None:
    """Status site, newsroom and governed broadcast email from Markdown messages."""


# --------------------------------------------------------------------------- check


def print_problems(console: Console, result: CheckResult) -> None:
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


def print_held(held: dict[str, list[Problem]]) -> None:
    """List each held message with the errors holding it, on stderr (for the team's eyes)."""
    if not held:
        return
    click.echo(f"held {len(held)} message(s), left out of every output until fixed:", err=True)
    for message_id, problems in sorted(held.items()):
        click.echo(f"  {message_id}", err=True)
        for problem in problems:
            click.echo(f"    {problem}", err=True)
            if problem.action:
                click.echo(f"      next: {problem.action}", err=True)


@main.command("check")
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
    result = check(content_dir, now)
    failed = result.failed(strict)
    if fmt == "json":
        click.echo(json.dumps({
            "ok": not failed,
            "now": now.isoformat(),
            "errors": len(result.errors),
            "warnings": len(result.warnings),
            "messages": len(result.content.messages) if result.content else 0,
            "held": sorted(result.held),
            "problems": [p.as_dict() for p in result.problems],
        }, indent=2))
    else:
        console = Console(highlight=False, soft_wrap=True)
        print_problems(console, result)
        count = len(result.content.messages) if result.content else 0
        summary = (f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in "
                   f"{count} message(s)")
        console.print(f"[bold red]✖ {summary}[/]" if failed else f"[bold green]✔ {summary}[/]")
    sys.exit(1 if failed else 0)


# --------------------------------------------------------------------------- status


@main.command("status")
@CONTENT_ARG
@now_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reported
def status_command(content_dir: Path, now_text: str | None, fmt: str) -> None:
    """Show the traffic lights at --now as a table (held messages left out, listed)."""
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


@main.command("schema")
@click.option("--output", "-o", "output", type=click.Path(file_okay=False, path_type=Path),
              default=Path("schema"), show_default=True, help="Directory to write into.")
@reported
def schema_command(output: Path) -> None:
    """Write JSON Schemas for message front matter and the config files.

    Point your editor at them to get validation and completion while you type
    (see docs/authoring.md, "Editor support").
    """
    for path in write_schemas(output):
        click.echo(f"wrote {path}")


# --------------------------------------------------------------------------- more commands


def _register_command_modules() -> None:
    """Add the commands of every ``publisher/commands_*.py`` module (its ``COMMANDS`` list).

    Each stage (site, outputs, mail, tools, ...) keeps its commands beside its own code, so
    adding a stage never means editing this file.
    """
    import importlib
    import pkgutil

    package = importlib.import_module("publisher")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("commands_"):
            module = importlib.import_module(f"publisher.{info.name}")
            for command in getattr(module, "COMMANDS", []):
                main.add_command(command)


_register_command_modules()

if __name__ == "__main__":  # pragma: no cover
    main()
