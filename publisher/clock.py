"""The one clock. Every output is a function of (content, now); ``now`` comes only from here.

``--now`` on the command line wins, then the ``PUBLISHER_NOW`` environment variable, then the
real time. Tests and the demo stand at any moment by setting one of the two.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo

from .errors import ConfigError

ENV_VAR = "PUBLISHER_NOW"


def parse_instant(text: str, tz: tzinfo | None = None) -> datetime:
    """Parse an ISO 8601 instant; a value without offset is read in ``tz`` (default UTC)."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(
            f"not a date and time: {text!r} (allowed: ISO 8601, e.g. 2026-11-18T10:30:00+00:00)"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz or UTC)
    return value


def now(override: str | datetime | None = None, tz: tzinfo | None = None) -> datetime:
    """The current instant as the whole run sees it (always timezone-aware)."""
    if isinstance(override, datetime):
        return override if override.tzinfo else override.replace(tzinfo=tz or UTC)
    text = override or os.environ.get(ENV_VAR, "").strip()
    if text:
        return parse_instant(text, tz)
    return datetime.now(UTC)
