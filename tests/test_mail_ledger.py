"""A ledger that cannot lie, an archive that is complete and immutable, and identity that
survives renames — against aiosmtpd on loopback, through the CLI where an operator would be."""

from __future__ import annotations

import errno
import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DEMO_NOW
from mail_helpers import (
    DEMO_THREAD,
    DUE_AT_DEMO,
    SmtpServer,
    edit_yaml,
    kill_after_ack,
    point_at,
    run_send,
)
from test_mail_edges import cli

from publisher.cli import main
from publisher.mail import ledger as ledger_module
from publisher.mail.ledger import Ledger, LedgerError

UPDATE = f"{DEMO_THREAD}/02-update"
SEND = ("send", "--now", DEMO_NOW.isoformat())


def ids(server: SmtpServer) -> list[str]:
    return [r.message["X-Publisher-Message"].split()[0] for r in server.received]


def test_a_renamed_sent_message_is_not_sent_again(demo_copy: Path) -> None:
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        run_send(demo_copy)
        folder = demo_copy / "messages/2026" / DEMO_THREAD
        (folder / "02-update.md").rename(folder / "02-status-update.md")  # as `git mv` does
        renamed = f"{DEMO_THREAD}/02-status-update"
        held = cli(demo_copy, *SEND)
        assert held.returncode == 1, held.stdout + held.stderr
        assert f"renamed      {renamed}: never sent under this name" in held.stdout
        assert f"publisher ledger move {UPDATE} {renamed}" in held.stdout
        moved = cli(demo_copy, "ledger move", UPDATE, renamed)
        assert moved.returncode == 0, moved.stderr
        after = cli(demo_copy, *SEND)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "Nothing to send." in after.stdout
    assert sorted(ids(server)) == sorted(DUE_AT_DEMO)  # 0 re-sends


