"""Shared fixtures: the demo and a tiny fixture site, the demo moment, and headless Chromium.

A browser test may skip on a laptop without Chromium (loudly); under CI (``CI=true``) a
missing browser is a failure, so a green CI always means the browser tests ran.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "content"
MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
DEMO_NOW = datetime.fromisoformat("2026-11-18T10:30:00+00:00")
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def demo_root() -> Path:
    return DEMO


@pytest.fixture
def mini_root() -> Path:
    return MINI


@pytest.fixture
def demo_now() -> datetime:
    return DEMO_NOW


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo content a test may change."""
    target = tmp_path / "content"
    shutil.copytree(DEMO, target)
    return target


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(MINI, target)
    return target


def chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit
    return next((found for name in CHROMIUM_CANDIDATES if (found := shutil.which(name))), None)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a Chromium binary; skips (fails under CI) when there is none."""
    path = chromium_path()
    if path is None:
        message = "headless Chromium not found (apt-get install chromium)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{message}: under CI a browser test may not skip")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium: str):
    """A playwright Browser driving Debian's Chromium (no downloaded browser builds)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        instance = play.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()
