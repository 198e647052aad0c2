"""`publisher pipeline` end to end: in-flight messages, next step and who must act (fallback
chain applied), overdue first; JSON; the internal HTML page, never under build/site."""

from __future__ import annotations

import json

import pytest
from tools_support import Repo, make_repo

NOW = "2026-11-18T10:30:00+00:00"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """The demo plus three messages in flight, made and moved on with the real CLI."""
    repo = make_repo(tmp_path_factory.mktemp("pipeline"))
    made = repo.run("new", "unplanned-outage", "--title", "VPN unavailable", "--service", "vpn",
                    "--audience", "all-staff", "--start", "2026-11-18T10:05")
    assert made.returncode == 0, made.stderr
    notice = "content/messages/2026/2026-11-18-vpn-unavailable.md"
    text = (repo.root / notice).read_text()
    (repo.root / notice).write_text(text.replace(
        "---\nSince", "internal_notes: Supplier ticket <b>P1</b> & <script>alert(1)</script>\n"
        "---\nSince", 1))
    for step, person in (("intake", "o-nwosu"), ("confirm-need", "a-okafor"),
                         ("draft", "a-okafor")):
        assert repo.run("review", notice, "--step", step, "--by", person).returncode == 0
    update = repo.run("new", "update", "--thread", "2026-11-18-student-records-outage",
                      "--status", "monitoring", "--send-at", "2026-11-18T12:00")
    assert update.returncode == 0, update.stderr
    repo.commit("Messages in flight", ("Amara Okafor", "a.okafor@westmarch.example"))
    return repo


def pipeline(repo: Repo, now: str = NOW) -> dict:
    done = repo.run("pipeline", "content", "--format", "json", "--no-html", now=now)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_in_flight_messages_overdue_first_with_who_must_act(repo: Repo) -> None:
    report = pipeline(repo)
    ids = [m["message_id"] for m in report["messages"]]
    assert set(ids) == {"2026-11-18-vpn-unavailable", "2026-11-18-student-records-outage/04-update",
                        "2026-12-09-phone-system-change", "2026-11-28-vle-upgrade/02-reminder"}
    # published messages are not in flight: the outage notice went out at 09:10
    assert "2026-11-18-student-records-outage/01-notice" not in ids
    first = report["messages"][0]
    assert first["message_id"] == "2026-11-18-vpn-unavailable" and first["overdue"] is True
    # the director is on leave this week: approval falls to the first available delegate
    assert (first["next_step"], first["role"], first["person"]) == \
        ("approval", "comms-director", "r-castellano")
    assert first["person_name"] == "Rosa Castellano"
    assert [d["by"] for d in first["done"]] == ["o-nwosu", "a-okafor", "a-okafor"]
    assert report["overdue"] == sum(m["overdue"] for m in report["messages"]) >= 1
    flags = [m["overdue"] for m in report["messages"]]
    assert flags == sorted(flags, reverse=True)
    scheduled = next(m for m in report["messages"]
                     if m["message_id"] == "2026-11-28-vle-upgrade/02-reminder")
    assert scheduled["scheduled"] is True and scheduled["next_step"].startswith("distribution")
    assert scheduled["due"] == "2026-11-27T12:00:00+00:00"
    phones = next(m for m in report["messages"]
                  if m["message_id"] == "2026-12-09-phone-system-change")
    assert (phones["next_step"], phones["person"]) == ("sme-review", "e-morgan")


def test_later_the_scheduled_reminder_has_gone_out(repo: Repo) -> None:
    report = pipeline(repo, "2026-11-27T12:01:00+00:00")
    ids = [m["message_id"] for m in report["messages"]]
    assert "2026-11-28-vle-upgrade/02-reminder" not in ids


def test_table_marks_overdue_in_words(repo: Repo) -> None:
    done = repo.run("pipeline", "content", "--no-html", now=NOW)
    assert done.returncode == 0, done.stderr
    assert "OVERDUE" in done.stdout and "Rosa Castellano" in done.stdout


def test_html_page_is_internal_escaped_and_never_in_build_site(repo: Repo) -> None:
    done = repo.run("pipeline", "content", now=NOW)
    assert done.returncode == 0, done.stderr
    page = (repo.root / "build" / "internal" / "pipeline.html").read_text()
    assert "INTERNAL" in page and "Rosa Castellano" in page
    assert "Supplier ticket &lt;b&gt;P1&lt;/b&gt; &amp; &lt;script&gt;" in page
    assert "<script>" not in page
    assert "http://" not in page and "https://" not in page  # nothing from another host
    refused = repo.run("pipeline", "content", "--html", "build/site/pipeline.html", now=NOW)
    assert refused.returncode == 1
    assert "may not be written under build/site" in refused.stderr
    assert not (repo.root / "build" / "site").exists()


@pytest.mark.browser
def test_html_page_in_a_browser(repo: Repo, browser) -> None:
    assert repo.run("pipeline", "content", now=NOW).returncode == 0
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((repo.root / "build" / "internal" / "pipeline.html").as_uri())
    assert page.title().startswith("Pipeline (internal)")
    sections = page.locator("h2").all_inner_texts()
    assert [s.split(" (")[0] for s in sections] == [
        "Open outages", "Duties overdue or due within the hour", "Held messages",
        "Messages in flight"]  # what is happening now and who owes what come first
    headers = page.locator("#in-flight + table th[scope=col]").all_inner_texts()
    assert headers[:5] == ["Due", "Message", "Stage", "Next step", "Who must act"]
    first = page.locator("#in-flight + table tbody tr").first
    assert first.get_attribute("class") == "overdue"
    assert "▲ Overdue" in first.inner_text()  # not by colour alone
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert all(url.startswith("file://") for url in requests)
    page.close()
