"""What every command shares: the content argument, ``--now``, and errors as messages."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from .. import clock
from ..errors import Problem, PublisherError

F = TypeVar("F", bound=Callable[..., Any])
CONTENT_ARG = click.argument(
    "content_dir", default="content", type=click.Path(file_okay=False, path_type=Path)
)


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
