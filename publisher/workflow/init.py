"""``publisher init DIR``: a new organisation's repository, ready for ``check`` and ``build``.

An organisation adopts Publisher the way it adopts MkDocs or Pelican: install the package, run
one command that writes its own project, and upgrade the package later without touching that
project. The new project holds only the organisation's own files: configuration and policy in
``content/``, ``mkdocs.yml``, an empty ``site_templates/`` override layer, the GitOps CI recipe,
``.gitignore`` and a README for the comms team. Templates keep coming from the package.

Two sources feed it. ``publisher/skeleton/`` (package data) holds the commented skeletons.
The Westmarch demo, the sources' default policy, ``mkdocs.yml`` and the CI recipes are this
repository's own files; a wheel carries a copy of them in ``publisher/bundled/`` (written by
``setup.py`` at build time), and a source checkout reads them where they are. So each of those
files exists once in the repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..bundled_files import BUNDLE
from ..errors import ConfigError

PACKAGE = Path(__file__).resolve().parent.parent
SKELETON = PACKAGE / "skeleton"
BUNDLED = PACKAGE / "bundled"
"""Filled by the wheel build (setup.py); absent in a source checkout."""
CHECKOUT = PACKAGE.parent
"""The repository root when running from a source checkout (editable install)."""


CI_RECIPES = {"ci/github-actions.yml": ".github/workflows/publish.yml",
              "ci/gitlab-ci.yml": ".gitlab-ci.yml"}
SOURCE_POLICY_RENAMES = {"dentistry-community": "sub-community"}
"""The demo's sub-community audience, as the skeleton names it."""


def bundled(name: str) -> Path:
    """A file or folder of the repository that ``init`` copies, wherever this install keeps it."""
    for candidate in (BUNDLED / name, CHECKOUT / BUNDLE[name]):
        if candidate.exists():
            return candidate
    raise ConfigError(f"this installation of publisher lacks {BUNDLE[name]} "
                      "(reinstall it from a wheel or a source checkout)")


def _refuse_existing(target: Path) -> None:
    """Never write over anything: the target must be missing or an empty folder."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{target}: already exists and is not empty; `publisher init` only "
                          "creates new projects (choose a new folder)")


def _skeleton_files() -> Iterator[tuple[Path, str]]:
    """(source, relative destination): a leading ``_`` in a name becomes ``.``, because
    package data cannot reliably carry dotfiles (``_gitignore`` → ``.gitignore``)."""
    for source in sorted(SKELETON.rglob("*")):
        if source.is_file() and "__pycache__" not in source.parts:
            parts = [("." + p[1:]) if p.startswith("_") else p
                     for p in source.relative_to(SKELETON).parts]
            yield source, "/".join(parts)


def init(target: Path, example: bool = False) -> list[Path]:
    """Create the project in ``target``; returns the files written, relative to it."""
    target = Path(target)
    _refuse_existing(target)
    files: dict[str, bytes] = {}
    for source, relative in _skeleton_files():
        if example and relative.startswith("content/"):
            continue  # the demo's own content instead of the skeletons
        files[relative] = source.read_bytes()
    if example:
        demo = bundled("example")
        for source in sorted(demo.rglob("*")):
            if source.is_file() and not source.is_symlink():
                files[f"content/{source.relative_to(demo).as_posix()}"] = source.read_bytes()
        policy = demo / "policy.yml"
        files["content/policy.yml"] = without_trusted_history(
            policy.read_text(encoding="utf-8")).encode("utf-8")
    else:
        files["content/policy.yml"] = _default_policy()
    files["mkdocs.yml"] = bundled("mkdocs.yml").read_bytes()
    files["site_templates/README.md"] = bundled("site_templates/README.md").read_bytes()
    for name, destination in CI_RECIPES.items():
        files[destination] = bundled(name).read_bytes()
    written = []
    for relative, data in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(Path(relative))
    return written


def _default_policy() -> bytes:
    """The sources' default policy (the demo's), named for the skeleton's audiences."""
    text = bundled("example").joinpath("policy.yml").read_text(encoding="utf-8")
    for old, new in SOURCE_POLICY_RENAMES.items():
        text = text.replace(old, new)
    lines = without_trusted_history(text).splitlines(keepends=True)
    renamed = ["name: Our IT communications policy\n" if line.startswith("name:") else line
               for line in lines]
    header = ("# Your communications governance, as data. It starts as the defaults of the\n"
              "# source documents (docs/policy.md explains every rule); change numbers, roles and\n"
              "# channels here, not in code. `publisher check` validates every field.\n")
    return (header + "".join(renamed)).encode("utf-8")


PROVENANCE_NOTE = """\
# --------------------------------------------------------------------------- provenance
# Approvals are checked against git history by `publisher verify-approvals`. If you import
# messages approved before you used publisher, name the commit of that import here so its
# approvals are trusted as history (docs/tools.md, "Importing history"):
# provenance:
#   trusted_before: <commit of the import>
"""


def without_trusted_history(policy: str) -> str:
    """The policy without this repository's ``provenance.trusted_before`` commit.

    That commit exists only in this repository's history; in a new project it would name
    nothing, so the block is replaced by a commented explanation."""
    lines = policy.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith("provenance:")), None)
    if start is None:
        return policy
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    head = start
    while head > 0 and lines[head - 1].startswith("#"):
        head -= 1  # the block's own comments go with it
    return "".join(lines[:head]) + PROVENANCE_NOTE + "".join(lines[end:])
