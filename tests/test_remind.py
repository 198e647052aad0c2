"""`publisher remind` through the CLI against a real aiosmtpd server: the first available
person in the role's chain gets one email per duty, ledgered, and never a second."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mail_helpers import SmtpServer, point_at
from policy_fixtures import outage, pin, write

from tests.conftest import DEMO_NOW

NOTICE = "2026/2026-11-18-learn-down/01-notice.md"


def remind(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("PUBLISHER_NOW", None)
    return subprocess.run([sys.executable, "-m", "publisher", "remind", str(root), "--now",
                           DEMO_NOW.isoformat(), *args], capture_output=True, text=True,
                          env=env, check=False)


def unacknowledged_outage(root: Path) -> None:
    """Learn has been down since 09:00, told only to the team's Teams channel: the
    acknowledgment (R6) is owed now, by the communications lead."""
    fields = outage(channels=["teams"], audiences=["elearning-team"])
    fields["workflow"]["justification"] = "Only the team knew."
    write(root, NOTICE, fields)
    pin(root)


def test_remind_emails_the_first_available_person_once(demo_copy: Path) -> None:
    unacknowledged_outage(demo_copy)
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        first = remind(demo_copy)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "reminding Amara Okafor <a.okafor@westmarch.example>" in first.stdout
        again = remind(demo_copy)
        assert again.returncode == 0, again.stderr
        received = list(server.received)
    assert "No duty to remind anyone of." in again.stdout
    [mail] = [r for r in received if "2026-11-18-learn-down" in r.data.decode()]
    assert mail.rcpt_tos == ["a.okafor@westmarch.example"]
    assert mail.message["Subject"] == "[Action needed] Learn unavailable"
    assert "send an acknowledgment now" in mail.message.get_content()
    ledger = (demo_copy / "ledger" / "reminders.jsonl").read_text().splitlines()
    keys = [json.loads(line)["key"] for line in ledger]
    assert len(keys) == len(set(keys)) == len(received)


def test_dry_run_sends_and_records_nothing(demo_copy: Path) -> None:
    unacknowledged_outage(demo_copy)
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        done = remind(demo_copy, "--dry-run")
        assert server.received == []
    assert done.returncode == 0 and "would remind Amara Okafor" in done.stdout
    assert not (demo_copy / "ledger" / "reminders.jsonl").exists()
