"""A preview's view of the content: one draft message as if it were approved and sent.

``publisher preview`` and the mkdocs plugin (under ``$PUBLISHER_PREVIEW``) render a draft
exactly as readers will get it. Both need the same content with that message (and the
earlier, unsent messages of its thread) published; nothing else changes.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from .model import Content, Stage


def published_copy(content: Content, message_id: str, at: datetime) -> Content:
    """``content`` in which the message and its thread's earlier unsent messages are
    approved and sent by ``at`` (later messages of the thread are left as they are)."""
    message = content.messages[message_id]
    thread = content.threads[message.thread_id]
    index = thread.messages.index(message)
    changed = []
    for position, item in enumerate(thread.messages):
        if position > index or item.is_published(at) or (
                position < index and item.meta.workflow.stage is Stage.WITHDRAWN):
            changed.append(item)
            continue
        workflow = item.meta.workflow.model_copy(update={"stage": Stage.APPROVED})
        send_at = item.send_at if item.send_at is not None and item.send_at <= at else at
        meta = item.meta.model_copy(update={"workflow": workflow, "send_at": send_at})
        changed.append(dataclasses.replace(item, meta=meta))
    threads = dict(content.threads)
    threads[thread.id] = dataclasses.replace(thread, messages=changed)
    return dataclasses.replace(content, threads=threads)
