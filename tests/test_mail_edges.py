"""The mailer at the edges, against a fault-injecting aiosmtpd server on loopback: recipients
refused inside a batch, a relay's per-transaction limit, and the operator's decisions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DEMO_NOW
from mail_helpers import (
    DEMO_THREAD,
    Handler,
    SmtpServer,
    kill_after_ack,
    ledger_lines,
    point_at,
    run_send,
)
from test_mail_smtp import use_direct_csv

CSV_MESSAGES = [f"{DEMO_THREAD}/01-notice", f"{DEMO_THREAD}/02-update",
                f"{DEMO_THREAD}/03-extension"]
"""The demo messages at DEMO_NOW whose audiences include the key users (the CSV)."""
NOTICE = CSV_MESSAGES[0]


def people(count: int, start: int = 0) -> list[str]:
    return [f"p{i}@staff.westmarch.example" for i in range(start, start + count)]


def use_people(root: Path, addresses: list[str]) -> None:
    use_direct_csv(root, ["email", *addresses])


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m publisher <args> <root> [...]``, as an operator types it."""
    command, *rest = args
    argv = [sys.executable, "-m", "publisher", *command.split(), str(root), *rest]
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=root.parent,
                          env=dict(os.environ), timeout=120)


def direct_counts(handler: Handler, addresses: list[str]) -> dict[tuple[str, str], int]:
    got = handler.per_recipient()
    return {(m, a): got[(m, a)] for m in CSV_MESSAGES for a in addresses}


def unknown_batches(root: Path, message: str, relay_log: set[str]) -> dict[str, list[str]]:
    """The keys of a message's unknown deliveries, by what the relay log says about them."""
    last: dict[str, dict] = {}
    for event in ledger_lines(root, message):
        last[event["key"]] = event
    out: dict[str, list[str]] = {}
    for key, event in last.items():
        if event["state"] in ("pending", "unknown"):
            found = event.get("mail_id") in relay_log
            out.setdefault("--delivered" if found else "--not-delivered", []).append(key)
    return out


def test_relay_limiting_recipients_per_transaction_delivers_everyone_once(
        demo_copy: Path) -> None:
    everyone = people(120)
    use_people(demo_copy, everyone)
    handler = Handler(max_rcpts=8)
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=50)
        first, text = run_send(demo_copy)
        again, text2 = run_send(demo_copy)
    assert first.ok, text
    assert set(direct_counts(handler, everyone).values()) == {1}
    assert all(len(r.rcpt_tos) <= 8 for r in server.received)
    assert not again.plan.outgoing and again.ok, text2
    record = json.loads((demo_copy / "archive" / DEMO_THREAD / "01-notice.r1.json").read_text())
    assert record["counts"] == {"sent": 120 + 5}  # 120 people and the five list addresses


def test_temporary_refusals_are_retried_next_run_then_fail_after_three_runs(
        demo_copy: Path) -> None:
    everyone = people(12)
    use_people(demo_copy, everyone)
    stuck, late = everyone[3], everyone[4]
    # ``late`` is greylisted four times (all of run 1's attempts for the first message),
    # ``stuck`` always refused temporarily.
    handler = Handler(refuse={stuck: "451 4.7.1 Try again later"},
                      refuse_times={late: ["451 4.7.1 Greylisted"] * 4})
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=5)
        run1, text1 = run_send(demo_copy)
        assert not run1.ok and "refused temporarily" in text1
        run2, text2 = run_send(demo_copy)
        assert "retrying" in text2 and not run2.ok
        run3, text3 = run_send(demo_copy)
        assert not run3.ok and "refused temporarily" in text3  # the third and last try
        run4, text4 = run_send(demo_copy)
    counts = direct_counts(handler, everyone)
    assert all(counts[(m, stuck)] == 0 for m in CSV_MESSAGES)
    assert all(n == 1 for (m, a), n in counts.items() if a != stuck), counts
    # After three runs the temporary refusal counts as a failure: reported, not retried.
    assert not run4.plan.outgoing and not run4.ok
    assert "1 recipient(s) failed" in text4 and "refused temporarily in 3 runs" in text4
    assert len([h for h in run4.plan.attention if h.kind == "failed"]) == 3
    listing = cli(demo_copy, "archive")
    assert "not delivered: 1 failed" in listing.stdout, listing.stdout


