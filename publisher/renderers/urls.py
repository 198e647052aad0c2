"""The URL scheme. Permalinks are stable forever: they depend only on ids that never change.

Paths are relative to the site root (``site_url``); ``absolute`` joins them to it.
"""

from __future__ import annotations

from ..model import Content, Message, Thread, ThreadKind

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


def absolute(content: Content, path: str) -> str:
    return content.organisation.base_url + path.lstrip("/")
