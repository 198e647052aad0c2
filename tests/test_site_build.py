"""Building: ``publisher build`` equals ``mkdocs build``; a failed build publishes nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from site_build import REPO, built_site, mkdocs_build

from tests.conftest import DEMO, DEMO_NOW


def publisher_build(content: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("PUBLISHER_CONTENT", None)
    return subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(content), "--now", DEMO_NOW.isoformat(),
         "--out", str(out), "--config-file", str(REPO / "mkdocs.yml")],
        env=env, capture_output=True, text=True, cwd=REPO, check=False)


def snapshot(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_publisher_build_equals_mkdocs_build(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = publisher_build(DEMO, out)
    assert result.returncode == 0, result.stderr
    ours, theirs = snapshot(out), snapshot(built_site(DEMO, DEMO_NOW))
    assert ours.keys() == theirs.keys()
    assert {k for k in ours if ours[k] != theirs[k]} == set()
    assert sum(k.endswith(".html") for k in ours) > 80


def break_content(content: Path) -> None:
    """A config error (which blocks the build) plus two message errors (listed with it)."""
    notice = next(content.glob("messages/2026/2026-11-18-student-records-outage/01-*.md"))
    notice.write_text(notice.read_text().replace("type: unplanned-outage", "type: outage", 1))
    story = next(content.glob("messages/2026/*cirrus*.md"))
    story.write_text(story.read_text().replace("title:", "servcies: [email]\ntitle:", 1))
    services = content / "services.yml"
    services.write_text(services.read_text().replace(
        "        area: supporting-services", "        araa: supporting-services", 1))


def test_broken_content_fails_mkdocs_build_and_keeps_the_site(demo_copy: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert mkdocs_build(demo_copy, DEMO_NOW, out).returncode == 0
    before = snapshot(out)
    break_content(demo_copy)
    result = mkdocs_build(demo_copy, DEMO_NOW, out)
    assert result.returncode == 1
    # One error listing every problem, each as path:line: field: message.
    assert "4 error(s)" in result.stderr  # the bad type also orphans its follow-up
    assert "services.yml" in result.stderr and "araa" in result.stderr
    notice = next(demo_copy.glob("messages/2026/2026-11-18-student-records-outage/01-*.md"))
    line = notice.read_text().splitlines().index("type: outage") + 1
    assert f"{notice.name}:{line}: type:" in result.stderr
    assert "servcies" in result.stderr
    assert snapshot(out) == before


def test_broken_content_fails_publisher_build_and_keeps_the_site(demo_copy: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert publisher_build(demo_copy, out).returncode == 0
    before = snapshot(out)
    break_content(demo_copy)
    result = publisher_build(demo_copy, out)
    assert result.returncode == 1
    assert "unchanged" in result.stderr and "servcies" in result.stderr
    assert snapshot(out) == before
    # no leftovers: only the build cache next to the content (build/.cache) stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "content", "site"]
    assert [p.name for p in (tmp_path / "build").iterdir()] == [".cache"]


def test_broken_template_keeps_the_site(tmp_path: Path) -> None:
    """A failure half-way through mkdocs' own build still leaves the old site in place."""
    from publisher.build import BuildError, build

    out = tmp_path / "site"
    build(DEMO, DEMO_NOW, out, REPO / "mkdocs.yml")
    before = snapshot(out)
    # The same content in a project whose one overridden page template is broken.
    project = tmp_path / "project"
    shutil.copytree(DEMO, project / "content")
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    (project / "site_templates" / "static").mkdir(parents=True)
    (project / "site_templates" / "pages").mkdir()
    (project / "site_templates" / "pages" / "thread.html").write_text(
        "{{ no_such_variable.attribute }}")
    try:
        build(project / "content", DEMO_NOW, out, project / "mkdocs.yml")
    except BuildError as exc:
        assert "unchanged" in str(exc)
    else:
        raise AssertionError("a broken template must fail the build")
    assert snapshot(out) == before
