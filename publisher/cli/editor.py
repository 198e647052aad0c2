"""Commands that help before approval: ``preview`` (a draft rendered as readers get it)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import relpath
from .options import now_option, reported, resolve_now


@click.command("preview")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build/preview"), show_default=True,
              help="Folder for previews (one sub-folder per message id).")
@click.option("--content", "content_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Content directory (default: the one FILE is in).")
@click.option("--config-file", "-f", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="mkdocs.yml to use (default: as `publisher build`).")
@now_option
@reported
def preview_command(files: tuple[Path, ...], out: Path, content_dir: Path | None,
                    config_file: Path | None, now_text: str | None) -> None:
    """Render FILE (a draft) as readers and recipients will get it, without publishing.

    Writes the thread page with the message in its timeline, the email (HTML and text parts,
    subject and headers, exactly as `publisher send` composes it), the banner and the SMS
    and social texts into OUT/<message id>/, and prints where. Shown at the message's send
    time (now when it has none or it is past). Nothing is published or sent.
    """
    from ..workflow.preview import make
    from .workflow import _content_of

    now = resolve_now(now_text)
    for file in files:
        content = _content_of(file, content_dir)
        done = make(content, file, now, out, config_file)
        click.echo(f"preview of {done.message.id} ({done.stage}) as readers will get it at "
                   f"{content.local(done.at):%a %d %b %Y %H:%M %Z}:")
        for label, path in done.parts.items():
            click.echo(f"  {label + ':':<15} {relpath(path)}")
        if done.subject:
            click.echo(f"  {'subject:':<15} {done.subject}")
        for note in done.notes:
            click.echo(f"  note: {note}")


COMMANDS: list[click.Command] = [preview_command]
