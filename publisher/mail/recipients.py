"""Per-recipient truth: who got a message, worked out from the ledger's events.

A delivery (one SMTP transaction, or a batch of them, or a webhook post) can succeed for some
recipients and not others: a relay that takes 8 recipients per transaction answers 452 for the
rest, a mailbox may not exist (550). So the ledger's results name the recipients that were
*not* accepted, and each recipient's state is the last event that concerned it:

- ``sent``: accepted by the server (or confirmed by an operator);
- ``retry``: refused temporarily (4xx) or not attempted: the next run tries again, at most
  ``MAX_TRIES`` runs, after which it reads as ``failed``;
- ``failed``: refused permanently (5xx), with the reply;
- ``unknown``: the sender cannot know (killed mid-send, connection lost after DATA);
- ``abandoned``: an operator decided not to send it.

Recipients are identified by ``rid``: a list address or webhook key as itself (they are not
personal data), a direct recipient from a CSV by a digest of the address, so the ledger and
archive (both committed to git) never hold a personal address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .ledger import INTERRUPTED

MAX_TRIES = 3
"""Runs in which a temporarily refused recipient is tried before it counts as failed."""
OPEN = frozenset({"unknown", "failed"})
"""States that need a person (the exit code stays 1 until one acts)."""


def rid(address: str) -> str:
    """The ledger's name for a direct recipient: a digest, never the address itself."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:16]


def digest(addresses: Iterable[str]) -> str:
    """A batch's identity: who is in it, whatever their order in the CSV."""
    joined = "\n".join(sorted(a.strip().lower() for a in addresses))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]


def reply_code(reply: str) -> str:
    """``452 4.5.3`` from a server reply: the part that may go into git (the text may name
    the refused address)."""
    parts = reply.split()
    keep = [p for p in parts[:2] if p[:1].isdigit()]
    return " ".join(keep) or "refused"


@dataclass
class Rcpt:
    """One recipient's latest state for one message."""

    state: str
    detail: str = ""
    at: str = ""
    key: str = ""
    revision: int = 1
    tries: int = 0


def members(key: str, intent: dict[str, Any]) -> list[str]:
    """Who a delivery's intent covers: its recipient ids, list addresses, or the webhook."""
    if "members" in intent:
        return list(intent["members"])
    if key.startswith("email:lists"):
        return list(intent.get("to") or [])
    if key.startswith("webhook:"):
        return [key]
    return [f"legacy:{key}"]  # a direct batch recorded before recipients were named


def _result_state(event: dict[str, Any], member: str) -> tuple[str, str]:
    """(state, detail) for one member of a result or resolve event."""
    state = event["state"]
    detail = event.get("detail", "")
    if member in (event.get("refused") or {}):
        why = event["refused"][member]
        # Ledgers from before per-recipient results mixed 4xx and 5xx in ``refused``.
        return ("retry" if why[:1] == "4" else "failed"), why
    if member in (event.get("deferred") or {}):
        return "retry", event["deferred"][member]
    if member in (event.get("unsure") or []):
        return "unknown", detail
    if state == "failed":
        return ("failed" if event.get("permanent") else "retry"), detail
    return state, detail


def states(events: list[dict[str, Any]]) -> dict[str, Rcpt]:
    """Every recipient's state for one message, from its events in the order written."""
    intents: dict[str, dict[str, Any]] = {}
    out: dict[str, Rcpt] = {}
    for event in events:
        key = event["key"]
        revision = int(event.get("revision", 1))
        at = event.get("at", "")
        if event["state"] == "pending":
            intents[key] = event
            for member in members(key, event):
                old = out.get(member)
                out[member] = Rcpt("unknown", INTERRUPTED, at, key, revision,
                                   old.tries if old else 0)
            continue
        for member in event.get("members") or members(key, intents.get(key, {})):
            old = out.get(member)
            state, detail = _result_state(event, member)
            tries = old.tries if old else 0
            if state == "retry" and not event.get("resolved"):
                tries += 1
            elif event.get("resolved"):
                tries = 0
            if state == "retry" and tries >= MAX_TRIES:
                state, detail = "failed", f"refused temporarily in {tries} runs: {detail}"
            out[member] = Rcpt(state, detail, at, key, revision, tries)
    return out
