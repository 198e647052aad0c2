"""The ``publisher`` command: thin click commands over the stages, registered explicitly.

Each module here parses one stage's arguments and prints its results; the work lives in the
stage itself. Every command that depends on time takes ``--now`` (else ``PUBLISHER_NOW``,
else the real time) and passes that one instant down, so a run is reproducible.

Commands are imported when they run, not at start-up: ``publisher check`` in a pull request
or a pre-commit hook should not pay for importing the site builder, the mailer and git tools
(start-up was about 0.4 s before, most of a warm check). ``COMMANDS`` names where each lives;
a test checks it against every module's own list.
"""

from __future__ import annotations

import importlib

import click

COMMANDS: dict[str, str] = {
    "init": "init",
    "check": "check", "status": "check", "schema": "check",
    "build": "site", "serve": "site",
    "snippets": "outputs",
    "send": "mail", "remind": "mail", "archive": "mail", "ledger": "mail",
    "new": "workflow", "review": "workflow", "approve": "workflow", "pipeline": "workflow",
    "verify-approvals": "workflow", "pin-approvals": "workflow",
    "preview": "editor", "editor": "editor",
    "steps": "policy",
}
"""Command name → the module of this package that defines it (in its ``COMMANDS`` list)."""


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"{__name__}.{module_name}")
        return next((c for c in module.COMMANDS if c.name == cmd_name), None)


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="publisher")
def main() -> None:
    """Status site, newsroom and governed broadcast email from Markdown messages."""


if __name__ == "__main__":  # pragma: no cover
    main()
