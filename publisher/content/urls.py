"""The URL scheme. Permalinks are stable forever: they depend only on ids that never change.

Paths are relative to the site root (``site_url``); ``absolute`` joins them to it.
"""

from __future__ import annotations

from typing import Literal

from .model import Content, Message, Thread, ThreadKind

SECTION = {
    ThreadKind.INCIDENT: "incidents",
    ThreadKind.MAINTENANCE: "maintenance",
    ThreadKind.LAUNCH: "news",
    ThreadKind.STORY: "news",
}


def thread_path(thread: Thread) -> str:
    return f"{SECTION[thread.kind]}/{thread.id}/"


def message_anchor(message: Message) -> str:
    """The fragment of one message on its thread page (``#m-02-update``)."""
    last = message.id.rpartition("/")[2] if "/" in message.id else "notice"
    return f"m-{last}"


def message_path(thread: Thread, message: Message) -> str:
    return f"{thread_path(thread)}#{message_anchor(message)}"


def service_path(service_id: str) -> str:
    return f"services/{service_id}/"


def history_path(year_month: str | None = None) -> str:
    return f"history/{year_month}/" if year_month else "history/"


def newsroom_path(page: int = 1) -> str:
    return "news/" if page == 1 else f"news/page/{page}/"


FeedScope = Literal["all", "news", "services", "groups", "audiences", "threads"]
FEED_EXTENSIONS = {"rss": "xml", "atom": "atom"}


def feed_path(scope: FeedScope = "all", key: str | None = None, fmt: str = "rss") -> str:
    """``feeds/all.xml``, ``feeds/services/email.atom``, ``feeds/threads/<thread>.xml``…"""
    ext = FEED_EXTENSIONS[fmt]
    if scope in ("all", "news"):
        return f"feeds/{scope}.{ext}"
    if key is None:
        raise ValueError(f"a {scope} feed needs a key")
    return f"feeds/{scope}/{key.replace('/', '-')}.{ext}"


def calendar_path(service_id: str | None = None) -> str:
    return f"calendar/services/{service_id}.ics" if service_id else "calendar/maintenance.ics"


def badge_path(service_id: str | None = None) -> str:
    return f"badges/{service_id}.svg" if service_id else "badges/overall.svg"


API_ROOT = "api/v2/"
BANNER_FILES = ("banner.json", "banner.html", "banner.js")


def absolute(content: Content, path: str) -> str:
    return at_base(content.organisation.base_url, path)


def at_base(base_url: str, path: str) -> str:
    """``path`` under the site's address ``base_url`` (which ends in "/")."""
    return base_url + path.lstrip("/")


def webcal(content: Content, path: str) -> str:
    """The ``webcal://`` form of a calendar's address: calendar apps subscribe to it (and
    refresh it) instead of importing the file once."""
    return "webcal://" + absolute(content, path).split("://", 1)[1]
