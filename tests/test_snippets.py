"""SMS and social texts: within limits, with the thread link, overrides honoured, and an
override that is too long fails ``publisher check`` with path:line: field: message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO, DEMO_NOW

from publisher.check import check
from publisher.content.load import load_content
from publisher.content.model import Content
from publisher.text.snippets import LIMITS, snippet, thread_link

EXAMS = "2026-03-09-online-exams-major-incident/01-declared"
OUTAGE = "messages/2026/2026-11-18-student-records-outage/01-notice.md"


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publisher", *args, str(root), "--now", DEMO_NOW.isoformat()],
        capture_output=True, text=True, check=False, cwd=root.parent,
    )


@pytest.fixture(scope="module")
def demo() -> Content:
    content, problems = load_content(DEMO)
    assert content is not None, problems
    return content


def test_every_message_fits_and_links_to_its_thread(demo: Content) -> None:
    for message in demo.messages.values():
        made = snippet(demo, message)
        assert len(made.sms) <= LIMITS["sms"], (message.id, made.sms)
        assert len(made.social) <= LIMITS["social"], (message.id, made.social)
        link = thread_link(demo, message)
        assert made.link == link
        if not made.sms_override:
            assert made.sms.endswith(" " + link)
            assert made.sms.isascii(), made.sms  # GSM-safe: no curly quotes or dashes
        if not made.social_override:
            assert made.social.endswith(" " + link)


def test_derived_wording_says_what_and_when(demo: Content) -> None:
    notice = demo.messages["2026-11-28-vle-upgrade/01-notice"]
    made = snippet(demo, notice)
    assert made.sms.startswith("Westmarch IT: Learn (VLE) upgrade")
    assert "Sat 28 Nov 06:00-10:00" in made.sms
    update = demo.messages["2026-11-18-student-records-outage/02-update"]
    assert "Update" in snippet(demo, update).social
    assert "found the cause" in snippet(demo, update).social


def test_override_is_used_as_written_when_it_has_a_link(demo: Content) -> None:
    message = demo.messages[EXAMS]
    made = snippet(demo, message)
    assert made.sms_override
    assert made.sms == " ".join((message.meta.sms or "").split())
    assert "status.westmarch.example" in made.sms


def test_override_without_a_link_gets_the_thread_link(demo_copy: Path) -> None:
    notice = demo_copy / OUTAGE
    notice.write_text(notice.read_text().replace(
        "send_at: 2026-11-18T09:10", "send_at: 2026-11-18T09:10\nsms: Student records down."))
    content, _ = load_content(demo_copy)
    assert content is not None
    made = snippet(content, content.messages["2026-11-18-student-records-outage/01-notice"])
    assert made.sms == ("Student records down. https://status.westmarch.example/incidents/"
                        "2026-11-18-student-records-outage/")


def test_too_long_overrides_fail_check_with_path_line_field(demo_copy: Path) -> None:
    notice = demo_copy / OUTAGE
    lines = notice.read_text().splitlines()
    at = lines.index("send_at: 2026-11-18T09:10")
    lines[at + 1:at + 1] = ["sms: " + "x" * 100, "social: " + "y " * 140]
    notice.write_text("\n".join(lines) + "\n")
    result = check(demo_copy, DEMO_NOW)
    found = [p for p in result.errors if p.rule.startswith("O-")]
    assert {p.field for p in found} == {"sms", "social"}
    sms = next(p for p in found if p.field == "sms")
    assert sms.line == at + 2  # the file's line numbers count from 1
    assert sms.message_id == "2026-11-18-student-records-outage/01-notice"
    done = run(demo_copy, "check")
    assert done.returncode == 1
    path = "content/" + OUTAGE
    length = 100 + 1 + len("https://status.westmarch.example/incidents/"
                           "2026-11-18-student-records-outage/")
    assert (f"{path}:{at + 2}: sms: {length} characters with the thread link "
            "(allowed: at most 160)" in done.stdout), done.stdout
    assert f"{path}:{at + 3}: social:" in done.stdout
    assert "allowed: at most 280" in done.stdout


def test_demo_checks_clean_with_its_overrides() -> None:
    assert not [p for p in check(DEMO, DEMO_NOW).problems if p.rule.startswith("O-")]


def test_snippets_command_prints_texts_for_sms_and_social_messages() -> None:
    done = run(DEMO, "snippets", "--format", "json")
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)
    assert EXAMS in [i["message"] for i in items]
    assert all(i["sms_length"] <= 160 and i["social_length"] <= 280 for i in items)
    # only published messages: nothing after the demo moment
    assert not any(i["message"].startswith("2026-12-") for i in items)
    text = run(DEMO, "snippets", "--message", EXAMS)
    assert text.returncode == 0
    assert EXAMS in text.stdout and "SMS (" in text.stdout and "/160" in text.stdout
    unknown = run(DEMO, "snippets", "--message", "no-such-message")
    assert unknown.returncode == 1
    assert "unknown message id" in unknown.stderr
