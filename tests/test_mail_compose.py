"""Composing emails: subject convention, FAQ sections, sanitizing, and the CR/LF guard."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DEMO_NOW
from mail_helpers import edit_yaml

from publisher.check import check
from publisher.content.model import Content
from publisher.mail.compose import compose, html_to_text
from publisher.text.headers import UnsafeHeader, subject

XSS_BODY = """Hello <script>alert(1)</script> world.

<img src=x onerror="alert(2)"> <a href="javascript:alert(3)" onclick="alert(4)">click</a>

<svg onload=alert(5)></svg> <iframe src="https://evil.example/"></iframe>
"""


def load(root: Path) -> Content:
    result = check(root, DEMO_NOW)
    assert result.content is not None
    return result.content


def composed_for(content: Content, message_id: str):  # type: ignore[no-untyped-def]
    message = content.messages[message_id]
    thread = content.threads[message.thread_id]
    return compose(content, thread, message, DEMO_NOW, ["list@lists.westmarch.example"])


def test_subject_convention_by_type(demo_root: Path) -> None:
    content = load(demo_root)
    seen = {m.type.value: subject(m, content.threads[m.thread_id])
            for m in content.messages.values()}
    assert seen["all-clear"].startswith(("[Resolved] ", "[Completed] "))
    assert seen["planned-maintenance"].startswith("[Planned maintenance] ")
    assert seen["major-incident"].startswith("[Major incident] ")
    assert seen["reminder"].startswith("[Reminder] ")
    resolved = content.messages["2026-02-05-vpn-connection-failures/03-all-clear"]
    assert subject(resolved, content.threads[resolved.thread_id]).startswith("[Resolved] ")
    mi = content.messages["2026-03-09-online-exams-major-incident/02-update"]
    assert subject(mi, content.threads[mi.thread_id]).startswith("[Major incident update] ")


def test_major_incident_update_carries_the_faq_sections(demo_root: Path) -> None:
    content = load(demo_root)
    mail = composed_for(content, "2026-03-09-online-exams-major-incident/02-update")
    for heading in ("What has happened", "Business continuity", "Workarounds",
                    "Key information to pass on", "Next update", "What to do with this update"):
        assert f">{heading}</h2>" in mail.html
        assert heading.upper() in mail.text
    assert "Please cascade this" in mail.text
    assert "The Exams Office will publish a revised timetable" in mail.html


def test_xss_in_body_and_title_never_reaches_the_html_part(demo_copy: Path) -> None:
    # A title is plain text: markup in it is refused by check (test_hostile_input.py); what
    # is left, quotes and a lone "<", is escaped exactly once in the HTML part.
    path = demo_copy / "messages/2026/2026-11-18-student-records-outage/01-notice.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: Student records unavailable",
                        "title: 'Records \"a<b\" & ''c'' < 5 Mbps'")
    head, _, _ = text.rpartition("---\n")
    path.write_text(head + "---\n" + XSS_BODY, encoding="utf-8")
    content = load(demo_copy)
    mail = composed_for(content, "2026-11-18-student-records-outage/01-notice")
    html = mail.email.get_body(("html",)).get_content()
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]+\son\w+\s*=", html, re.I)
    assert not re.search(r"<a[^>]*javascript:", html, re.I)
    assert "<iframe" not in html.lower() and "<svg" not in html.lower()
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt; world." in html  # shown as text
    assert "Records \"a&lt;b\" &amp; 'c' &lt; 5 Mbps</h1>" in html  # escaped once
    assert mail.email["Subject"] == "[Outage] Records \"a<b\" & 'c' < 5 Mbps"


def test_cr_lf_in_a_title_is_a_check_error_and_refused_at_send(demo_copy: Path) -> None:
    path = demo_copy / "messages/2026/2026-11-18-student-records-outage/01-notice.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(
        "title: Student records unavailable",
        'title: "Student records\\r\\nBcc: everyone@westmarch.example"'), encoding="utf-8")
    result = check(demo_copy, DEMO_NOW)
    found = [str(p) for p in result.errors if p.field == "title"]
    assert any(re.match(r".*01-notice\.md:\d+: title: .*line break", line)
               for line in found), found
    assert result.blocked("2026-11-18-student-records-outage/01-notice")
    # The compose guard holds even for a value that never passed check.
    path.write_text(original, encoding="utf-8")
    content = load(demo_copy)
    message = content.messages["2026-11-18-student-records-outage/01-notice"]
    message.meta = message.meta.model_copy(
        update={"title": "Records =?utf-8?q?x=0D=0ABcc:_x@evil.example?="})
    with pytest.raises(UnsafeHeader, match="Subject: header value contains an encoded word"):
        composed_for(content, "2026-11-18-student-records-outage/01-notice")


def test_cr_lf_in_config_addresses_is_a_check_error(demo_copy: Path) -> None:
    def evil(data: dict) -> None:
        data["audiences"][0]["address"] = "all-staff@lists.westmarch.example\nBcc: x@evil.example"

    edit_yaml(demo_copy / "audiences.yml", evil)
    problems = [str(p) for p in check(demo_copy, DEMO_NOW).errors]
    assert any(p.startswith(f"{demo_copy}/audiences.yml:") or "audiences.yml:" in p
               for p in problems if "audiences[0].address" in p), problems


def test_html_to_text_keeps_paragraphs_bullets_and_links() -> None:
    text = html_to_text('<p>One <a href="https://x.example/">here</a></p>\n<ul>\n<li>a</li>'
                        '\n<li>b</li>\n</ul><p>Two &amp; three</p>')
    assert text == "One here (https://x.example/)\n\n- a\n- b\n\nTwo & three"