def test_a_short_write_of_an_intent_sends_nothing_and_leaves_no_torn_line(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    full = {"after": 2}  # the disk fills up on the third ledger write

    def short_write(fd: int, data: bytes) -> int:
        # What a filling disk does: one short count, then ENOSPC.
        full["after"] -= 1
        if full["after"] == -1:
            return real_write(fd, data[:100])
        if full["after"] < -1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        monkeypatch.setattr(ledger_module.os, "write", short_write)
        with pytest.raises(LedgerError, match=r"100 of \d+ bytes written"):
            run_send(demo_copy)
        monkeypatch.undo()
        assert len(server.received) == 1  # the first message; nothing after the short write
        for path in (demo_copy / "ledger").rglob("*.jsonl"):
            for line in path.read_text().splitlines():
                json.loads(line)  # every line whole: the partial one was cut off
        again, text = run_send(demo_copy)  # space freed
    assert again.ok, text
    assert sorted(ids(server)) == sorted(DUE_AT_DEMO)  # each exactly once


def test_a_torn_last_line_is_terminated_before_the_next_event(demo_copy: Path,
                                                              tmp_path: Path) -> None:
    marker = tmp_path / "paused"
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        kill_after_ack(demo_copy, marker)
        first = ids(server)[0]
        thread, _, name = first.partition("/")
        path = demo_copy / "ledger" / thread / f"{name}.jsonl"
        with path.open("a") as handle:  # a crash in the middle of writing the result
            handle.write('{"at": "2026-11-18T10:30:01+00:00", "key": "email:li')
        assert cli(demo_copy, "ledger resolve", first, "--delivered").returncode == 0
        done = cli(demo_copy, *SEND)
    assert done.returncode == 0, done.stdout + done.stderr  # the resolve event was readable
    assert sorted(ids(server)) == sorted(DUE_AT_DEMO)  # 0 duplicates
    lines = path.read_text().splitlines()
    assert lines[-2].endswith('"key": "email:li')  # the torn line, ended on its own
    assert json.loads(lines[-1])["resolved"] == "delivered"


def test_a_lost_ledger_is_refused_and_rebuilt_from_the_archive(demo_copy: Path) -> None:
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        assert cli(demo_copy, *SEND).returncode == 0
        shutil.rmtree(demo_copy / "ledger")  # a fresh clone without it, a bad merge…
        refused = cli(demo_copy, *SEND)
        assert refused.returncode == 1
        assert "refusing to send" in refused.stderr and "ledger rebuild" in refused.stderr
        assert "Traceback" not in refused.stderr
        rebuilt = cli(demo_copy, "ledger rebuild")
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert f"rebuilt {UPDATE}: 5 recipient(s) from the archive" in rebuilt.stdout
        after = cli(demo_copy, *SEND)
        assert after.returncode == 0 and "Nothing to send." in after.stdout, after.stdout
        # An emptied ledger file is as bad as a missing one.
        (demo_copy / "ledger" / DEMO_THREAD / "03-extension.jsonl").write_text("")
        emptied = cli(demo_copy, *SEND)
    assert emptied.returncode == 1 and f"{DEMO_THREAD}/03-extension" in emptied.stderr
    assert sorted(ids(server)) == sorted(DUE_AT_DEMO)  # 0 of 4 duplicated


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_full_or_read_only_disk_is_an_error_not_a_traceback(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError(code, os.strerror(code))

    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        monkeypatch.setattr(ledger_module.os, "write", refuse)
        result = CliRunner().invoke(main, ["send", str(demo_copy), "--now",
                                           DEMO_NOW.isoformat()])
    assert result.exit_code == 1
    assert os.strerror(code) in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not server.received  # no intent on disk, nothing sent


def test_archive_holds_a_message_killed_in_its_last_window_and_never_overwrites(
        demo_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "paused"
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        kill_after_ack(demo_copy, marker)
        first = ids(server)[0]
        listing = cli(demo_copy, "archive")
        assert first in listing.stdout and "unknown" in listing.stdout, listing.stdout
        assert cli(demo_copy, "ledger resolve", first, "--delivered").returncode == 0
        assert cli(demo_copy, *SEND).returncode == 0
        thread, _, name = UPDATE.partition("/")
        original = (demo_copy / "archive" / thread / f"{name}.r1.eml").read_bytes()
        later = DEMO_NOW.replace(hour=11).isoformat()
        resent = cli(demo_copy, "send", "--now", later, "--resend", UPDATE)
        assert resent.returncode == 0, resent.stdout + resent.stderr
    folder = demo_copy / "archive" / thread
    assert (folder / f"{name}.r1.eml").read_bytes() == original  # never overwritten
    second = (folder / f"{name}.r1.2.eml").read_bytes()
    assert second != original and b"Date: Wed, 18 Nov 2026 11:30:00" in second
    record = json.loads((folder / f"{name}.r1.json").read_text())
    assert record["emls"] == [f"{name}.r1.eml", f"{name}.r1.2.eml"]


def test_recipients_added_after_a_send_follow_one_rule(demo_copy: Path) -> None:
    """A list address added to an audience, like a CSV row appended, is sent to on the next
    run within --max-age of the message's send_at, and held as stale after that."""
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        run_send(demo_copy)
        assert len(server.received) == len(DUE_AT_DEMO)

        def add_list(data: dict) -> None:
            for audience in data["audiences"]:
                if audience["id"] == "it-support-staff":
                    audience["address"] = "it-support-all@lists.westmarch.example"

        edit_yaml(demo_copy / "audiences.yml", add_list)
        old, text_old = run_send(demo_copy, max_age=timedelta(seconds=1))
        assert not old.plan.outgoing, text_old
        assert "added        " in text_old and "added after the first send" in text_old
        summary, text = run_send(demo_copy)
    assert summary.ok, text
    new = [r for r in server.received[len(DUE_AT_DEMO):]]
    assert new and all(r.rcpt_tos == ["it-support-all@lists.westmarch.example"] for r in new)
    assert len(new) == len({r.message["Message-ID"] for r in new})


def test_ledger_api_terminates_a_torn_tail(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    ledger.record("email:lists", "t/01-a", "pending", 1, now=DEMO_NOW, to=["a@lists.example"])
    ledger.close()
    path = tmp_path / "ledger" / "t" / "01-a.jsonl"
    with path.open("a") as handle:
        handle.write('{"at": "2026-11-18T10:30:00+00:00", "ke')
    again = Ledger(tmp_path)
    again.record("email:lists", "t/01-a", "sent", 1, now=DEMO_NOW)
    again.close()
    fresh = Ledger(tmp_path)
    entry = fresh.state_of("t/01-a", "email:lists")
    assert entry is not None and entry.state == "sent"


def test_a_ledger_from_before_per_recipient_records_never_resends_its_batches(
        demo_copy: Path) -> None:
    from test_mail_edges import NOTICE, people, use_people

    use_people(demo_copy, people(3))
    old = Ledger(demo_copy)
    lists = ["bs-key-users@lists.westmarch.example", "faculty-admin@lists.westmarch.example",
             "student-facing@lists.westmarch.example", "it-support@lists.westmarch.example",
             "student-records-users@lists.westmarch.example"]
    # The old format: positional batch keys, a count and no recipients named.
    for key, data in (("email:lists", {"to": lists}),
                      ("email:direct:business-systems-key-users:00001", {"count": 3})):
        old.record(key, NOTICE, "pending", 1, now=DEMO_NOW, **data)
        old.record(key, NOTICE, "sent", 1, now=DEMO_NOW)
    old.close()
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        summary, text = run_send(demo_copy)
    assert summary.ok, text
    assert NOTICE not in ids(server)
