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
    from ..policy.workflow import match, plan

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
    pol = policy.load_policy(content)
    required = policy.steps_for(content, pol, message)
    todo = {(p.step, p.role): p for p in policy.pending(content, pol, message, now)}
    chosen = plan(content, pol, message)
    done = match(content, message, required)
    findings = [p for p in result.problems if p.message_id == message.id]
    cascade = policy.cascade_plan(content, pol, message)
    rows = []
    for req, record in zip(required, done, strict=True):
        waiting = todo.get((req.step, req.role))
        row = {"step": req.step, "label": req.label, "role": req.role, "also": list(req.also),
               "done": record is not None, "by": record.by if record else None,
               "at": record.at.isoformat() if record else None,
               "person": waiting.person if waiting else None,
               "due": waiting.due.isoformat() if waiting and waiting.due else None,
               "overdue": bool(waiting and waiting.overdue)}
        if record is None and waiting is None:
            row["done"] = True  # distribution by the pipeline, already sent
        rows.append(row)
    if fmt == "json":
        click.echo(json.dumps({
            "message": message.id, "workflow": chosen.name, "stage": message.meta.workflow
            .stage.value, "now": now.isoformat(), "steps": rows,
            "findings": [p.as_dict() for p in findings],
            "cascade": [vars(c) for c in cascade]}, indent=2))
        sys.exit(1 if any(p.is_error for p in findings) else 0)
    console = Console(highlight=False, soft_wrap=True)
    label = chosen.spec.label if chosen.spec else "no workflow in the policy"
    console.print(Text(f"{message.title or message.id}", style="bold") +
                  Text(f"  {message.id} · {message.type.value} · stage "
                       f"{message.meta.workflow.stage.value} · workflow: {label}", style="dim"))
    table = Table(show_edge=False)
    for column in ("", "Step", "Role", "Done / who must act"):
        table.add_column(column)
    for row, req in zip(rows, required, strict=True):
        roles = " or ".join(role_name(content, r) for r in (req.role, *req.also)
                            if r) or "anyone"
        if row["done"] and row["by"]:
            person = content.people.get(row["by"])
            who = f"{person.name if person else row['by']}, {row['at'][:16].replace('T', ' ')}"
            table.add_row(Text("✔ done", style="green"), req.step, roles, who)
        elif row["done"]:
            table.add_row(Text("✔ done", style="green"), req.step, roles, "by the pipeline")
        else:
            due = f", due {row['due'][:16].replace('T', ' ')}" if row["due"] else ""
            late = " (overdue)" if row["overdue"] else ""
            who = f"first available: {row['person'] or 'nobody: name a stand-in'}{due}{late}"
            table.add_row(Text("○ to do", style="red" if row["overdue"] else "yellow"),
                          req.step, roles, who)
    console.print(table)
    for problem in findings:
        style = "red" if problem.is_error else "yellow"
        console.print(Text(f"{problem.severity.value}: ", style=style) +
                      Text(f"{problem.message} [{problem.rule}]"))
        if problem.action:
            console.print(Text(f"  next: {problem.action}", style="cyan"))
    if cascade:
        console.print(Text("Cascade plan (who is Responsible for passing it on)", style="bold"))
        plan_table = Table(show_edge=False)
        for column in ("Audience", "Responsible", "First available"):
            plan_table.add_column(column)
        for row_c in cascade:
            plan_table.add_row(row_c.audience_name, row_c.role_name or "-", row_c.person or "-")
        console.print(plan_table)
    sys.exit(1 if any(p.is_error for p in findings) else 0)


COMMANDS: list[click.Command] = [steps_command]
