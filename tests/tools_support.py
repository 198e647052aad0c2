"""Support for the tools tests: the real CLI in a subprocess, inside a real git repository.

Each test gets a private copy of the demo committed to a fresh repository; commits are made
as named identities (``git -c user.name=… -c user.email=…``), never with the machine's own
git configuration, so provenance tests know exactly who committed what.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import DEMO, DEMO_NOW

NOW = DEMO_NOW.isoformat()
SEEDER = ("Demo Importer", "importer@westmarch.example")


def git_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_TERMINAL_PROMPT": "0"})
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                "GIT_COMMITTER_EMAIL", "GIT_DIR", "GIT_WORK_TREE"):
        env.pop(key, None)
    return env


@dataclass
class Repo:
    """A git working tree holding ``content/`` (a copy of the demo)."""

    root: Path
    env: dict[str, str]

    @property
    def content(self) -> Path:
        return self.root / "content"

    def git(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, env=self.env, text=True,
                              capture_output=True, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout

    def commit(self, message: str, who: tuple[str, str], *paths: str,
               signoff: tuple[str, str] | None = None) -> str:
        """Commit ``paths`` (default: everything) as ``who``; return the commit id."""
        self.git("add", *(paths or ("-A",)))
        body = message
        if signoff is not None:
            body += f"\n\nSigned-off-by: {signoff[0]} <{signoff[1]}>"
        name, email = who
        self.git("-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "-q",
                 "-m", body)
        return self.git("rev-parse", "HEAD").strip()

    def run(self, *args: str, now: str | None = NOW, stdin: str | None = None,
            ) -> subprocess.CompletedProcess[str]:
        """``python -m publisher ARGS`` in the repository (``--now`` the demo moment)."""
        extra = ["--now", now] if now else []
        return subprocess.run([sys.executable, "-m", "publisher", *args, *extra],
                              cwd=self.root, env=self.env, text=True, capture_output=True,
                              input=stdin, check=False)


def make_repo(tmp_path: Path) -> Repo:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(DEMO, root / "content")
    # The demo's provenance block trusts the commit that imported it into this project's
    # history; a fresh repository imports it in its own commit, so drop the block here.
    policy = root / "content" / "policy.yml"
    policy.write_text(re.sub(r"\nprovenance:\n(?:  .*\n)*", "\n",
                             policy.read_text(encoding="utf-8")), encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    repo = Repo(root, git_env(home))
    repo.git("init", "-q", "-b", "main")
    repo.commit("Import the demo content", SEEDER)
    return repo


def front_matter(path: Path) -> dict:
    import yaml

    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n", 2)[1])
