"""Mail: email and Teams/Slack webhooks for approved, due messages — exactly once, archived.

One module per stage: ``select`` (what goes now, and why the rest is held back), ``address``
(deliveries: list addresses, direct-recipient batches, webhooks), ``compose`` (Jinja2 →
multipart email), ``transport`` (outbox or SMTP), ``webhooks``, ``deliver`` (intent, send,
result), ``ledger`` (the append-only record), ``recipients`` (each recipient's state from it),
``integrity`` (ledger against archive, renamed messages), ``resolve`` (an operator's
decisions), ``archive``, and ``run``.
"""

from __future__ import annotations

from ..text.headers import header_problems

__all__ = ["header_problems"]
