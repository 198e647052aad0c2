"""``publisher build``: the status site and newsroom into build/site (same as ``mkdocs build``).

``publisher serve`` runs ``mkdocs serve`` at one instant, reloading on content and template
changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from ..errors import Problem
from .options import CONTENT_ARG, now_option, print_held, reported, resolve_now

CONFIG_OPTION = click.option(
    "--config-file", "-f", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="mkdocs.yml to use (default: next to the content directory, else ./mkdocs.yml).")


@click.command("build")
@CONTENT_ARG
@now_option
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build/site"), show_default=True, help="Where the site goes.")
@CONFIG_OPTION
@click.option("--strict", is_flag=True,
              help="Exit 1 when any message is held (the rest is still built).")
@reported
def build_command(content_dir: Path, now_text: str | None, out: Path,
                  config_file: Path | None, strict: bool) -> None:
    """Check the content and build the whole site (pages, feeds, API, banner, calendars).

    A message with an error is held: left out of every output and listed here with why;
    everything else is built and the exit code is 0 (1 with --strict). Only an error in a
    config file stops the build, and then the previous site stays as it was.
    """
    from ..build import build

    now = resolve_now(now_text)
    held: dict[str, list[Problem]] = {}
    site = build(content_dir, now, out, config_file, held=held)
    files = sum(len(names) for _, _, names in os.walk(site))  # no stat per file
    click.echo(f"built {files} files into {out} at {now.isoformat()}")
    print_held(held)
    if strict and held:
        sys.exit(1)



@click.command("serve")
@CONTENT_ARG
@now_option
@click.option("--addr", "-a", default="127.0.0.1:8000", show_default=True,
              help="Address to serve on (host:port).")
@CONFIG_OPTION
def serve_command(content_dir: Path, now_text: str | None, addr: str,
                  config_file: Path | None) -> None:
    """Serve the site with live reload (mkdocs serve) standing at one instant."""
    from ..build import find_config

    env = dict(os.environ, PUBLISHER_CONTENT=str(content_dir.resolve()))
    if now_text:
        env["PUBLISHER_NOW"] = resolve_now(now_text).isoformat()
    config = find_config(content_dir, config_file)
    raise SystemExit(subprocess.call(
        [sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "-a", addr], env=env))


COMMANDS: list[click.Command] = [build_command, serve_command]
