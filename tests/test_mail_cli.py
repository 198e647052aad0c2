"""The `publisher send` / `publisher archive` commands: selection, holds, dry run, outbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from conftest import DEMO_NOW
from mail_helpers import DEMO_THREAD, DUE_AT_DEMO, SmtpServer, ledger_lines, point_at, run_send

from publisher.mail.ledger import Ledger


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *args, str(root), "--now",
                           DEMO_NOW.isoformat()] if args[0] == "send" else
                          [sys.executable, "-m", "publisher", *args, str(root)],
                          capture_output=True, text=True, check=False, cwd=root.parent,
                          env=dict(os.environ), timeout=120)


def test_default_outbox_transport_and_archive_listing(demo_copy: Path) -> None:
    done = cli(demo_copy, "send")
    assert done.returncode == 0, done.stdout + done.stderr
    for message_id in DUE_AT_DEMO:
        assert f"→ {message_id} r1" in done.stdout
    assert "bs-key-users@lists.westmarch.example" in done.stdout
    assert "Summary: sent 4, failed 0, unknown 0" in done.stdout
    outbox = demo_copy.parent / "build" / "outbox"
    emls = sorted(outbox.glob("*.eml"))
    assert len(emls) == len(DUE_AT_DEMO)
    assert b"multipart/alternative" in emls[0].read_bytes()
    listing = cli(demo_copy, "archive")
    assert listing.returncode == 0, listing.stderr
    assert f"<{DEMO_THREAD}.03-extension.r1@status.westmarch.example>" in listing.stdout
    assert "student-records-users@lists.westmarch.example" in listing.stdout
    records = json.loads(cli(demo_copy, "archive", "--format", "json").stdout)
    assert {r["message"] for r in records} == set(DUE_AT_DEMO)
    assert all(r["first_sent"] and r["deliveries"][0]["state"] == "sent" for r in records)
    again = cli(demo_copy, "send")
    assert again.returncode == 0 and "Nothing to send." in again.stdout
    assert len(sorted(outbox.glob("*.eml"))) == len(DUE_AT_DEMO)


def test_dry_run_renders_and_writes_nothing(demo_copy: Path) -> None:
    done = cli(demo_copy, "send", "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Would send 4 message(s)" in done.stdout
    assert f"rendered {DEMO_THREAD}/02-update: '[Update] Student records unavailable'" in \
        done.stdout
    assert "nothing sent, nothing written" in done.stdout
    assert not (demo_copy / "ledger").exists() and not (demo_copy / "archive").exists()
    # No email in an outbox; only check's build cache (issue 18) may appear under build/.
    written = {p.relative_to(demo_copy.parent).parts[:2]
               for p in (demo_copy.parent / "build").rglob("*") if p.is_file()}
    assert written <= {("build", ".cache")}, written


def test_held_back_messages_say_why(demo_copy: Path) -> None:
    done = cli(demo_copy, "send", "--dry-run", "--verbose")
    out = done.stdout
    assert "not-approved 2026-12-09-phone-system-change: workflow stage is draft" in out
    assert "not-due      2026-11-28-vle-upgrade/02-reminder: due 27 Nov 2026 12:00 GMT" in out
    assert ("stale        2026-11-18-library-catalogue-upgrade/01-notice: due 04 Nov 2026 "
            "10:00 GMT, more than 24h ago") in out


def test_a_message_with_errors_is_held_and_the_rest_go(demo_copy: Path) -> None:
    path = demo_copy / "messages/2026/2026-11-18-student-records-outage/03-extension.md"
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines()
                              if "{step: approval" not in line) + "\n", encoding="utf-8")
    summary, out = run_send(demo_copy, transport="outbox")
    assert [o.message.id for o in summary.plan.outgoing] == DUE_AT_DEMO[:3]
    held = {h.message.id: h for h in summary.plan.held}
    assert held[f"{DEMO_THREAD}/03-extension"].kind == "blocked"
    assert "blocked      2026-11-18-student-records-outage/03-extension: " in out


def test_stale_message_goes_only_with_resend_and_revision_is_a_correction(
        demo_copy: Path) -> None:
    stale = "2026-11-18-library-catalogue-upgrade/01-notice"
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        run_send(demo_copy)
        assert len(server.received) == len(DUE_AT_DEMO)
        summary, _ = run_send(demo_copy, resend=frozenset({stale}))
        assert summary.count("sent") == 1
        assert server.received[-1].message["X-Publisher-Message"] == f"{stale} r1"
        # A correction: revision 2 of a sent message is held until sent on purpose.
        path = demo_copy / "messages/2026/2026-11-18-student-records-outage/02-update.md"
        path.write_text(path.read_text().replace("type: update\n", "type: update\nrevision: 2\n",
                                                 1), encoding="utf-8")
        held, out = run_send(demo_copy)
        assert not held.plan.outgoing and "revision 2 differs from the sent revision 1" in out
        fixed, _ = run_send(demo_copy, resend=frozenset({f"{DEMO_THREAD}/02-update"}))
    assert fixed.count("sent") == 1
    assert server.received[-1].message["Message-ID"] == \
        f"<{DEMO_THREAD}.02-update.r2@status.westmarch.example>"


def test_resend_of_a_message_that_may_not_go_is_refused(demo_copy: Path) -> None:
    done = cli(demo_copy, "send", "--resend", "2026-12-09-phone-system-change")
    assert done.returncode == 1
    assert "--resend 2026-12-09-phone-system-change: cannot be sent: workflow stage is draft" \
        in " ".join(done.stderr.split())


def test_ledger_reads_torn_lines_and_interrupted_intents(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    at = datetime.fromisoformat("2026-11-18T10:30:00+00:00")
    ledger.record("email:lists", "t/01-a", "pending", 1, now=at)
    ledger.record("email:lists", "t/01-a", "sent", 1, now=at, detail="ok")
    ledger.record("email:lists", "t/02-b", "pending", 1, now=at)
    path = tmp_path / "ledger" / "t" / "02-b.jsonl"
    with path.open("a") as handle:
        handle.write('{"at": "2026-11-18T10:30:00+00:00", "key": "email:li')  # torn by a crash
    fresh = Ledger(tmp_path)
    assert fresh.state_of("t/01-a", "email:lists").state == "sent"  # type: ignore[union-attr]
    interrupted = fresh.state_of("t/02-b", "email:lists")
    assert interrupted is not None and interrupted.state == "unknown"
    assert "interrupted" in interrupted.detail
    assert (tmp_path / "ledger" / ".gitattributes").read_text().endswith("*.jsonl merge=union\n")
    assert [e["state"] for e in ledger_lines(tmp_path, "t/01-a")] == ["pending", "sent"]
