"""Mail: email and Teams/Slack webhooks for approved, due messages — exactly once, archived.

One module per stage: ``select`` (what goes now, and why the rest is held back), ``address``
(deliveries: list addresses, direct-recipient batches, webhooks), ``compose`` (Jinja2 →
multipart email), ``headers`` (subject, Message-ID, the CR/LF guard), ``transport`` (outbox or
SMTP), ``webhooks``, ``ledger`` (intent before, result after), ``archive``, and ``run``.
"""

from __future__ import annotations

from ..text.headers import header_problems

__all__ = ["header_problems"]