def test_permanent_refusal_in_a_batch_fails_with_the_reply_and_no_address_in_git(
        demo_copy: Path) -> None:
    everyone = people(10)
    use_people(demo_copy, everyone)
    gone = everyone[5]
    handler = Handler(refuse={gone: f"550 5.1.1 <{gone}>: Recipient address rejected"})
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=4)
        run1, text1 = run_send(demo_copy)
        run2, text2 = run_send(demo_copy)
        assert not run1.ok and "refused permanently for 1 (550 5.1.1" in text1
        assert not run2.plan.outgoing and not run2.ok
        assert "failed" in text2 and "550 5.1.1" in text2
        counts = direct_counts(handler, everyone)
        assert all(n == (0 if a == gone else 1) for (m, a), n in counts.items())
        # The address stays out of everything meant for git; the local log names it.
        for tracked in [*(demo_copy / "ledger").rglob("*.jsonl"),
                        *(demo_copy / "archive").rglob("*.json")]:
            assert gone not in tracked.read_text(), tracked
        local = (demo_copy / "ledger" / ".local" / "refused.log").read_text()
        assert gone in local and "Recipient address rejected" in local
        assert ".local/" in (demo_copy / "ledger" / ".gitignore").read_text()
        # The operator gives up on that address: recorded, and the exit code clears.
        done = cli(demo_copy, "ledger resolve", NOTICE, "--abandon", "--note", "left")
        assert done.returncode == 0, done.stderr
        for message in CSV_MESSAGES[1:]:
            assert cli(demo_copy, "ledger resolve", message, "--abandon").returncode == 0
        run3, text3 = run_send(demo_copy)
    assert run3.ok and not run3.plan.outgoing, text3
    assert [e for e in ledger_lines(demo_copy, NOTICE) if e.get("resolved") == "abandon"]


def test_each_resolve_decision_settles_an_unknown_batch(demo_copy: Path) -> None:
    everyone = people(6)
    use_people(demo_copy, everyone)
    handler = Handler(drop_for={everyone[2]})
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=2)
        first, _ = run_send(demo_copy)
        assert first.count("unknown") == 3  # the batch with p2, in each of three messages
        handler.drop_for = set()
        shown = cli(demo_copy, "ledger show", NOTICE)
        assert shown.returncode == 0 and "unknown" in shown.stdout
        assert f"<{DEMO_THREAD}.01-notice.r1." in shown.stdout  # the batch's own Message-ID
        # 01: it arrived (the relay log said so) → sent, nothing more goes.
        assert cli(demo_copy, "ledger resolve", NOTICE, "--delivered").returncode == 0
        # 02: it did not → the next run sends that batch, once.
        assert cli(demo_copy, "ledger resolve", CSV_MESSAGES[1], "--not-delivered",
                   "--note", "not in the relay log").returncode == 0
        # 03: give up.
        assert cli(demo_copy, "ledger resolve", CSV_MESSAGES[2], "--abandon").returncode == 0
        nothing = cli(demo_copy, "ledger resolve", NOTICE, "--abandon")
        assert nothing.returncode == 1 and "nothing to resolve" in nothing.stderr
        after, text = run_send(demo_copy)
        final, text2 = run_send(demo_copy)
    assert after.ok, text
    assert [r.message_id for r in after.results] == [CSV_MESSAGES[1]]
    assert sorted(after.results[0].outcome.accepted) == everyone[2:4]
    assert final.ok and not final.plan.outgoing, text2
    counts = direct_counts(handler, everyone)
    assert counts[(CSV_MESSAGES[1], everyone[2])] == 2  # once lost (dropped), once resent
    assert counts[(NOTICE, everyone[2])] == 1 and counts[(CSV_MESSAGES[2], everyone[2])] == 1
    decisions = [e["resolved"] for m in CSV_MESSAGES for e in ledger_lines(demo_copy, m)
                 if e.get("resolved")]
    assert decisions == ["delivered", "not-delivered", "abandon"]


