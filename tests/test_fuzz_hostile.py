"""Property-based fuzzing of front matter and config values (issue 14).

Whatever text lands in a field that reaches a page, a feed, the banner or an email header,
``check`` either refuses it with ``path:line`` or everything built from it is sound: no
exception anywhere, every output renders (feeds parse as XML), and the email's header block
holds only the headers we set. Bounded (a few dozen examples each) to run in CI in well
under a minute; the outputs are rendered in-process, the way the mkdocs plugin does.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import lxml.etree
from conftest import MINI
from hostile_cases import NOTICE, TITLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.check import check
from publisher.mail.compose import compose
from publisher.renderers import BuildContext, static_outputs
from publisher.renderers.site import SiteModel

NOW = datetime.fromisoformat("2026-03-02T10:00:00+00:00")
FRAGMENTS = ["=?utf-8?q?a=0D=0AX-Injected:_1?=", "=?UTF-8?B?DQpCY2M6IHg=?=", "\r\n", "\n",
             "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029", "\x00", "\ufffe",
             "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;b&gt;",
             "a<b", "< 5", "[/]", "[bold]", "\"'><", "{{ x }}", "Bcc: e@evil.example", ":",
             "it@test.example", "<it@test.example>", ",", "https://x.example/", "javascript:",
             "\t", " ", "é", "𝔘", "\u200b"]
TEXT = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)),
                max_size=6).map("".join)
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def content_with(rel: str, old: str, value: str) -> Iterator[Path]:
    """The mini content with ``old`` in ``rel`` replaced by ``value`` as a YAML string."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "content"
        shutil.copytree(MINI, root)
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        key = old.split(":")[0]
        path.write_text(text.replace(old, f"{key}: {json.dumps(value)}\n", 1), encoding="utf-8")
        yield root


def assert_sound(root: Path) -> None:
    """Either precise problems, or every output of the content builds and is well-formed."""
    result = check(root, NOW)
    for problem in result.errors:
        assert problem.path and (problem.line >= 1 or problem.field.startswith("(")), problem
    if result.failed():
        return
    assert result.content is not None
    ctx = BuildContext.at(result.content, NOW)
    for name, data in static_outputs(ctx).items():
        if name.endswith((".xml", ".atom")):
            lxml.etree.fromstring(data)  # U+FFFE and friends would break here
    model = SiteModel(ctx)
    for page in model.pages():
        model.render(page)
    for thread in result.content.threads.values():
        for message in thread.messages:
            mail = compose(result.content, thread, message, NOW, ["list@test.example"])
            head = mail.email.as_bytes().partition(b"\r\n\r\n")[0]
            for line in head.split(b"\r\n"):
                assert line[:1] in (b" ", b"\t") or line.split(b":")[0] in {
                    b"Subject", b"From", b"Message-ID", b"Date", b"To", b"Reply-To",
                    b"In-Reply-To", b"References", b"X-Publisher-Message", b"MIME-Version",
                    b"Content-Type", b"List-Unsubscribe", b"List-Unsubscribe-Post"}, line


@SETTINGS
@given(value=TEXT)
def test_any_title(value: str) -> None:
    with content_with(NOTICE, TITLE, value) as root:
        assert_sound(root)


@SETTINGS
@given(field=st.sampled_from(["summary", "sms", "social", "internal_notes"]), value=TEXT)
def test_any_free_text_field(field: str, value: str) -> None:
    with content_with(NOTICE, "send_at: 2026-03-02T09:25\n",
                      value) as root:
        path = root / NOTICE
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"send_at: {json.dumps(value)}\n",
                                     f"send_at: 2026-03-02T09:25\n{field}: {json.dumps(value)}\n"),
                        encoding="utf-8")
        assert_sound(root)


@SETTINGS
@given(place=st.sampled_from([
    ("organisation.yml", "name: Test University\n"),
    ("organisation.yml", "site_url: https://status.test.example/\n"),
    ("organisation.yml", 'from: "TU IT <it@test.example>"\n'),
    ("organisation.yml", "reply_to: servicedesk@test.example\n"),
    ("services.yml", "name: Calendar\n"),
    ("audiences.yml", "address: all-staff@lists.test.example\n"),
    ("people.yml", "name: Casey Lead\n"),
]), value=TEXT)
def test_any_config_value(place: tuple[str, str], value: str) -> None:
    rel, old = place
    with content_with(rel, old.replace("  ", ""), value) as root:
        assert_sound(root)
