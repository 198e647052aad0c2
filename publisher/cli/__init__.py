"""The ``publisher`` command: thin click commands over the stages, registered explicitly.

Each module here parses one stage's arguments and prints its results; the work lives in the
stage itself. Every command that depends on time takes ``--now`` (else ``PUBLISHER_NOW``,
else the real time) and passes that one instant down, so a run is reproducible.
"""

from __future__ import annotations

import click

from . import check, editor, init, mail, outputs, policy, site, workflow


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="publisher")
def main() -> None:
    """Status site, newsroom and governed broadcast email from Markdown messages."""


for _module in (init, check, site, outputs, mail, workflow, editor, policy):
    for _command in _module.COMMANDS:
        main.add_command(_command)

if __name__ == "__main__":  # pragma: no cover
    main()