def test_resolve_needs_a_decision_and_a_known_message(demo_copy: Path) -> None:
    missing = cli(demo_copy, "ledger resolve", NOTICE)
    assert missing.returncode != 0 and "--delivered" in missing.stderr
    unknown = cli(demo_copy, "ledger resolve", "no-such/message", "--delivered")
    assert unknown.returncode == 1 and "no send of this message" in unknown.stderr
    assert "Traceback" not in missing.stderr + unknown.stderr


def test_csv_reordered_appended_and_shortened_after_a_killed_run(demo_copy: Path,
                                                                  tmp_path: Path) -> None:
    everyone = people(40)
    use_people(demo_copy, everyone)
    marker = tmp_path / "paused"
    handler = Handler()
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=3)
        kill_after_ack(demo_copy, marker, at=9)
        before = handler.per_recipient()
        # The CSV is re-exported in another order, with 10 rows gone and 15 new ones.
        kept = everyone[10:]
        changed = list(reversed(kept)) + people(15, start=100)
        use_people(demo_copy, changed)
        resumed = cli(demo_copy, "send", "--now", DEMO_NOW.isoformat())
        assert resumed.returncode == 1  # the batch in flight at the kill is unknown
        assert "unknown" in resumed.stdout
        # The documented recovery: look each unknown batch's Message-ID up in the relay's
        # log (here: what the server received) and say what happened to it.
        relay_log = {r.message["Message-ID"] for r in server.received}
        for message in CSV_MESSAGES:
            for decision, keys in unknown_batches(demo_copy, message, relay_log).items():
                flags = [f"--key={k}" for k in keys]
                done = cli(demo_copy, "ledger resolve", message, decision, *flags)
                assert done.returncode == 0, done.stderr
        done = cli(demo_copy, "send", "--now", DEMO_NOW.isoformat())
    assert done.returncode == 0, done.stdout + done.stderr
    got = handler.per_recipient()
    assert max(got.values()) == 1, [k for k, n in got.items() if n > 1]  # 0 duplicates
    for message in CSV_MESSAGES:
        for address in changed:
            assert got[(message, address)] == 1, (message, address)  # 0 losses
        for address in everyone[:10]:
            assert got[(message, address)] == before[(message, address)]  # removed: no more


def test_a_batch_the_relay_split_is_resolved_recipient_by_recipient(demo_copy: Path,
                                                                     tmp_path: Path) -> None:
    everyone = people(4)
    use_people(demo_copy, everyone)
    handler = Handler(max_rcpts=3)
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=4)
        # Acks 1–4 are the two list sends, each split in two; the 5th is the first three
        # recipients of the notice's one batch. Killed there, before the fourth is tried.
        kill_after_ack(demo_copy, tmp_path / "paused", at=5)
        last = server.received[-1]
        assert last.message["To"] == "undisclosed-recipients:;" and len(last.rcpt_tos) == 3
        got = set(last.rcpt_tos)
        # The relay log names who got that batch's Message-ID: the operator records exactly
        # that, recipient by recipient.
        flags = [f"--recipient={a}" for a in sorted(got)]
        done = cli(demo_copy, "ledger resolve", NOTICE, "--delivered", *flags)
        assert done.returncode == 0 and "3 recipient(s) unknown → delivered" in done.stdout
        missing = [a for a in everyone if a not in got]
        done = cli(demo_copy, "ledger resolve", NOTICE, "--not-delivered",
                   f"--recipient={missing[0]}")
        assert done.returncode == 0, done.stderr
        summary, text = run_send(demo_copy)
    assert summary.ok, text
    counts = direct_counts(handler, everyone)
    assert set(counts.values()) == {1}, counts  # each once: no duplicate, no loss
