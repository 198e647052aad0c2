"""Issue 14: hostile and broken input never reaches a recipient, a reader or the disk.

Every case in tests/hostile_cases.py goes through ``publisher check`` as a user runs it and
must print exactly its problems (path:line: field: what is wrong), exit 1, no traceback. The
rest covers what check cannot: the bytes sent, the output folder, symlinks, the site files.
"""

from __future__ import annotations

import email
import json
import os
import re
import shutil
import subprocess
import sys
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from conftest import MINI
from hostile_cases import CASES, NOTICE, TITLE
from test_check_corpus import problem_lines

from publisher.text.headers import UnsafeHeader, verify_header_bytes

NOW = "2026-03-02T10:00:00+00:00"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *args, "--now", NOW],
                          capture_output=True, text=True, check=False, cwd=cwd)


def mini(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(MINI, root)
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_hostile_input_is_a_precise_check_error(case: str, tmp_path: Path) -> None:
    edits, expected = CASES[case]
    root = mini(tmp_path)
    for edit in edits:
        edit(root)
    done = run(tmp_path, "check", "content")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    found = [line for line in problem_lines(done.stdout) if not line.startswith("content/lists")]
    assert found == ["content/" + line for line in expected]


# --------------------------------------------------------------------------- 1. header bytes


def test_python_email_turns_an_encoded_word_into_header_lines_and_the_guard_refuses() -> None:
    # What CVE-2024-6923 does on this Python (and what verify_header_bytes exists for):
    mail = EmailMessage(policy=SMTP.clone(max_line_length=998))
    mail["Subject"] = "Hi =?utf-8?q?x=0D=0ABcc:_evil@attacker.example?="
    mail["From"] = "it@test.example"
    mail.set_content("body")
    data = mail.as_bytes()
    if sys.version_info < (3, 11, 10):
        assert b"\r\nBcc: evil@attacker.example" in data
    if b"\r\nBcc:" in data:
        with pytest.raises(UnsafeHeader, match=re.escape("'Bcc: evil@attacker.example")):
            verify_header_bytes(data, ["Subject", "From"])
    assert verify_header_bytes(b"Subject: a\r\n b\r\nFrom: x@y.example\r\n\r\nbody",
                               ["Subject", "From"])
    with pytest.raises(UnsafeHeader, match="do not hold From exactly once"):
        verify_header_bytes(b"Subject: a\r\n\r\nFrom: x@y.example\r\n\r\n", ["Subject", "From"])


def test_sent_headers_are_exactly_the_headers_set(tmp_path: Path) -> None:
    # Hostile but allowed text in every header field: the outbox .eml holds only our headers.
    root = mini(tmp_path)
    notice = root / NOTICE
    notice.write_text(notice.read_text().replace(
        TITLE, 'title: "Use a<b: =?x?= < 5 Mbps [/] Bcc: e@evil.example"\n').replace(
        "channels: [status, banner, sms, social]", "channels: [status, email]"))
    done = run(tmp_path, "send", "content", "--transport", "outbox")
    assert done.returncode == 0, done.stdout + done.stderr
    [sent] = list((tmp_path / "build" / "outbox").glob("*.eml"))
    head = sent.read_bytes().partition(b"\r\n\r\n")[0].decode()
    names = [line.split(":")[0] for line in head.split("\r\n") if not line[:1].isspace()]
    assert names == ["Subject", "From", "Message-ID", "Date", "To", "Reply-To",
                     "X-Publisher-Message", "MIME-Version", "Content-Type"]
    parsed = email.message_from_bytes(sent.read_bytes(), policy=SMTP)
    assert parsed["Subject"] == "[Outage] Use a<b: =?x?= < 5 Mbps [/] Bcc: e@evil.example"


# --------------------------------------------------------------------------- 2, 11. output


@pytest.mark.parametrize("out", ["content", "content/site", ".", ".git/site", "other"])
def test_build_refuses_an_output_folder_that_is_no_place_for_a_site(out: str,
                                                                   tmp_path: Path) -> None:
    root = mini(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    done = run(tmp_path, "build", "content", "-o", out)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    target = (tmp_path / out).resolve()
    expected = {
        "content": f"the output folder {target} is, contains or is inside the content folder",
        "content/site": f"the output folder {target} is, contains or is inside the content",
        ".": f"the output folder {target} is, contains or is inside the content folder",
        ".git/site": f"the output folder {target} is, contains or is inside the repository",
        "other": f"the output folder {target} is not empty and was not made by publisher build",
    }[out]
    assert expected in " ".join(done.stderr.split()), done.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (root / "organisation.yml").is_file()


def test_site_is_world_readable_marked_and_stale_staging_is_cleaned(tmp_path: Path) -> None:
    mini(tmp_path)
    out = tmp_path / "build" / "site"
    stale = tmp_path / "build" / ".site-new-killed"
    (stale / "half").mkdir(parents=True)
    done = run(tmp_path, "build", "content", "-o", "build/site")
    assert done.returncode == 0, done.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o755"
    assert (out / ".publisher-site").is_file() and not stale.exists()
    assert run(tmp_path, "build", "content", "-o", "build/site").returncode == 0  # ours: replaced
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp_path / "content")]
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ndocs_dir: docs\ntheme: {name: material}\nplugins:\n"
        "  - publisher: {content: content}\n")
    (tmp_path / "docs").mkdir()
    refused = subprocess.run(mkdocs, capture_output=True, text=True, cwd=tmp_path,
                             env={**os.environ, "PUBLISHER_NOW": NOW})
    assert refused.returncode == 1
    assert "is, contains or is inside the content folder" in refused.stdout + refused.stderr
    assert (tmp_path / "content" / "organisation.yml").is_file()


