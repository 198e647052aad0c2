"""An operator's decisions about sends the publisher cannot settle itself, recorded in the ledger.

``unknown`` (did it go out?) and ``failed`` recipients keep ``publisher send`` exiting 1 until
someone decides. Each decision is a ledger event (``resolved``, with an optional note), so the
history says who was told what and why nothing more was sent:

- ``delivered`` (unknown only): it arrived (the relay log shows the batch's Message-ID for
  these recipients) → ``sent``;
- ``not-delivered`` (unknown only): it did not → ``retry``: the next ``publisher send``
  sends it, once;
- ``abandon`` (unknown, failed or still being retried): do not send it, stop reporting
  it → ``abandoned``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import ConfigError
from . import archive
from .ledger import Ledger, LedgerError
from .recipients import OPEN, Rcpt, rid, states

DECISIONS = {"delivered": "sent", "not-delivered": "retry", "abandon": "abandoned"}


@dataclass
class Resolved:
    key: str
    count: int
    was: str


def resolve(root: Path, message_id: str, decision: str, now: datetime, *,
            keys: tuple[str, ...] = (), recipients: tuple[str, ...] = (), note: str = "",
            lock_timeout: float = 120.0) -> list[Resolved]:
    """Record ``decision`` for every open recipient of a message, or only of the given
    deliveries (``keys``) or recipients (addresses: a relay log names them one by one)."""
    state = DECISIONS[decision]
    ledger = Ledger(root)
    with ledger.lock(lock_timeout):
        events = ledger.events(message_id)
        if not events:
            raise ConfigError(f"{message_id}: the send ledger has no send of this message "
                              "(use the message id shown by `publisher send`, e.g. "
                              "2026-11-18-student-records-outage/02-update)")
        # Only an unknown can turn out delivered or not; a refused recipient was refused.
        scope = OPEN | {"retry"} if decision == "abandon" else {"unknown"}
        known = states(events)
        wanted = {rid(a) for a in recipients} | {a.strip().lower() for a in recipients} | \
            set(recipients)
        chosen: dict[str, list[tuple[str, Rcpt]]] = {}
        for member, rcpt in known.items():
            if rcpt.state in scope and (not keys or rcpt.key in keys) and \
                    (not recipients or member in wanted):
                chosen.setdefault(rcpt.key, []).append((member, rcpt))
        if not chosen:
            where = f" in {', '.join(keys + recipients)}" if keys or recipients else ""
            raise ConfigError(f"{message_id}: nothing to resolve{where}: no recipient is "
                              f"{' or '.join(sorted(scope))}")
        done = []
        for key, group in sorted(chosen.items()):
            was = ", ".join(sorted({r.state for _, r in group}))
            ledger.record(key, message_id, state, group[0][1].revision,  # type: ignore[arg-type]
                          now=now, members=[m for m, _ in group], resolved=decision,
                          note=note, detail=f"resolved by an operator: {decision}"
                          + (f" ({note})" if note else ""))
            done.append(Resolved(key, len(group), was))
        ledger.sync()
        ledger.close()
        try:
            archive.refresh(root, ledger, message_id)
        except OSError as exc:
            raise LedgerError(f"recorded in the ledger, but the archive record could not be "
                              f"written ({exc.strerror or exc}); the next `publisher send` "
                              "writes it") from exc
    return done
