"""``publisher init DIR``: start a new organisation's repository."""

from __future__ import annotations

from pathlib import Path

import click

from .options import reported


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=True, path_type=Path))
@click.option("--example", is_flag=True,
              help="Copy the Westmarch University demo (messages included) instead of the "
                   "commented skeletons.")
@reported
def init_command(directory: Path, example: bool) -> None:
    """Create DIRECTORY as a new organisation's repository.

    It gets commented skeletons of organisation, services, audiences, people and policy (the
    policy as the source documents' defaults), mkdocs.yml, an empty site_templates/ override
    folder, the GitOps CI recipe, .gitignore and a README. `publisher check` and
    `publisher build` pass on it at once. DIRECTORY must not exist or be empty.
    """
    from ..workflow.init import init

    written = init(directory, example=example)
    click.echo(f"created {directory} ({len(written)} files)")
    click.echo("next:")
    click.echo(f"  cd {directory}")
    click.echo("  git init && git add -A && git commit -m 'Start our status site'")
    click.echo("  edit content/*.yml for your organisation, then:")
    click.echo("  publisher check && publisher build && publisher serve")


COMMANDS: list[click.Command] = [init_command]
