"""A corpus of XSS and injection payloads, and a content directory that carries them in every
field a reader sees (titles, summaries, bodies, sms/social, service and audience names).

Shared by tests/test_xss.py (parsers) and tests/test_xss_browser.py (Chromium). Every payload
that could run calls ``alert`` or sets ``window.__xss``, so a browser test can tell.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"

PAYLOADS: list[str] = [
    "<script>alert('xss1');window.__xss=1</script>",
    "<img src=x onerror=\"alert('xss2');window.__xss=2\">",
    "<svg onload=alert('xss3')>",
    "<svg><script>alert('xss4')</script></svg>",
    "[click me](javascript:alert('xss5'))",
    "<a href=\"javascript:alert('xss6')\">link6</a>",
    "<a href=\"jav&#x09;ascript:alert('xss7')\">link7</a>",
    "<iframe src=\"javascript:alert('xss8')\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss9')>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzMTAnKTwvc2NyaXB0Pg==\">d10</a>",
    "<body onload=alert('xss11')>",
    "<details open ontoggle=alert('xss12')>",
    "\"><script>alert('xss13')</script>",
    "'><img src=x onerror=alert('xss14')>",
    "<![CDATA[<script>alert('xss15')</script>]]>",
    "]]><script>alert('xss16')</script>",
    "&lt;script&gt;alert('xss17')&lt;/script&gt;",
    "<scr<script>ipt>alert('xss18')</scr</script>ipt>",
    "\x00<script>alert('xss19')</script>\x1b\u2028",
    "<object data=\"javascript:alert('xss20')\"></object>",
    "<embed src=\"javascript:alert('xss21')\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('xss22')\">",
    "<base href=\"javascript:alert('xss23')//\">",
    "<form action=\"javascript:alert('xss24')\"><button>go24</button></form>",
    "<input autofocus onfocus=alert('xss25')>",
    "<math href=\"javascript:alert('xss26')\">click26</math>",
    "<svg><a xlink:href=\"javascript:alert('xss27')\"><text x=0 y=9>x27</text></a></svg>",
    "![img28](javascript:alert('xss28'))",
    "<div style=\"background:url(javascript:alert('xss29'))\">s29</div>",
    "<a href=\"  JaVaScRiPt:alert('xss30')\">link30</a>",
    "<style>*{background:url(\"javascript:alert('xss31')\")}</style>",
    "<svg><foreignObject><iframe srcdoc=\"<script>alert('xss32')</script>\"></iframe>"
    "</foreignObject></svg>",
]
"""Script tags, event handlers, javascript:/data: URLs, SVG and MathML tricks, CDATA and
entity tricks, control characters, attribute break-outs and markup that mutates on parse."""

CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\x7f\u2028\u2029"

TEXT_PAYLOADS: list[str] = [
    "\"'><svg/onload=alert('t1');window.__xss=101 x",
    "</title <svg/onload=alert('t2') a<b",
    "&lt;svg onload=alert('t3') &#60;",
    "' autofocus onfocus='alert(`t4`);window.__xss=104",
    "javascript:alert('t5')//",
    "]]><x onload=alert('t6')",
    "{{ 7*7 }} {% raw %} ${alert('t7')}",
    "< 5 Mbps & a<b \"quoted\"",
]
"""Hostile text with no HTML tag in it: what titles, summaries and config names may hold
(``check`` refuses tags there). Each must come out as the very same text, escaped once."""

CONFIG_PAYLOADS = {
    "organisation": "Test University \"'><svg/onload=alert('org');window.__xss=201 a<b",
    "service": "Calendar </title <svg/onload=alert('svc');window.__xss=202",
    "group": "Collaboration ' onmouseover='alert(`grp`)",
    "audience": "Students \"><svg/onload=alert('aud') &lt;svg",
}
"""Config-field payloads: the organisation name is on every page and feed."""

FEED_BODY = (
    "Feed `<img src=x onerror=\"alert('feed1');window.__xss=301\">` code span, "
    "&lt;img src=https://evil.example/feed2.png onerror=alert('feed2')&gt; escaped, "
    "![remote](https://evil.example/feed3.png) image.\n"
)
"""Markup shown as text on the site, which feeds once carried as live HTML."""


def _one_line(text: str) -> str:
    """Titles must be one line (the loader rejects control characters there, rightly)."""
    return "".join(ch for ch in text if ch not in CONTROL)


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid YAML double-quoted scalar


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def make_content(target: Path) -> Path:
    """A copy of the mini fixture with every payload in open incidents and news stories:
    tag payloads in bodies, tag-free hostile text in titles, summaries and config names."""
    shutil.copytree(MINI, target)
    _replace(target / "organisation.yml", "name: Test University\n",
             f"name: {_yaml(CONFIG_PAYLOADS['organisation'])}\n")
    _replace(target / "services.yml", "name: Calendar\n",
             f"name: {_yaml(CONFIG_PAYLOADS['service'])}\n")
    _replace(target / "services.yml", "name: Collaboration\n",
             f"name: {_yaml(CONFIG_PAYLOADS['group'])}\n")
    _replace(target / "audiences.yml", "name: Students\n",
             f"name: {_yaml(CONFIG_PAYLOADS['audience'])}\n")
    folder = target / "messages" / "2026"
    for index, payload in enumerate(PAYLOADS, start=1):
        incident = index % 2 == 1
        text = TEXT_PAYLOADS[index % len(TEXT_PAYLOADS)]
        title = f"Case {index} {text}"
        payload = _one_line(payload)  # control characters are refused by check
        short = payload[:60]
        front = [
            f"title: {_yaml(title)}",
            f"type: {'unplanned-outage' if incident else 'news'}",
        ]
        if incident:
            front += ["services: {calendar: major_outage}", "status: investigating",
                      "window: {start: 2026-11-18T09:00}",
                      "channels: [status, banner, rss, sms, social]"]
        else:
            front += ["services: [calendar]", "channels: [news, rss, social]"]
        front += [
            "audiences: [students]",
            "send_at: 2026-11-18T09:30",
            f"summary: {_yaml('Summary ' + text)}",
            f"sms: {_yaml('SMS ' + short)}",
            f"social: {_yaml('Social ' + short)}",
            "workflow:",
            "  stage: approved",
            "  requested_by: sam-manager",
            "  steps:",
            "    - {step: draft, by: casey-lead, at: 2026-11-18T09:20}",
            "    - {step: approval, by: dev-delegate, at: 2026-11-18T09:25}",
        ]
        body = (f"Body {payload}\n\n{payload}\n\n- item {payload}\n\n> {payload}\n\n"
                + FEED_BODY)
        (folder / f"2026-11-18-case-{index:02d}.md").write_text(
            "---\n" + "\n".join(front) + "\n---\n" + body, encoding="utf-8")
    return target
