"""``_headers``: response headers for static hosts that read that file (Netlify, Cloudflare
Pages). Other hosts get the same headers from the snippets in docs/operations.md.

The banner is embedded on other sites (the intranet), so ``banner.json`` must be readable
cross-origin: without ``Access-Control-Allow-Origin`` the browser hides it from banner.js and
the banner fails silently. The API, feeds and calendars are public data that dashboards and
web calendars fetch from other origins too. Everything here is public and fetched without
credentials, so ``*`` is right: no cookie or login ever rides along.
"""

from __future__ import annotations

from ..content.urls import API_ROOT
from . import BuildContext

HEADERS_FILE = "_headers"
CROSS_ORIGIN = ("/banner.json", f"/{API_ROOT}*", "/feeds/*", "/calendar/*", "/badges/*")
SHORT_CACHE = ("/banner.json", f"/{API_ROOT}*")
"""Change with the status: a CDN must not hide an outage notice for long."""


def headers_file() -> str:
    lines = ["# Response headers for Netlify and Cloudflare Pages (others: docs/operations.md)."]
    for path in CROSS_ORIGIN:
        lines.append(path)
        lines.append("  Access-Control-Allow-Origin: *")
        if path in SHORT_CACHE:
            lines.append("  Cache-Control: public, max-age=60")
    return "\n".join(lines) + "\n"


def produce_headers(ctx: BuildContext) -> dict[str, bytes]:
    return {HEADERS_FILE: headers_file().encode("utf-8")}
