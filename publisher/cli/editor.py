"""Commands for writing and checking messages before approval: ``preview`` (a draft rendered
as readers get it) and ``editor`` (the browser editor, Decap CMS)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import relpath
from .options import CONTENT_ARG, now_option, reported, resolve_now


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


@click.command("editor")
@CONTENT_ARG
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build/admin"), show_default=True,
              help="Where the editor goes (never under build/site).")
@click.option("--backend", type=click.Choice(["local", "github", "gitlab", "gitea"]),
              default="local", show_default=True,
              help="local: decap-server on this machine; else the forge's API with OAuth.")
@click.option("--repo", metavar="OWNER/NAME", help="The repository (github/gitlab/gitea).")
@click.option("--branch", default="main", show_default=True, help="The branch to publish to.")
@click.option("--base-url", metavar="URL",
              help="OAuth provider (GitHub), or the GitLab/Gitea server's URL.")
@click.option("--api-root", metavar="URL", help="The forge's API URL (self-hosted).")
@click.option("--app-id", metavar="ID", help="GitLab/Gitea OAuth application id.")
@click.option("--local-url", default="http://localhost:8081/api/v1", show_default=True,
              help="decap-server's address (local backend).")
@click.option("--decap", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="decap-cms's dist folder (default: .cache/node_modules/decap-cms/dist).")
@click.option("--serve", is_flag=True,
              help="Local mode in one go: run decap-server on this repository and serve the "
                   "editor on http://localhost:PORT until Ctrl-C.")
@click.option("--port", type=int, default=8080, show_default=True,
              help="Where --serve serves the editor.")
@reported
def editor_command(content_dir: Path, out: Path, backend: str, repo: str | None, branch: str,
                   base_url: str | None, api_root: str | None, app_id: str | None,
                   local_url: str, decap: Path | None, serve: bool, port: int) -> None:
    """Generate the browser editor (Decap CMS) for CONTENT_DIR into OUT.

    Its forms offer exactly the services, impacts, audiences, channels and people of the
    config files: run it again after changing them. Locally, serve OUT and run decap-server
    in the repository (docs/editor.md); in production, deploy OUT beside the site.
    """
    from urllib.parse import urlsplit

    from ..workflow import editor
    from .workflow import _content

    content = _content(content_dir)
    settings = editor.Backend(backend, repo, branch, local_url, base_url, api_root, app_id)
    written = editor.write(content, out, settings, decap)
    click.echo(f"wrote the editor into {out} ({len(written)} files, {backend} backend)")
    if serve:
        if backend != "local":
            raise click.UsageError("--serve is the local mode: leave out --backend")
        server_port = urlsplit(local_url).port or 8081
        editor.serve(out, content.root.resolve().parent, editor.find_decap(decap), port,
                     server_port)
        return
    if backend == "local":
        click.echo("to write messages in it on this computer: publisher editor --serve")


COMMANDS: list[click.Command] = [preview_command, editor_command]
