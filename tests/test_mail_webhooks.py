"""Teams and Slack incoming webhooks against a real local HTTP server, with ledger semantics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mail_helpers import (
    DEMO_THREAD,
    SmtpServer,
    WebhookServer,
    edit_yaml,
    ledger_lines,
    point_at,
    run_send,
)

AUDIENCE = "business-systems-key-users"


def add_hooks(root: Path) -> None:
    def change(data: dict) -> None:
        for audience in data["audiences"]:
            if audience["id"] == AUDIENCE:
                audience["webhooks"] = [{"kind": "teams", "url_env": "TEST_TEAMS_URL"},
                                        {"kind": "slack", "url_env": "TEST_SLACK_URL"}]

    edit_yaml(root / "audiences.yml", change)


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with WebhookServer() as server:
        monkeypatch.setenv("TEST_TEAMS_URL", server.url("/teams"))
        monkeypatch.setenv("TEST_SLACK_URL", server.url("/slack"))
        yield server


def test_teams_and_slack_receive_each_message_once(demo_copy: Path, hooks: WebhookServer
                                                   ) -> None:
    add_hooks(demo_copy)
    with SmtpServer() as smtp:
        point_at(demo_copy, smtp.port)
        summary, text = run_send(demo_copy)
        again, _ = run_send(demo_copy)
    assert summary.ok, text
    assert not again.plan.outgoing
    teams = [h.body for h in hooks.posts if h.path == "/teams"]
    slack = [h.body for h in hooks.posts if h.path == "/slack"]
    assert len(teams) == 3 and len(slack) == 3  # the three student-records messages
    card = teams[0]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [b["text"] for b in card["content"]["body"] if b["type"] == "TextBlock"]
    assert texts[0] == "[Outage] Student records unavailable"
    assert "staff cannot sign in to the student records system" in texts[-1]
    assert card["content"]["actions"][0]["url"].endswith(f"/incidents/{DEMO_THREAD}/#m-01-notice")
    assert slack[0]["text"].startswith("[Outage] Student records unavailable: https://")
    events = ledger_lines(demo_copy, f"{DEMO_THREAD}/01-notice")
    assert [(e["key"], e["state"]) for e in events] == [
        ("email:lists", "pending"), ("email:lists", "sent"),
        (f"webhook:{AUDIENCE}:teams", "pending"), (f"webhook:{AUDIENCE}:teams", "sent"),
        (f"webhook:{AUDIENCE}:slack", "pending"), (f"webhook:{AUDIENCE}:slack", "sent")]
    assert "http://127.0.0.1" not in json.dumps(events)  # webhook URLs are secrets


def test_webhook_5xx_is_retried_and_4xx_fails(demo_copy: Path, hooks: WebhookServer) -> None:
    add_hooks(demo_copy)
    hooks.statuses = [503, 200, 400]  # teams: 503 then 200; slack: 400 (bad payload)
    with SmtpServer() as smtp:
        point_at(demo_copy, smtp.port)
        summary, text = run_send(demo_copy)
        assert not summary.ok
        assert summary.count("failed") == 1 and "HTTP 400" in text
        again, text2 = run_send(demo_copy)
    assert not again.plan.outgoing and not again.ok and "HTTP 400" in text2
    assert len([h for h in hooks.posts if h.path == "/teams"]) == 3


def test_xss_never_reaches_a_webhook(demo_copy: Path, hooks: WebhookServer) -> None:
    add_hooks(demo_copy)
    path = demo_copy / "messages/2026/2026-11-18-student-records-outage/01-notice.md"
    text = path.read_text(encoding="utf-8")
    head, _, _ = text.rpartition("---\n")
    path.write_text(head + "---\nHi <script>alert(1)</script><img src=x onerror=alert(2)>\n",
                    encoding="utf-8")
    with SmtpServer() as smtp:
        point_at(demo_copy, smtp.port)
        run_send(demo_copy)
    dumped = json.dumps([h.body for h in hooks.posts])
    assert "<script" not in dumped and "onerror" not in dumped


def test_unset_webhook_variable_holds_that_delivery_only(demo_copy: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    add_hooks(demo_copy)
    monkeypatch.delenv("TEST_TEAMS_URL", raising=False)
    monkeypatch.delenv("TEST_SLACK_URL", raising=False)
    with SmtpServer() as smtp:
        point_at(demo_copy, smtp.port)
        summary, text = run_send(demo_copy)
    assert summary.count("sent") == 4
    assert "$TEST_TEAMS_URL is not set" in text
    keys = {e["key"] for e in ledger_lines(demo_copy, f"{DEMO_THREAD}/01-notice")}
    assert keys == {"email:lists"}
