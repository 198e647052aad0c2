"""`publisher preview` and `send --dry-run --show`: a message as readers and recipients get it,
before anyone approves it, made by the same code that publishes and sends it."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from pathlib import Path

from conftest import DEMO_NOW
from mail_helpers import DEMO_THREAD

DRAFT = "messages/2026/2026-12-09-phone-system-change.md"
APPROVED = f"messages/2026/{DEMO_THREAD}/02-update.md"


def publisher(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *args, "--now",
                           DEMO_NOW.isoformat()], cwd=cwd, capture_output=True, text=True,
                          check=False, env=dict(os.environ), timeout=300)


def parts(eml: bytes) -> dict[str, str]:
    parsed = email.message_from_bytes(eml, policy=email.policy.default)
    return {part.get_content_type(): part.get_content() for part in parsed.walk()
            if not part.is_multipart()}


def test_preview_of_a_draft_produces_every_part(demo_copy: Path) -> None:
    root = demo_copy.parent
    done = publisher(root, "preview", f"content/{DRAFT}")
    assert done.returncode == 0, done.stdout + done.stderr
    folder = root / "build/preview/2026-12-09-phone-system-change"
    assert "preview of 2026-12-09-phone-system-change (draft)" in done.stdout
    page = folder / "site/maintenance/2026-12-09-phone-system-change/index.html"
    assert "thread page:    build/preview/2026-12-09-phone-system-change/site/maintenance/" \
           "2026-12-09-phone-system-change/index.html" in done.stdout
    html = page.read_text(encoding="utf-8")
    assert "Desk phones moving to Teams calling" in html
    assert "will move desk phone numbers to Teams" in html  # the body, in the timeline
    assert 'id="m-notice"' in html
    text = (folder / "email.txt").read_text(encoding="utf-8")
    assert "will move desk phone numbers to Teams" in text
    assert "will move desk phone numbers to Teams" in (folder / "email.html").read_text()
    headers = (folder / "email-headers.txt").read_text(encoding="utf-8")
    assert "Subject: [Planned maintenance] Desk phones moving to Teams calling" in headers
    assert "To: all-staff@lists.westmarch.example" in headers
    assert "subject:        [Planned maintenance] Desk phones moving to Teams calling" in \
        done.stdout
    sms = (folder / "sms.txt").read_text(encoding="utf-8").strip()
    assert len(sms) <= 160 and sms.endswith(
        "https://status.westmarch.example/maintenance/2026-12-09-phone-system-change/")
    assert (folder / "social.txt").read_text(encoding="utf-8").strip()
    assert "note: banner: none (no banner channel)" in done.stdout
    overview = (folder / "index.html").read_text(encoding="utf-8")
    assert 'href="email.html"' in overview and "(draft)" in overview
    # nothing was published: no site, and the file is still a draft
    assert not (root / "build/site").exists()
    assert "stage: draft" in (demo_copy / DRAFT).read_text(encoding="utf-8")


def test_preview_email_is_exactly_what_send_sends(demo_copy: Path) -> None:
    root = demo_copy.parent
    done = publisher(root, "preview", f"content/{APPROVED}")
    assert done.returncode == 0, done.stdout + done.stderr
    folder = root / f"build/preview/{DEMO_THREAD}/02-update"
    sent = publisher(root, "send", "content", "--transport", "outbox")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    emls = [p for p in (root / "build/outbox").glob("*.eml")
            if b"X-Publisher-Message: " + f"{DEMO_THREAD}/02-update".encode() in p.read_bytes()]
    assert len(emls) == 1
    received = parts(emls[0].read_bytes())
    previewed = parts((folder / "email.eml").read_bytes())
    assert received["text/html"] == previewed["text/html"]
    assert received["text/plain"] == previewed["text/plain"]
    # the HTML file a reviewer opens is the part itself (MIME carries it with CRLF endings
    # and a final line break)
    assert (folder / "email.html").read_text(encoding="utf-8") == \
        received["text/html"].replace("\r\n", "\n").removesuffix("\n")


def test_preview_of_an_outage_shows_its_banner(demo_copy: Path) -> None:
    root = demo_copy.parent
    created = publisher(root, "new", "outage", "--title", "Wi-Fi down in the Library",
                        "--service", "wifi=major_outage", "--start", "2026-11-18T10:00",
                        "--audience", "students")
    assert created.returncode == 0, created.stderr
    done = publisher(root, "preview", "content/messages/2026/2026-11-18-wi-fi-down-in-the-"
                     "library.md")
    assert done.returncode == 0, done.stdout + done.stderr
    banner = (root / "build/preview/2026-11-18-wi-fi-down-in-the-library/banner.html")
    assert "Wi-Fi down in the Library" in banner.read_text(encoding="utf-8")
    assert 'role="alert"' in banner.read_text(encoding="utf-8")


def test_send_dry_run_show_prints_the_bodies(demo_copy: Path) -> None:
    done = publisher(demo_copy.parent, "send", "content", "--dry-run", "--show")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"{DEMO_THREAD}/02-update: text part" in out
    assert f"{DEMO_THREAD}/02-update: HTML part" in out
    assert "Subject: [Update] Student records unavailable" in out
    assert "<!DOCTYPE html>" in out or "<html" in out
    # A dry run writes no email, ledger or archive; only check's build cache may appear.
    written = {p.relative_to(demo_copy.parent).parts[:2]
               for p in (demo_copy.parent / "build").rglob("*") if p.is_file()}
    assert written <= {("build", ".cache")}, written
    assert not (demo_copy / "ledger").exists() and not (demo_copy / "archive").exists()
    refused = publisher(demo_copy.parent, "send", "content", "--show")
    assert refused.returncode == 2 and "add --dry-run" in refused.stderr
