"""``publisher steps FILE``: the workflow one message must follow, what is done, what is
pending and who must act now (R14), its policy findings and, for a major incident, the
cascade plan (R10). Internal view: it names people, so it is for the comms team only."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import ConfigError
from .options import now_option, reported, resolve_now


def _root_of(path: Path) -> Path:
    """The content directory a message file belongs to (the parent of ``messages/``)."""
    for parent in path.resolve().parents:
        if parent.name == "messages":
            return parent.parent
    raise ConfigError(f"{path}: not inside a content directory's messages/ folder")


@click.command("steps")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--content", "content_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Content directory (default: the one the file is in).")
@now_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reported
def steps_command(message_file: Path, content_dir: Path | None, now_text: str | None,
                  fmt: str) -> None:
    """Show the steps MESSAGE_FILE must follow: done, pending, and who must act."""
    from .. import policy
    from ..check import check
    from ..policy.base import role_name
    from ..policy.steps import step_report

    now = resolve_now(now_text)
    root = content_dir or _root_of(message_file)
    result = check(root, now)
    content = result.content
    if content is None:
        raise ConfigError(f"{root}: the content does not load; run publisher check")
    target = message_file.resolve()
    message = next((m for m in content.messages.values() if m.path.resolve() == target), None)
    if message is None:
        problems = [str(p) for p in result.problems if Path(p.path).resolve() == target]
        raise ConfigError(f"{message_file}: not a loaded message" +
                          (":\n" + "\n".join(problems) if problems else ""))
    report = step_report(content, policy.load_policy(content), message, now)
    findings = [p for p in result.problems if p.message_id == message.id]
    if fmt == "json":
        click.echo(json.dumps({
            "message": message.id, "workflow": report.workflow,
            "stage": message.meta.workflow.stage.value, "now": now.isoformat(),
            "steps": [row.as_json() for row in report.rows],
            "findings": [p.as_dict() for p in findings],
            "cascade": [vars(c) for c in report.cascade]}, indent=2))
        sys.exit(1 if any(p.is_error for p in findings) else 0)
    console = Console(highlight=False, soft_wrap=True)
    console.print(Text(f"{message.title or message.id}", style="bold") +
                  Text(f"  {message.id} · {message.type.value} · stage "
                       f"{message.meta.workflow.stage.value} · workflow: "
                       f"{report.workflow_label}", style="dim"))
    table = Table(show_edge=False)
    for column in ("", "Step", "Role", "Done / who must act"):
        table.add_column(column)
    for row in report.rows:
        roles = " or ".join(role_name(content, r) for r in (row.role, *row.also)
                            if r) or "anyone"
        if row.done and row.by:
            person = content.people.get(row.by)
            when = content.local(row.at).strftime("%Y-%m-%d %H:%M") if row.at else ""
            who = f"{person.name if person else row.by}, {when}"
            table.add_row(Text("✔ done", style="green"), Text(row.step), roles, Text(who))
        elif row.done:
            table.add_row(Text("✔ done", style="green"), Text(row.step), roles, "by the pipeline")
        elif row.automatic:  # nobody's to-do: `publisher send` does it at the send time
            table.add_row(Text("⟳ auto", style="dim"), Text(row.step), "automatic",
                          "by the pipeline at the send time")
        else:
            due = (f", due {content.local(row.due):%Y-%m-%d %H:%M}" if row.due else "")
            late = " (overdue)" if row.overdue else ""
            who = f"first available: {row.person or 'nobody: name a stand-in'}{due}{late}"
            table.add_row(Text("○ to do", style="red" if row.overdue else "yellow"),
                          Text(row.step), roles, Text(who))
    console.print(table)
    for problem in findings:
        style = "red" if problem.is_error else "yellow"
        console.print(Text(f"{problem.severity.value}: ", style=style) +
                      Text(f"{problem.message} [{problem.rule}]"))
        if problem.action:
            console.print(Text(f"  next: {problem.action}", style="cyan"))
    if report.cascade:
        console.print(Text("Cascade plan (who is Responsible for passing it on)", style="bold"))
        plan_table = Table(show_edge=False)
        for column in ("Audience", "Responsible", "First available"):
            plan_table.add_column(column)
        for row_c in report.cascade:
            plan_table.add_row(Text(row_c.audience_name), Text(row_c.role_name or "-"),
                               Text(row_c.person or "-"))
        console.print(plan_table)
    sys.exit(1 if any(p.is_error for p in findings) else 0)


COMMANDS: list[click.Command] = [steps_command]