# --------------------------------------------------------------------------- 8. text


def test_titles_are_text_escaped_once_everywhere(tmp_path: Path) -> None:
    root = mini(tmp_path)
    notice = root / NOTICE
    notice.write_text(notice.read_text().replace(
        TITLE, 'title: "Use a<b comparisons < 5 Mbps & more"\n'))
    assert run(tmp_path, "build", "content", "-o", "site").returncode == 0
    page = (tmp_path / "site/incidents/2026-03-02-email-outage/index.html").read_text()
    assert "Use a&lt;b comparisons &lt; 5 Mbps &amp; more" in page
    assert "&amp;lt;" not in page
    banner = json.loads((tmp_path / "site/banner.json").read_text())["banners"][0]
    assert banner["title"] == "Use a<b comparisons < 5 Mbps & more"
    feed = (tmp_path / "site/feeds/all.xml").read_text()
    assert "<title>Use a&lt;b comparisons &lt; 5 Mbps &amp; more</title>" in feed


# --------------------------------------------------------------------------- 9. symlinks


def test_symlinks_leaving_content_are_refused_and_linked_folders_named(tmp_path: Path) -> None:
    root = mini(tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text((root / NOTICE).read_text())
    (root / "messages/2026/2026-03-03-leak.md").symlink_to(secret)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "messages/2027").symlink_to(elsewhere, target_is_directory=True)
    done = run(tmp_path, "check", "content")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert problem_lines(done.stdout) == [
        "content/messages/2026/2026-03-03-leak.md:1: (file): a symbolic link to a file outside "
        "the content folder; not read (allowed: files, or links to files, inside the content "
        "folder)",
        "content/messages/2027: (folder): a symbolic link to a folder is not followed: nothing "
        "in it is read (allowed: real folders)"]


def test_a_pipe_where_a_message_belongs_is_refused_not_read(tmp_path: Path) -> None:
    # reading a named pipe would wait forever for a writer; check must answer at once
    root = mini(tmp_path)
    os.mkfifo(root / "messages/2026/2026-03-04-pipe.md")
    done = subprocess.run([sys.executable, "-m", "publisher", "check", "content", "--now", NOW],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert problem_lines(done.stdout) == [
        "content/messages/2026/2026-03-04-pipe.md:1: (file): not a regular file (allowed: text "
        "files)"]
