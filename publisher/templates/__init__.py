"""The default templates, shipped inside the package, and the one way to look a template up.

Every output that is drawn from a template (pages, the theme's overrides, email, banner, the
internal pipeline page, the preapproved message wordings) finds it in two places, in order:

1. the organisation's own ``site_templates/<kind>/`` folder, next to its ``content/``;
2. the copy shipped here, ``publisher/templates/<kind>/``.

So an organisation overrides one template by placing a file of the same name in its own folder,
without copying the rest (Pelican's theme loader and MkDocs' ``custom_dir`` work the same way),
and upgrading the package brings new defaults for everything it did not override.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jinja is imported when a template is first drawn (check never draws one)
    import jinja2

PACKAGED = Path(__file__).resolve().parent
"""The defaults: one sub-folder per kind (pages, overrides, assets, email, banner, internal,
messages)."""

OVERRIDES_FOLDER = "site_templates"
"""The organisation's override layer, beside its ``content/`` folder and ``mkdocs.yml``."""

KINDS = ("pages", "overrides", "assets", "email", "banner", "internal", "messages")


def project_dir(content_root: Path) -> Path:
    """The organisation's repository: the folder that holds ``content/``."""
    return Path(content_root).resolve().parent


def search_path(kind: str, project: Path | None) -> list[Path]:
    """Where templates of ``kind`` are looked for, the organisation's folder first."""
    if kind not in KINDS:
        raise ValueError(f"unknown template kind {kind!r}")
    dirs = []
    if project is not None:
        local = Path(project) / OVERRIDES_FOLDER / kind
        if local.is_dir():
            dirs.append(local.resolve())
    dirs.append(PACKAGED / kind)
    return dirs


def find(kind: str, name: str, project: Path | None) -> Path:
    """The file a template name resolves to (an organisation's copy wins)."""
    for folder in search_path(kind, project):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"template {kind}/{name} not found in {search_path(kind, project)}")


def read_bytes(kind: str, name: str, project: Path | None) -> bytes:
    """A static file (a script or stylesheet) copied as it is into the output."""
    return find(kind, name, project).read_bytes()


def environment(kind: str, project: Path | None, **options: Any) -> jinja2.Environment:
    """A jinja environment over ``search_path(kind, project)``; ``options`` as for jinja.

    Environments are cached per (kind, folders, options), so templates compile once per
    process; ``clear_cache()`` forgets them when templates may have been edited (serve).
    """
    folders = tuple(str(p) for p in search_path(kind, project))
    return _environment(folders, tuple(sorted(options.items(), key=lambda kv: kv[0])))


@lru_cache(maxsize=32)
def _environment(folders: tuple[str, ...], options: tuple[tuple[str, Any], ...]) -> (
        jinja2.Environment):
    import jinja2

    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in folders])
    return jinja2.Environment(loader=loader, **dict(options))


def clear_cache() -> None:
    _environment.cache_clear()
