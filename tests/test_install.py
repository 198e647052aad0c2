"""An organisation adopts Publisher from a wheel: install, ``init``, check, build, override.

The wheel is built from this checkout and installed, non-editable, into a fresh virtual
environment; everything then runs in a temporary folder outside the repository, so nothing
can be found by accident in the source tree. The new environment borrows the test
environment's third-party packages (a path file), never its ``publisher``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``publisher`` executable of a fresh venv holding only the built wheel."""
    work = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                "-w", work / "dist", REPO, cwd=work)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((work / "dist").glob("publisher-*.whl"))
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    site = next(env_dir.glob("lib/python*/site-packages"))
    (site / "zz_borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = env_dir / "bin" / "python"
    done = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
               "--no-index", wheel, cwd=work)
    assert done.returncode == 0, done.stderr[-3000:]
    return env_dir / "bin"


def test_wheel_installs_a_package_with_its_templates(installed: Path, tmp_path: Path) -> None:
    where = run(installed / "python", "-c",
                "import publisher.templates as t; print(t.PACKAGED)", cwd=tmp_path)
    packaged = Path(where.stdout.strip())
    assert installed.parent in packaged.parents, "publisher must come from the wheel"
    assert (packaged / "pages" / "home.html").is_file()
    assert (packaged / "overrides" / "main.html").is_file()


def test_init_check_build_send_and_override(installed: Path, tmp_path: Path) -> None:
    project = tmp_path / "our-status"
    env = {**os.environ, "PUBLISHER_NOW": "2026-11-18T10:30:00+00:00"}
    created = run(installed / "publisher", "init", project, cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    for name in ("content/organisation.yml", "content/services.yml", "content/audiences.yml",
                 "content/people.yml", "content/policy.yml", "mkdocs.yml", ".gitignore",
                 "README.md", "site_templates/README.md", ".github/workflows/publish.yml",
                 "requirements.txt"):
        assert (project / name).is_file(), name
    # This repository's trusted import commit means nothing in a new repository.
    policy = (project / "content" / "policy.yml").read_text(encoding="utf-8")
    assert not [line for line in policy.splitlines() if line.startswith(("provenance:",
                                                                         "  trusted_before"))]
    checked = run(installed / "publisher", "check", cwd=project, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = run(installed / "publisher", "build", cwd=project, env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    home = (project / "build" / "site" / "index.html").read_text(encoding="utf-8")
    assert "Example University IT Services" in home
    sent = run(installed / "publisher", "send", "--dry-run", cwd=project, env=env)
    assert sent.returncode == 0, sent.stdout + sent.stderr

    # One template overridden; every other one still comes from the package.
    packaged = Path(run(installed / "python", "-c", "import publisher.templates as t; "
                        "print(t.PACKAGED)", cwd=project).stdout.strip())
    override = project / "site_templates" / "pages" / "home.html"
    override.parent.mkdir(parents=True)
    original = (packaged / "pages" / "home.html").read_text(encoding="utf-8")
    override.write_text("<p id='ours'>Our own home page</p>\n" + original, encoding="utf-8")
    rebuilt = run(installed / "publisher", "build", cwd=project, env=env)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    home = (project / "build" / "site" / "index.html").read_text(encoding="utf-8")
    assert "Our own home page" in home
    service = next((project / "build" / "site" / "services").glob("*/index.html"))
    assert "Our own home page" not in service.read_text(encoding="utf-8")


def test_init_example_is_the_demo(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PUBLISHER_NOW": "2026-11-18T10:30:00+00:00"}
    created = run(installed / "publisher", "init", "--example", "demo", cwd=tmp_path, env=env)
    assert created.returncode == 0, created.stderr
    demo = tmp_path / "demo"
    assert sorted(p.relative_to(demo / "content") for p in (demo / "content").rglob("*.md")) \
        == sorted(p.relative_to(REPO / "content") for p in (REPO / "content").rglob("*.md"))
    checked = run(installed / "publisher", "check", cwd=demo, env=env)
    assert checked.returncode == 0, checked.stdout[-3000:]


def test_init_never_writes_over_anything(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    refused = run(installed / "publisher", "init", "taken", cwd=tmp_path)
    assert refused.returncode == 1
    assert "already exists and is not empty" in refused.stderr
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]
