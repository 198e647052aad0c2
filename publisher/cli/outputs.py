"""``publisher snippets``: the SMS and social-media texts to send by hand for messages.

The comms lead copies them into the SMS alert service and the team's social accounts
(second source document); each carries the thread's permalink and fits its limit.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..content.model import Channel
from ..errors import ConfigError
from .options import CONTENT_ARG, now_option, reported, resolve_now


@click.command("snippets")
@CONTENT_ARG
@now_option
@click.option("--message", "-m", "message_ids", multiple=True, metavar="ID",
              help="Only this message (any stage, so a draft can be checked). Repeatable.")
@click.option("--all", "everything", is_flag=True,
              help="Every published message, not only those with an sms or social channel.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reported
def snippets_command(content_dir: Path, now_text: str | None, message_ids: tuple[str, ...],
                     everything: bool, fmt: str) -> None:
    """Print the SMS (≤ 160) and social post (≤ 280) for messages in CONTENT_DIR.

    By default: the published messages (at --now) whose channels include sms or social,
    newest first.
    """
    from ..check import load_checked
    from ..status import evaluate
    from ..text.snippets import LIMITS, snippet

    now = resolve_now(now_text)
    result = load_checked(content_dir, now)
    content = result.content
    assert content is not None
    if message_ids:
        unknown = [m for m in message_ids if m not in content.messages]
        if unknown:
            raise ConfigError(f"--message: unknown message id(s): {', '.join(unknown)}")
        messages = [content.messages[m] for m in message_ids]
    else:
        wanted = {Channel.SMS, Channel.SOCIAL}
        messages = [m for m in evaluate(content, now).published
                    if everything or wanted.intersection(m.meta.channels or ())]
    snippets = [snippet(content, m) for m in messages]
    if fmt == "json":
        click.echo(json.dumps([{
            "message": s.message_id, "link": s.link,
            "sms": s.sms, "sms_length": len(s.sms), "sms_override": s.sms_override,
            "social": s.social, "social_length": len(s.social),
            "social_override": s.social_override,
        } for s in snippets], indent=2, ensure_ascii=False))
        return
    if not snippets:
        click.echo("no messages to make snippets for")
    for s in snippets:
        click.echo(click.style(s.message_id, bold=True))
        for name, text, own in (("SMS", s.sms, s.sms_override),
                                ("Social", s.social, s.social_override)):
            limit = LIMITS[name.lower()]
            source = "from the message's field" if own else "derived"
            click.echo(f"  {name} ({len(text)}/{limit}, {source}):")
            click.echo(f"    {text}")
        click.echo("")


COMMANDS: list[click.Command] = [snippets_command]
