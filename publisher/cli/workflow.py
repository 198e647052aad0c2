"""Commands for the comms lead: ``new``, ``review``, ``approve``, ``pipeline``,
``verify-approvals``. Thin over ``publisher.workflow``; every error is a message, never a trace.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..clock import parse_instant
from ..content.load import load_content
from ..content.model import Content
from ..errors import ContentError
from .options import CONTENT_ARG, now_option, reported, resolve_now


def _content(root: Path) -> Content:
    content, problems = load_content(root)
    if content is None:
        raise ContentError(problems)
    return content


def _content_of(path: Path, content_dir: Path | None) -> Content:
    """The content directory a message file belongs to (the parent of its messages/)."""
    if content_dir is not None:
        return _content(content_dir)
    for parent in path.resolve().parents:
        if parent.name == "messages":
            return _content(parent.parent)
    return _content(Path("content"))


# --------------------------------------------------------------------------- new


def _prompt_missing(template_name: str, request: object, content: Content) -> None:
    """On a terminal, ask for what the template needs and the flags left out."""
    from ..workflow.message_templates import get
    from ..workflow.new import missing

    template = get(template_name, content.root)
    for need in missing(template, request):  # type: ignore[arg-type]
        if need == "services":
            answer = click.prompt("Services (comma-separated ids, optionally id=status)")
            request.services = [s.strip() for s in answer.split(",") if s.strip()]  # type: ignore[attr-defined]
        elif need == "audiences":
            answer = click.prompt("Audiences (comma-separated ids)")
            request.audiences = [s.strip() for s in answer.split(",") if s.strip()]  # type: ignore[attr-defined]
        elif need == "criteria":
            answer = click.prompt("Major-incident criteria (comma-separated)")
            request.criteria = [s.strip() for s in answer.split(",") if s.strip()]  # type: ignore[attr-defined]
        else:
            label = {"start": "Window start (ISO 8601, local time)",
                     "end": "Window end (ISO 8601, local time)",
                     "send_at": "Send at (ISO 8601, local time)",
                     "thread": "Thread id to continue", "title": "Title"}[need]
            setattr(request, need, click.prompt(label))


@click.command("new")
@click.argument("template_name", metavar="TYPE", required=False)
@click.option("--content", "content_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("content"), show_default=True, help="Content directory.")
@click.option("--title", help="Title (new threads).")
@click.option("--service", "services", multiple=True, metavar="ID[=STATUS]",
              help="Affected service, repeatable; STATUS defaults to the template's.")
@click.option("--start", metavar="WHEN", help="Window start (ISO 8601; local time).")
@click.option("--end", metavar="WHEN", help="Window (expected) end (ISO 8601; local time).")
@click.option("--audience", "audiences", multiple=True, metavar="ID",
              help="Audience, repeatable (default: the services' audiences).")
@click.option("--thread", metavar="THREAD-ID", help="Thread a follow-up continues.")
@click.option("--send-at", metavar="WHEN", help="When to publish and send.")
@click.option("--requested-by", metavar="PERSON", help="Who asked (default: service manager).")
@click.option("--status", metavar="STATUS", help="Thread status (default: the template's).")
@click.option("--criterion", "criteria", multiple=True, metavar="CRITERION",
              help="Major-incident criterion, repeatable.")
@click.option("--preapproved", is_flag=True,
              help="Template text used unchanged: workflow.exception preapproved-template.")
@click.option("--slug", metavar="SLUG",
              help="The new thread's id after its date (default: made from --title).")
@click.option("--justification", metavar="TEXT",
              help="Why a channel the policy allows only with a justification is used "
                   "(workflow.justification); without it such channels are left out.")
@click.option("--dry-run", is_flag=True, help="Print the file instead of writing it.")
@click.option("--list", "list_only", is_flag=True, help="List the templates and exit.")
@now_option
@reported
def new_command(template_name: str | None, content_dir: Path, title: str | None,
                services: tuple[str, ...], start: str | None, end: str | None,
                audiences: tuple[str, ...], thread: str | None, send_at: str | None,
                requested_by: str | None, status: str | None, criteria: tuple[str, ...],
                preapproved: bool, slug: str | None, justification: str | None, dry_run: bool,
                list_only: bool, now_text: str | None) -> None:
    """Create a message from the preapproved template TYPE (`--list` shows them).

    A new thread becomes content/messages/YYYY/<date>-<title>.md; a follow-up (update,
    extension, all-clear, reminder, post-incident-review, major-incident-faq-update) goes
    into its --thread's folder. Missing values are asked for on a terminal; scripts pass
    flags. The message starts as a draft: record steps with `publisher review`.
    """
    from ..workflow import new as new_mod
    from ..workflow.message_templates import available

    content = _content(content_dir)
    if list_only:
        for name, template in available(content.root).items():
            click.echo(f"{name:<28} {template.label} ({template.type.value}"
                       f"{', continues a thread' if template.follows else ''})")
        return
    if not template_name:
        raise click.UsageError("name a template TYPE (publisher new --list shows them)")
    request = new_mod.NewRequest(
        template=template_name, title=title, services=list(services), start=start, end=end,
        audiences=list(audiences), thread=thread, send_at=send_at, requested_by=requested_by,
        status=status, criteria=list(criteria), preapproved=preapproved, slug=slug,
        justification=justification)
    if sys.stdin.isatty():
        _prompt_missing(template_name, request, content)
    created = new_mod.create(content, request, resolve_now(now_text), write=not dry_run)
    if dry_run:
        click.echo(created.text, nl=False)
        return
    for line in new_mod.describe(created):
        click.echo(line)


# --------------------------------------------------------------------------- review / approve


def _record(file: Path, steps: tuple[str, ...], by: str, content_dir: Path | None,
            now_text: str | None, at_text: str | None, note: str | None, approve: bool,
            send_at: str | None) -> None:
    """Record each step in turn (all or none: a refusal puts the file back as it was)."""
    from ..workflow.record import record

    original = file.read_bytes()
    done = None
    try:
        for step in steps:
            content = _content_of(file, content_dir)  # sees the step recorded just before
            tz = content.organisation.tz
            at = parse_instant(at_text, tz) if at_text else resolve_now(now_text)
            when = parse_instant(send_at, tz) if send_at else None
            done = record(content, file, step, by, at, note=note, approve=approve,
                          send_at=when)
            verb = "approved" if approve and done.final else "recorded"
            click.echo(f"{verb} {done.message_id}: {step} by {by} at {done.at}")
            for line in done.changed:
                click.echo(f"  - {line}")
            for line in done.added:
                click.echo(f"  + {line}")
    except BaseException:
        if file.read_bytes() != original:
            file.write_bytes(original)
            click.echo(f"nothing recorded: {file} is back as it was", err=True)
        raise
    assert done is not None
    for item in done.still_to_do:
        who = f" by {item.person_name}" if item.person_name else ""
        how = (f": publisher approve {file} --by {item.person or 'PERSON'}"
               if item.release else "")
        click.echo(f"still to do: {item.step}{who}" + (f" (due {item.due:%Y-%m-%d %H:%M})"
                                                       if item.due else "") + how)


_file_arg = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_content_opt = click.option("--content", "content_dir", default=None,
                            type=click.Path(file_okay=False, path_type=Path),
                            help="Content directory (default: the one FILE is in).")


@click.command("review")
@_file_arg
@click.option("--step", "steps", required=True, multiple=True,
              help="Workflow step, e.g. sme-review; repeat for several steps taken together.")
@click.option("--by", "by", required=True, metavar="PERSON", help="Person id who took it.")
@click.option("--at", "at_text", metavar="WHEN", help="When (default: now).")
@click.option("--note", help="A short note kept with the step.")
@_content_opt
@now_option
@reported
def review_command(file: Path, steps: tuple[str, ...], by: str, at_text: str | None,
                   note: str | None, content_dir: Path | None, now_text: str | None) -> None:
    """Record that PERSON took workflow STEP(s) on FILE (only someone holding each role).

    Several --step options record several steps in one go, in the order given (one commit);
    if any is refused, none is written. The first review step (sme-review,
    comms-control-review) moves a draft to stage review.
    """
    _record(file, steps, by, content_dir, now_text, at_text, note, False, None)


@click.command("approve")
@_file_arg
@click.option("--by", "by", required=True, metavar="PERSON", help="The approver's person id.")
@click.option("--send-at", metavar="WHEN", help="Set the send time while approving.")
@click.option("--at", "at_text", metavar="WHEN", help="When (default: now).")
@click.option("--note", help="A short note kept with the approval.")
@_content_opt
@now_option
@reported
def approve_command(file: Path, by: str, send_at: str | None, at_text: str | None,
                    note: str | None, content_dir: Path | None, now_text: str | None) -> None:
    """Record the approval of FILE by PERSON and set its stage to approved.

    The step recorded is the approval the workflow still needs: usually `approval`; where a
    workflow makes another step the release (an all-clear's `draft` by the comms lead), that
    step, pinned to the text like any approval.

    Refused when PERSON may not approve it under the policy, when earlier steps are still to
    do, when template placeholders are left in the text, or when there is no send time.
    Commit the change as PERSON (or with their Signed-off-by) for `verify-approvals`.
    """
    from ..workflow import todo
    from ..workflow.record import find_message

    content = _content_of(file, content_dir)
    at = (parse_instant(at_text, content.organisation.tz) if at_text
          else resolve_now(now_text))
    step = todo.release_step(content, todo.load(content), find_message(content, file), at)
    _record(file, (step,), by, content_dir, now_text, at_text, note, True, send_at)


@click.command("pin-approvals")
@CONTENT_ARG
@click.option("--dry-run", is_flag=True, help="List what would be pinned; write nothing.")
@reported
def pin_approvals_command(content_dir: Path, dry_run: bool) -> None:
    """Record, once, the digest of every approved message approved before digests existed.

    Ties each old approval to the text as it stands now, so any later edit holds the
    message until it is re-approved. Review the diff and commit it.
    """
    from ..workflow.pin import pin_all

    content, _ = load_content(content_dir)
    if content is None:
        raise ContentError(_)
    done, skipped = pin_all(content, write=not dry_run)
    verb = "would pin" if dry_run else "pinned"
    for item in done:
        click.echo(f"{verb} {item.message_id}: {item.step} by {item.by}: {item.digest}")
    for line in skipped:
        click.echo(f"not pinned: {line}", err=True)
    click.echo(f"{verb} {len(done)} approval(s)")


# --------------------------------------------------------------------------- pipeline


@click.command("pipeline")
@CONTENT_ARG
@now_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A table for people, or JSON for machines.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("build/internal/pipeline.html"), show_default=True,
              help="Internal HTML page to write (never under build/site).")
@click.option("--no-html", is_flag=True, help="Do not write the HTML page.")
@reported
def pipeline_command(content_dir: Path, now_text: str | None, fmt: str, html: Path,
                     no_html: bool) -> None:
    """Open outages and every overdue duty first, then everything in flight: stage, next
    step, who must act and by when, overdue first.

    In flight: not approved yet (withdrawn excepted), or approved with a send time still
    ahead. Also writes an internal HTML page (it names reviewers and shows internal notes).
    """
    import json

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from ..workflow.pipeline import board, guard_internal, write_html

    now = resolve_now(now_text)
    if not no_html:
        guard_internal(html)
    dashboard = board(content_dir, now)
    content, found = dashboard.content, dashboard.rows
    if not no_html:
        write_html(content, found, now, html, dashboard)
    if fmt == "json":
        click.echo(json.dumps({"now": now.isoformat(), "count": len(found),
                               "overdue": sum(r.overdue for r in found),
                               "outages": [o.as_dict() for o in dashboard.outages],
                               "duties": [d.as_dict() for d in dashboard.duties],
                               "held": [h.as_dict() for h in dashboard.held],
                               "messages": [r.as_dict(content) for r in found]}, indent=2))
        return
    # piped into a log or a file: wide enough that no cell breaks a word
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)

    def local(value: object) -> str:
        return content.local(value).strftime("%a %d %b %H:%M") if value else "—"  # type: ignore[arg-type]

    # First what is happening now and who owes what: open outages, then every duty overdue
    # or due within the hour (the list `publisher remind` emails).
    outages = Table(title=f"Open outages at {local(now)}: {len(dashboard.outages)}")
    for column in ("Since", "Outage", "Status", "Expected end", "Services"):
        outages.add_column(column, overflow="fold")
    for outage in dashboard.outages:
        end = (Text(f"▲ OVERRUN\n{local(outage.expected_end)}", style="bold red")
               if outage.overrun else Text(local(outage.expected_end)))
        outages.add_row(local(outage.start), f"{escape(outage.title)}\n[dim]{outage.thread_id}[/]",
                        f"{outage.status} ({outage.impact})", end,
                        Text(", ".join(outage.services)))
    console.print(outages if dashboard.outages else f"No open outage at {local(now)}.")
    duties = Table(title=f"Duties overdue or due within the hour: {len(dashboard.duties)}")
    for column in ("Duty", "Message", "Who must act", "Next"):
        duties.add_column(column, overflow="fold")
    for owed in dashboard.duties:
        duties.add_row(Text(owed.duty.what, style="bold red"),
                       f"{escape(owed.thread_title)}\n[dim]{owed.duty.message.id}[/]",
                       Text(owed.person_name or "✖ nobody available: escalate"),
                       Text(owed.duty.action))
    console.print(duties if dashboard.duties else "No duty overdue or due within the hour.")
    for held in dashboard.held:  # the in-flight table below shows them first as well
        first = held.problems[0] if held.problems else None
        console.print(Text(f"held {held.key}: {first.message if first else 'error'}"
                           f" (next: {first.action if first and first.action else 'fix it'})",
                           style="bold red"))
    table = Table(title=f"In flight at {local(now)}: {len(found)} message(s), "
                        f"{sum(r.overdue for r in found)} overdue")
    for column in ("Due", "Message", "Stage", "Next step", "Who must act"):
        table.add_column(column, overflow="fold")
    for row in found:
        due = Text(f"▲ OVERDUE\n{local(row.due)}", style="bold red") if row.overdue \
            else Text(local(row.due))
        stage = f"approved, sends {local(row.message.send_at)}" if row.scheduled else row.stage
        who = (f"{row.person_name} ({row.role_name})" if row.person_name
               else ("✖ nobody available" + (f" ({row.role_name})" if row.role_name else ""))
               if row.role else "—")
        table.add_row(due, f"{escape(row.thread_title)}\n[dim]{row.message.id}[/]", stage,
                      Text(row.next_step), Text(who))
    console.print(table)
    if not no_html:
        console.print(f"wrote {html} (internal)")


# --------------------------------------------------------------------------- provenance


@click.command("verify-approvals")
@CONTENT_ARG
@click.option("--file", "files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Only these message files (repeatable). Default: every message.")
@click.option("--all-steps", is_flag=True, help="Verify every recorded step, not only approvals.")
@click.option("--trusted-before", metavar="REV",
              help="Trust claims committed in REV's history (default: policy.yml's).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reported
def verify_approvals_command(content_dir: Path, files: tuple[Path, ...], all_steps: bool,
                             trusted_before: str | None, fmt: str) -> None:
    """Check every approval in front matter against git history.

    An approval is accepted when the commit that added its line was authored by one of the
    approver's git identities (people.yml: git) or carries their Signed-off-by trailer.
    Exit code 1 when any approval is not verified.
    """
    import json

    from ..policy.provenance import Settings, verify
    from ..workflow.record import find_message

    content = _content(content_dir)
    settings = Settings.of(content)
    if all_steps:
        settings.steps = sorted({s.step for m in content.messages.values()
                                 for s in m.meta.workflow.steps})
    if trusted_before:
        settings.trusted_before = trusted_before
    messages = [find_message(content, f) for f in files] if files else None
    claims = verify(content, settings, messages)
    bad = [c for c in claims if not c.verified]
    if fmt == "json":
        click.echo(json.dumps({
            "ok": not bad, "claims": [{
                "message_id": c.message.id, "path": c.message.source, "line": c.line,
                "field": c.field, "step": c.step, "by": c.by, "verified": c.verified,
                "trusted": c.trusted, "commit": c.commit.sha if c.commit else None,
                "author": f"{c.commit.author_name} <{c.commit.author_email}>"
                if c.commit else None, "reason": c.reason} for c in claims]}, indent=2))
    else:
        for claim in claims:
            if claim.verified and not claim.trusted:
                sha = claim.commit.short if claim.commit else ""
                click.echo(f"✔ {claim.message.source}:{claim.line}: {claim.step} by {claim.by}"
                           f": {claim.reason} (commit {sha})")
        for claim in bad:
            click.echo(f"✖ {claim.problem()}")
        trusted = sum(c.trusted for c in claims)
        click.echo(f"{len(claims)} claim(s): {len(claims) - len(bad) - trusted} verified, "
                   f"{trusted} trusted (before {settings.trusted_before}), {len(bad)} not "
                   "verified" if trusted else f"{len(claims)} claim(s): "
                   f"{len(claims) - len(bad)} verified, {len(bad)} not verified")
    sys.exit(1 if bad else 0)


COMMANDS = [new_command, review_command, approve_command, pipeline_command,
            verify_approvals_command, pin_approvals_command]
