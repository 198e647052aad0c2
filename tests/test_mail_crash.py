"""Exactly once across processes: a sender killed mid-send, and two senders at once.

These run the real CLI (`python -m publisher send`) in subprocesses against aiosmtpd.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from conftest import DEMO_NOW
from mail_helpers import (
    DEMO_THREAD,
    DUE_AT_DEMO,
    Handler,
    SmtpServer,
    kill_after_ack,
    ledger_lines,
    point_at,
)

from publisher.mail.ledger import Ledger


def command(root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "publisher", "send", str(root), "--now", DEMO_NOW.isoformat(),
            *extra]


def run(root: Path, *extra: str, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(root, *extra), capture_output=True, text=True, check=False,
                          env=env or dict(os.environ), cwd=root.parent, timeout=120)


def message_ids(server: SmtpServer) -> Counter[str]:
    return Counter(r.message["Message-ID"] for r in server.received)


def test_sigkill_between_server_ack_and_ledger_write_is_unknown_and_not_resent(
        demo_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "paused"
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        # The server has said 250; the sender has not written the result. Kill it now.
        kill_after_ack(demo_copy, marker)
        assert len(server.received) == 1
        first = server.received[0].message["X-Publisher-Message"].split()[0]
        assert [e["state"] for e in ledger_lines(demo_copy, first)] == ["pending"]

        again = run(demo_copy)
        assert again.returncode == 1, again.stdout + again.stderr  # unknown is reported
        assert "never resent automatically" in again.stdout
        assert first in again.stdout and "needs attention" in again.stdout
        third = run(demo_copy)
        assert third.returncode == 1 and "Nothing to send." in third.stdout
    counts = message_ids(server)
    assert len(counts) == len(DUE_AT_DEMO)
    assert set(counts.values()) == {1}, counts  # no duplicate at the server


def test_two_concurrent_senders_deliver_each_message_once(demo_copy: Path) -> None:
    with SmtpServer(Handler(delay=0.3)) as server:
        point_at(demo_copy, server.port)
        procs = [subprocess.Popen(command(demo_copy), cwd=demo_copy.parent,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    counts = message_ids(server)
    assert len(counts) == len(DUE_AT_DEMO) and set(counts.values()) == {1}, counts
    # One of them did the sending; the other waited for the lock and found it all done.
    assert sorted("Nothing to send." in out for out, _ in outputs) == [False, True]


def test_a_sender_that_cannot_get_the_lock_refuses_clearly(demo_copy: Path) -> None:
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        with Ledger(demo_copy).lock(timeout=1):
            blocked = run(demo_copy, "--lock-timeout", "0.5")
        assert blocked.returncode == 1
        assert "another `publisher send` holds" in blocked.stderr
        assert not server.received
        done = run(demo_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(server.received) == len(DUE_AT_DEMO)
    assert [e["state"] for e in ledger_lines(demo_copy, f"{DEMO_THREAD}/01-notice")] == [
        "pending", "sent"]
