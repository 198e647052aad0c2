"""Build small content directories in tests: the mini config plus messages given as dicts."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from conftest import MINI

from publisher.content.load import load_content
from publisher.content.model import Content

CONFIG = ("organisation.yml", "services.yml", "audiences.yml", "people.yml")


def front(body: str = "Body.", **fields: Any) -> str:
    """A message file: ``fields`` as YAML front matter (datetimes as naive local text)."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat(timespec="minutes")
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    fields.setdefault("workflow", {"stage": "approved"})
    text = yaml.safe_dump(plain(fields), sort_keys=False)
    return f"---\n{text}---\n{body}\n"


def write(root: Path, files: dict[str, str]) -> Path:
    """The mini config (no messages) at ``root`` with ``files`` under ``root/messages``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in CONFIG:
        shutil.copyfile(MINI / name, root / name)
    for rel, text in files.items():
        path = root / "messages" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "messages").mkdir(exist_ok=True)
    return root


def load(root: Path, files: dict[str, str]) -> Content:
    """Write and load; any loader error fails the test (the content must be valid)."""
    content, problems = load_content(write(root, files))
    errors = [str(p) for p in problems if p.is_error]
    assert errors == [], errors
    assert content is not None
    return content
