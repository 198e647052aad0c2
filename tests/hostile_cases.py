"""Hostile and broken inputs for tests/test_hostile_input.py: each an edit of the mini fixture
and the exact problems ``publisher check`` must print for it (paths relative to content/).

Kept apart from the tests so the fuzz test and the CLI tests share the same vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

NOTICE = "messages/2026/2026-03-02-email-outage/01-notice.md"
TITLE = "title: Email unavailable for some staff\n"


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def title(value: str) -> Callable[[Path], None]:
    return replace(NOTICE, TITLE, f"title: {_q(value)}\n")


def write(rel: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return edit


def message(front: str, body: str = "Body.\n") -> str:
    return ("---\n" + front + "type: news\nservices: [email]\nchannels: [news]\n"
            "send_at: 2026-03-01T09:00\nworkflow:\n  stage: draft\n---\n" + body)


LINE = "(allowed: one line of text)"
BREAK = ("a line break would end an email header or a page title early " + LINE)
ENCODED = ("which mail software decodes into other text, even new header lines (allowed: the "
           "text itself, in any language, without =?…?=)")
PLAIN = "this field is plain text, shown exactly as written (allowed: text without tags)"
CONTROL = ("(allowed: printable text, tabs and, where a field may have several lines, LF line "
           "breaks)")
ORPHAN = ("messages/2026/2026-03-02-email-outage/02-all-clear.md:2: type: 'all-clear' cannot "
          "open a thread: it continues one (put the file in the thread's folder, or set thread: "
          "<thread-id>)")
"""A refused notice leaves its all-clear without an opener: reported too."""
BILLION = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9) if p else ', '.join(['x'] * 9)}]\n"
                  for p, c in zip(["", *"abcdefgh"], "abcdefghi", strict=True))

CASES: dict[str, tuple[list[Callable[[Path], None]], list[str]]] = {
    # 1. header injection through encoded words and every line-breaking code point
    "title-encoded-word-q": ([title("Hi =?utf-8?q?x=0D=0ABcc:_e@evil.example?=")], [
        f"{NOTICE}:2: title: contains an encoded word '=?utf-8?q?x=0D=0ABcc:_e@evil.example?=' "
        f"(=?charset?q?…?=), {ENCODED}", ORPHAN]),
    "title-encoded-word-b": ([title("Hi =?UTF-8?B?eA0KWC1JbmplY3RlZDogMQ==?=")], [
        f"{NOTICE}:2: title: contains an encoded word '=?UTF-8?B?eA0KWC1JbmplY3RlZDogMQ==?=' "
        f"(=?charset?q?…?=), {ENCODED}", ORPHAN]),
    "title-nel": ([title("Email\x85Bcc: e@evil.example")], [
        f"{NOTICE}:2: title: contains the line break U+0085 {CONTROL}", ORPHAN]),
    "title-u2028": ([title("Email\u2028X-Injected: 1")], [
        f"{NOTICE}:2: title: contains the line break U+2028 {CONTROL}", ORPHAN]),
    "title-vt-ff-fs": ([title("Email\x0bdown\x0c\x1c")], [
        f"{NOTICE}:2: title: contains the line break U+000B {CONTROL}", ORPHAN]),
    "from-encoded-word": ([replace("organisation.yml", 'from: "TU IT <it@test.example>"',
                                   'from: "=?utf-8?q?x=0D=0AReply-To:_a@evil.example?= '
                                   '<it@test.example>"')], [
        "organisation.yml:10: email.from: contains an encoded word "
        f"'=?utf-8?q?x=0D=0AReply-To:_a@evil.exampl' (=?charset?q?…?=), {ENCODED}"]),
    "reply-to-u2028": ([replace("organisation.yml", "reply_to: servicedesk@test.example",
                                'reply_to: "servicedesk@test.example\\u2028Bcc: e@evil.example"')],
                       ["organisation.yml:11: email.reply_to: contains the line break U+2028 "
                        + CONTROL]),
    # 3. script from configuration text
    "organisation-name-markup": ([replace("organisation.yml", "name: Test University",
                                          'name: "TU <script>alert(1)</script>"')], [
        f"organisation.yml:1: name: contains HTML markup '<script>'; {PLAIN}"]),
    "site-url-breakout": ([replace("organisation.yml", "site_url: https://status.test.example/",
                                   "site_url: 'https://status.test.example/\"><script>x'")], [
        "organisation.yml:3: site_url: 'https://status.test.example/\"><script>x' is not a web "
        "address (it contains '\"') (allowed: http://host/… or https://host/…, without spaces, "
        "quotes or <>)"]),
    "site-url-javascript": ([replace("organisation.yml", "site_url: https://status.test.example/",
                                     "site_url: 'javascript:alert(1)//https://x'")], [
        "organisation.yml:3: site_url: 'javascript:alert(1)//https://x' is not a web address "
        "(allowed: http://host/… or https://host/…, without spaces, quotes or <>)"]),
    "service-name-entity-markup": ([replace("services.yml", "name: Calendar\n",
                                            "name: 'Calendar &lt;img src=x "
                                            "onerror=alert(1)&gt;'\n")],
                                   ["services.yml:11: groups[0].services[1].name: contains HTML "
                                    f"markup '<img src=x onerror=alert(1)>'; {PLAIN}"]),
    # 6. bombs and limits
    "yaml-billion-laughs": ([write("services.yml", BILLION)], [
        "services.yml:6: (yaml): malformed YAML: more than 100,000 values once aliases (*name) "
        "and merges (<<) are expanded"]),
    "body-brackets": ([write("messages/2026/2026-03-01-brackets.md",
                             message("title: Brackets\n", "Intro.\n\n" + "[a](" * 60 + "\n"))], [
        "messages/2026/2026-03-01-brackets.md:12: (body): a paragraph has more than 50 '[' "
        "(allowed: at most 50: Markdown's link parsing slows down sharply beyond that; split "
        "the paragraph)"]),
    "body-too-long": ([write("messages/2026/2026-03-01-long.md",
                             message("title: Long\n", "word " * 20_001 + "\n"))], [
        "messages/2026/2026-03-01-long.md:10: (body): the body is 100,006 characters long "
        "(allowed: at most 100,000; link to a longer document instead)"]),
    "file-too-large": ([write("messages/2026/2026-03-01-huge.md",
                              message("title: Huge\n", "x" * 1_000_001 + "\n"))], [
        "messages/2026/2026-03-01-huge.md:1: (file): too large: 1,000,119 bytes (allowed: at "
        "most 1,000,000; split it or shorten it)"]),
    # 7. each traceback of the report, now a check-time error
    "revision-5000-digits": ([write("messages/2026/2026-03-01-rev.md",
                                    message("title: Rev\nrevision: " + "9" * 5000 + "\n"))], [
        "messages/2026/2026-03-01-rev.md:3: (yaml): malformed YAML: '99999999999999999999'… "
        "cannot be read (Exceeds the limit (4300 digits) for integer string conversio)"]),
    "from-with-comma": ([replace("organisation.yml", 'from: "TU IT <it@test.example>"',
                                 'from: "it@test.example, attacker@evil.example"')], [
        "organisation.yml:10: email.from: 'it@test.example, attacker@evil.example' is not one "
        "email address (allowed: it@example.ac.uk or Name <it@example.ac.uk>, exactly one "
        "address)"]),
    "title-u-fffe": ([title("Email \ufffe down")], [
        f"{NOTICE}:2: title: contains the control character U+FFFE {CONTROL}", ORPHAN]),
    "window-year-1": ([replace(NOTICE, "window: {start: 2026-03-02T09:10,",
                               "window: {start: 0001-01-01T00:00,")], [
        f"{NOTICE}:6: window.start: 0001-01-01T00:00:00 is out of range (allowed: years 1971 "
        "to 2999)", ORPHAN]),
    "nested-list-500": ([write("messages/2026/2026-03-01-deep.md",
                               message("title: Deep\ncategories: " + "[" * 500 + "]" * 500
                                       + "\n"))], [
        "messages/2026/2026-03-01-deep.md:3: (yaml): malformed YAML: nested more than 40 "
        "levels deep"]),
    "body-nested-list-500": ([write("messages/2026/2026-03-01-deeplist.md", message(
        "title: Deep list\n", "".join("  " * i + "- x\n" for i in range(100))))], [
        "messages/2026/2026-03-01-deeplist.md:43: (body): nested too deeply (allowed: at most "
        "64 columns of indentation and 16 levels of >)"]),
    "thread-id-252": ([write("messages/2026/" + "a" * 252 + ".md", message("title: Long id\n"))],
                      [f"messages/2026/{'a' * 252}.md:1: (file): thread folder or file name "
                       f"'{'a' * 90}' is not a valid id (allowed: lowercase letters, digits "
                       "and '-', at most 80 characters)"]),
    "service-name-newline": ([replace("services.yml", "name: Calendar\n",
                                      'name: "Calendar\\nX-Injected: 1"\n')], [
        "services.yml:11: groups[0].services[1].name: contains a line break (U+000A); " + BREAK]),
    # 10. addresses
    "from-second-angle-address": ([replace("organisation.yml", 'from: "TU IT <it@test.example>"',
                                           'from: "TU IT <it@test.example> <a@evil.example>"')], [
        "organisation.yml:10: email.from: 'TU IT <it@test.example> <a@evil.example>' is not "
        "one email address (allowed: it@example.ac.uk or Name <it@example.ac.uk>, exactly one "
        "address)"]),
    "audience-display-name": ([replace("audiences.yml", "address: students@lists.test.example",
                                       'address: "Students <a@evil.example>"')], [
        "audiences.yml:7: audiences[1].address: 'Students <a@evil.example>' is not one email "
        "address (allowed: a single address such as it-status@example.ac.uk, without a name "
        "or <>)"]),
    "recipients-csv-outside": ([replace("audiences.yml", "address: students@lists.test.example",
                                        "address: students@lists.test.example\n"
                                        "    recipients_csv: ../../etc/passwd")], [
        "audiences.yml:8: audiences[1].recipients_csv: '../../etc/passwd' is not a path inside "
        "the content folder (allowed: a relative path such as lists/key-users.csv, without "
        "'..')"]),
    "recipients-csv-u2028": ([replace("audiences.yml", "address: students@lists.test.example",
                                      "address: students@lists.test.example\n"
                                      "    recipients_csv: lists/students.csv"),
                              write("lists/students.csv",
                                    "email\nok@test.example\nvictim@test.example\u2028"
                                    "attacker@evil.example\n")], [
        "audiences.yml:8: audiences[1].recipients_csv: lists/students.csv: line 3: "
        "'victim@test.example\\u2028attacker@evil.example' is not one email address (allowed: "
        "a single address such as a@example.ac.uk)"]),
}
"""Case name → (edits to the mini content, exact problems printed by ``publisher check``)."""
