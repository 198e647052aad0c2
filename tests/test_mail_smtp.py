"""`publisher send` against a real aiosmtpd server on loopback: what arrives, and how each
kind of server failure ends up in the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from mail_helpers import (
    DEMO_THREAD,
    DUE_AT_DEMO,
    Handler,
    SmtpServer,
    client_context,
    edit_yaml,
    ledger_lines,
    make_certificate,
    point_at,
    run_send,
    server_context,
)

from publisher.errors import ConfigError
from publisher.mail.recipients import digest

LISTS = {"bs-key-users@lists.westmarch.example", "faculty-admin@lists.westmarch.example",
         "student-facing@lists.westmarch.example", "it-support@lists.westmarch.example"}
SUBSCRIBERS = "student-records-users@lists.westmarch.example"


def use_direct_csv(root: Path, rows: list[str], name: str = "direct.csv") -> None:
    """Give the key-users audience a CSV of direct recipients (``rows`` with a header)."""
    (root / name).write_text("\n".join(rows) + "\n", encoding="utf-8")

    def add_csv(data: dict) -> None:
        for audience in data["audiences"]:
            if audience["id"] == "business-systems-key-users":
                audience["recipients_csv"] = name

    edit_yaml(root / "audiences.yml", add_csv)


def test_demo_sends_due_messages_with_both_parts_threading_and_recipients(
        demo_copy: Path) -> None:
    with SmtpServer() as server:
        point_at(demo_copy, server.port, list_unsubscribe_post=True)
        summary, text = run_send(demo_copy)
        assert summary.ok, text
        received = server.handler.by_subject()
    assert len(server.received) == len(DUE_AT_DEMO)
    notice = received["[Outage] Student records unavailable"]
    update = received["[Update] Student records unavailable"]
    extension = received["[Update: extended] Student records unavailable"]
    # Envelope: every audience's list address plus the service's subscriber list, once each.
    for mail in (notice, update, extension):
        assert set(mail.rcpt_tos) == LISTS | {SUBSCRIBERS}
        assert len(mail.rcpt_tos) == len(set(mail.rcpt_tos))
        assert mail.mail_from == "it-news@westmarch.example"
    reminder = received["[Reminder] Library catalogue unavailable on the morning of 18 November"]
    assert "library-systems@lists.westmarch.example" in reminder.rcpt_tos  # service subscribers
    assert "all-students@lists.westmarch.example" in reminder.rcpt_tos

    msg = update.message
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "did not switch over to its" in plain and "<" not in plain.split("Read this")[0]
    assert "did not switch over to its" in html and "<style" not in html
    assert 'style="' in html  # CSS inlined by css-inline
    link = f"https://status.westmarch.example/incidents/{DEMO_THREAD}/#m-02-update"
    assert link in plain and f'href="{link}"' in html
    assert "You are receiving this message from Westmarch University IT" in plain
    assert msg["From"] == "Westmarch IT Services <it-news@westmarch.example>"
    assert msg["Reply-To"] == "IT Service Desk <servicedesk@westmarch.example>"
    assert msg["Date"] == "Wed, 18 Nov 2026 10:30:00 +0000"
    first = f"<{DEMO_THREAD}.01-notice.r1@status.westmarch.example>"
    second = f"<{DEMO_THREAD}.02-update.r1@status.westmarch.example>"
    assert notice.message["Message-ID"] == first
    assert "In-Reply-To" not in notice.message
    assert msg["Message-ID"] == second
    assert msg["In-Reply-To"] == first and msg["References"] == first
    assert extension.message["In-Reply-To"] == second
    assert extension.message["References"].split() == [first, second]
    assert msg["List-Unsubscribe"] == "<mailto:it-news-unsubscribe@westmarch.example>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for line in update.data.split(b"\r\n")[:30]:
        assert not line.startswith((b"Bcc:", b"bcc:"))


def test_second_run_sends_nothing_and_archive_records_each_send(demo_copy: Path) -> None:
    with SmtpServer() as server:
        point_at(demo_copy, server.port)
        first, _ = run_send(demo_copy)
        second, text = run_send(demo_copy)
    assert first.count("sent") == len(DUE_AT_DEMO)
    assert second.count("sent") == 0 and not second.plan.outgoing
    assert "4 message(s) already sent" in text
    assert len(server.received) == len(DUE_AT_DEMO)
    events = ledger_lines(demo_copy, f"{DEMO_THREAD}/02-update")
    assert [e["state"] for e in events] == ["pending", "sent"]
    assert events[0]["mail_id"] == f"<{DEMO_THREAD}.02-update.r1@status.westmarch.example>"
    record = demo_copy / "archive" / DEMO_THREAD / "02-update.r1.json"
    eml = demo_copy / "archive" / DEMO_THREAD / "02-update.r1.eml"
    assert record.exists() and eml.read_bytes().startswith(b"Subject: [Update]")


@pytest.mark.parametrize("reply", ["421 4.3.2 Service shutting down", "451 4.3.0 Try later"])
def test_temporary_failures_are_retried_then_sent(demo_copy: Path, reply: str) -> None:
    handler = Handler(data_replies=[reply, reply])
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port)
        summary, text = run_send(demo_copy)
    assert summary.ok, text
    assert len(server.received) == len(DUE_AT_DEMO)
    assert len({r.message["Message-ID"] for r in server.received}) == len(DUE_AT_DEMO)
    retried = [r for r in summary.results if r.outcome.attempts > 1]
    assert len(retried) == 1 and retried[0].outcome.attempts == 3


def test_permanent_failure_is_failed_reported_and_not_retried(demo_copy: Path) -> None:
    handler = Handler(data_replies=["550 5.7.1 Message rejected by policy"])
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port)
        summary, text = run_send(demo_copy)
        assert not summary.ok
        assert summary.count("failed") == 1 and summary.count("sent") == 3
        assert "550 5.7.1 Message rejected by policy" in text
        again, text2 = run_send(demo_copy)
    assert not again.ok and not again.plan.outgoing
    assert "failed" in text2 and "--resend" in text2
    assert len(server.received) == 3


def test_partial_recipient_refusal_is_recorded(demo_copy: Path) -> None:
    handler = Handler(refuse={SUBSCRIBERS: "550 5.1.1 No such list"})
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port)
        summary, text = run_send(demo_copy)
    assert not summary.ok  # something did not arrive: the exit code says so
    assert summary.count("sent") == 4 and summary.refused_recipients == 3
    assert f"refused {SUBSCRIBERS}: 550 5.1.1 No such list" in text
    events = ledger_lines(demo_copy, f"{DEMO_THREAD}/01-notice")
    assert events[-1]["state"] == "sent"
    assert events[-1]["refused"] == {SUBSCRIBERS: "550 5.1.1 No such list"}
    assert all(SUBSCRIBERS not in r.rcpt_tos for r in server.received)


def test_connection_dropped_after_data_is_unknown_and_never_resent(demo_copy: Path) -> None:
    handler = Handler(drop_after_data=True)
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port)
        summary, text = run_send(demo_copy)
        assert summary.count("unknown") == len(DUE_AT_DEMO), text
        assert not summary.ok
        handler.drop_after_data = False
        again, text2 = run_send(demo_copy)
        assert not again.plan.outgoing and not again.ok
        assert "never resent automatically" in text2
        assert len(server.received) == len(DUE_AT_DEMO)  # each arrived exactly once
        resent, _ = run_send(demo_copy, resend=frozenset({f"{DEMO_THREAD}/01-notice"}))
    assert resent.count("sent") == 1
    events = ledger_lines(demo_copy, f"{DEMO_THREAD}/01-notice")
    assert [e["state"] for e in events] == ["pending", "unknown", "pending", "sent"]
    assert events[2]["resend"] is True
    assert len(server.received) == len(DUE_AT_DEMO) + 1


def test_starttls_and_auth_with_a_test_certificate(demo_copy: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    with SmtpServer(tls=server_context(cert, key), auth=("it-news", "s3cret")) as server:
        point_at(demo_copy, server.port, security="starttls", username="it-news")
        summary, text = run_send(demo_copy, ssl_context=client_context(cert))
    assert summary.ok, text
    assert len(server.received) == len(DUE_AT_DEMO)


def test_wrong_password_is_a_clear_error(demo_copy: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    with SmtpServer(tls=server_context(cert, key), auth=("it-news", "s3cret")) as server:
        point_at(demo_copy, server.port, security="starttls", username="it-news")
        with pytest.raises(ConfigError, match="SMTP login as it-news refused"):
            run_send(demo_copy, ssl_context=client_context(cert))
    assert not server.received


def test_implicit_tls(demo_copy: Path, tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    with SmtpServer(tls=server_context(cert, key), implicit_tls=True) as server:
        point_at(demo_copy, server.port, security="tls")
        summary, text = run_send(demo_copy, ssl_context=client_context(cert))
    assert summary.ok, text
    assert len(server.received) == len(DUE_AT_DEMO)


def test_recipients_csv_is_sent_bcc_in_batches(demo_copy: Path) -> None:
    rows = ["name,email"] + [f"Person {i},person{i}@staff.westmarch.example" for i in range(7)]
    rows.append("Duplicate,PERSON0@staff.westmarch.example")
    use_direct_csv(demo_copy, rows, "key-users.csv")
    with SmtpServer() as server:
        point_at(demo_copy, server.port, batch_size=3)
        summary, text = run_send(demo_copy)
    assert summary.ok, text
    direct = [r for r in server.received if r.message["To"] == "undisclosed-recipients:;"]
    # three student-records messages × ⌈7/3⌉ batches
    assert len(direct) == 9
    notice = [r for r in direct if r.message["Subject"].startswith("[Outage]")]
    got = sorted(a for r in notice for a in r.rcpt_tos)
    assert got == sorted(f"person{i}@staff.westmarch.example" for i in range(7))
    assert all(len(r.rcpt_tos) <= 3 for r in direct)
    assert b"person1@staff" not in direct[0].data  # Bcc: no recipient in the headers


def test_resend_reattempts_only_the_unknown_batch(demo_copy: Path) -> None:
    rows = ["email"] + [f"p{i}@staff.westmarch.example" for i in range(6)]
    use_direct_csv(demo_copy, rows)
    notice = f"{DEMO_THREAD}/01-notice"
    handler = Handler(drop_for={"p2@staff.westmarch.example"})
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=2)
        summary, _ = run_send(demo_copy)
        # p2 is in the second batch of each of the three student-records messages
        assert summary.count("unknown") == 3 and summary.count("sent") == 10
        handler.drop_for = set()
        resent, _ = run_send(demo_copy, resend=frozenset({notice}))
    # Batches are keyed by who is in them: the second one holds p2 and p3.
    second = digest(["p2@staff.westmarch.example", "p3@staff.westmarch.example"])
    assert [r.key for r in resent.results] == [f"email:direct:business-systems-key-users:{second}"]
    to_p0 = [r for r in server.received if "p0@staff.westmarch.example" in r.rcpt_tos]
    assert len(to_p0) == 3  # the confirmed batches were not sent again


def test_plan_summarises_a_long_run_of_direct_batches(demo_copy: Path) -> None:
    rows = ["email"] + [f"p{i}@staff.westmarch.example" for i in range(7)]
    use_direct_csv(demo_copy, rows)
    with SmtpServer() as server:
        point_at(demo_copy, server.port, batch_size=1)
        _, quiet = run_send(demo_copy, dry_run=True)
        _, verbose = run_send(demo_copy, dry_run=True, verbose=True)
        summary, _ = run_send(demo_copy)
    assert summary.ok
    first = f"email:direct:business-systems-key-users:{digest(['p0@staff.westmarch.example'])}"
    last = f"email:direct:business-systems-key-users:{digest(['p6@staff.westmarch.example'])}"
    # One line per message for the seven one-recipient batches, not seven.
    assert quiet.count(f"{first} … {last}: 7 batches, 7 direct recipient(s) from direct.csv") == 3
    assert f"{last}: 1 direct recipient(s)" not in quiet
    assert verbose.count(f"{last}: 1 direct recipient(s) from direct.csv") == 3
    # Summarising the plan changes nothing that is sent: 3 messages × 7 batches.
    direct = [r for r in server.received if r.message["To"] == "undisclosed-recipients:;"]
    assert len(direct) == 21
