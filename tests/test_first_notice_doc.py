"""docs/first-notice.md cannot drift: every command in it runs, in order, in a fresh git
repository holding the demo, and its output must be what the page shows.

A ``console`` block is a series of ``$ command`` lines, each followed by its output. In the
shown output a line ``…`` stands for any number of lines and ``…`` inside a line for any
text (commit ids, sizes). ``as="Name <email>"`` on a block is the git identity its commits
are made with. A ``markdown file="PATH"`` block is a file the browser editor saved: it is
written to PATH before the commands after it run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from site_build import REPO
from tools_support import make_repo

DOC = REPO / "docs" / "first-notice.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.M | re.S)
ATTR = re.compile(r'(\w+)="([^"]*)"')


def expected_pattern(lines: list[str]) -> re.Pattern[str]:
    parts = [r"(?:[^\n]*\n)*?" if line == "…" else
             ".*".join(re.escape(piece) for piece in line.split("…")) + r"\n"
             for line in lines]
    return re.compile("".join(parts))


def steps(text: str) -> list[tuple[str, dict[str, str], str, list[str]]]:
    """(kind, attributes, command or file text, expected output lines) in page order."""
    found: list[tuple[str, dict[str, str], str, list[str]]] = []
    for match in FENCE.finditer(text):
        lang, info, body = match.group(1), match.group(2), match.group(3)
        attrs = dict(ATTR.findall(info))
        if "file" in attrs:
            found.append(("file", attrs, body, []))
        elif lang == "console":
            for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
                command, _, output = chunk.partition("\n")
                found.append(("run", attrs, command, output.splitlines()))
    return found


def test_the_first_notice_walkthrough_runs_as_written(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    env = dict(repo.env)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.pop("PUBLISHER_NOW", None)
    env["COLUMNS"] = "200"
    ran = 0
    for kind, attrs, text, expected in steps(DOC.read_text(encoding="utf-8")):
        if kind == "file":
            target = repo.root / attrs["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            continue
        if text.startswith("export "):
            name, _, value = text[len("export "):].partition("=")
            env[name] = value
            continue
        name, _, email = attrs["as"].partition(" <")
        email = email.rstrip(">")
        run_env = dict(env, GIT_AUTHOR_NAME=name, GIT_COMMITTER_NAME=name,
                       GIT_AUTHOR_EMAIL=email, GIT_COMMITTER_EMAIL=email)
        done = subprocess.run(["bash", "-c", text], cwd=repo.root, env=run_env, text=True,
                              capture_output=True, check=False, timeout=300)
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"$ {text}\n{output}"
        actual = "".join(line.rstrip() + "\n" for line in output.splitlines())
        shown = "\n".join(expected)
        assert expected_pattern(expected).fullmatch(actual), \
            f"$ {text}\n--- the page shows:\n{shown}\n--- it printed:\n{actual}"
        ran += 1
    assert ran >= 25
