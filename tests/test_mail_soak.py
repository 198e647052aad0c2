"""Soak: a sender SIGKILLed at random points over many runs, a relay with mixed faults and a
CSV that changes between runs. Per recipient and message, at the end: delivered exactly
once, or reported ``failed``/``unknown`` — never silently missing, never twice.

Bounded: 22 short runs of the real CLI (well under two minutes); a fixed seed makes a
failure reproducible.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import DEMO_NOW
from mail_helpers import Handler, SmtpServer, point_at
from test_mail_edges import CSV_MESSAGES, people, use_people

from publisher.mail.ledger import Ledger
from publisher.mail.recipients import OPEN, rid, states
from publisher.mail.resolve import resolve
from publisher.mail.transport import PAUSE_AT, PAUSE_HOOK

RUNS = 20
POOL = people(40)
BOUNCE = POOL[7]
"""Refused permanently (550) whenever it is tried."""


def argv(root: Path) -> list[str]:
    return [sys.executable, "-m", "publisher", "send", str(root), "--now",
            DEMO_NOW.isoformat()]


def start(root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(argv(root), env=env, cwd=root.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def one_run(root: Path, rng: random.Random, marker: Path, whole: float) -> tuple[int, str]:
    """One send, killed at a random point (after a server's 250, or at a random moment
    within ``whole``, the seconds a whole run took last), or left to finish → (exit code,
    stderr)."""
    mode = rng.choice(["after-250", "timed", "finish"])
    env = dict(os.environ)
    marker.unlink(missing_ok=True)
    if mode == "after-250":
        env.update({PAUSE_HOOK: str(marker), PAUSE_AT: str(rng.randint(1, 14))})
    sender = start(root, env)
    # a random moment of a run however fast this machine is (fixed seconds were after the
    # end of most runs on a fast one, so nothing was killed)
    deadline = time.monotonic() + (rng.uniform(0.1, 0.9) * whole if mode == "timed" else 60)
    while sender.poll() is None and time.monotonic() < deadline and not marker.exists():
        time.sleep(0.02)
    if sender.poll() is None:
        sender.send_signal(signal.SIGKILL)
    _, err = sender.communicate(timeout=60)
    return sender.returncode, err


def resolve_from_relay_log(root: Path, handler: Handler) -> None:
    """The operator's recovery: an unknown batch whose Message-ID the relay logged for all
    its unknown recipients is delivered, for none not delivered; otherwise left unknown."""
    logged = {(r.message["Message-ID"], rid(a)) for r in handler.received for a in r.rcpt_tos}
    ledger = Ledger(root)
    for message in CSV_MESSAGES:
        unknown: dict[str, list[str]] = {}
        for member, rcpt in states(ledger.events(message)).items():
            if rcpt.state == "unknown" and rcpt.key.startswith("email:direct:"):
                unknown.setdefault(rcpt.key, []).append(member)
        for key, members in unknown.items():
            entry = ledger.state_of(message, key)
            assert entry is not None
            mail_id = entry.intent["mail_id"]
            seen = [(mail_id, m) in logged for m in members]
            if all(seen) or not any(seen):
                decision = "delivered" if all(seen) else "not-delivered"
                resolve(root, message, decision, DEMO_NOW, keys=(key,), note="relay log")


def test_soak_random_kills_mixed_faults_changing_csv(demo_copy: Path, tmp_path: Path) -> None:
    rng = random.Random(15)
    marker = tmp_path / "paused"
    handler = Handler(refuse={BOUNCE: "550 5.1.1 no such user"})
    errors: list[str] = []
    killed, whole = 0, 1.5
    with SmtpServer(handler) as server:
        point_at(demo_copy, server.port, batch_size=4)
        for _ in range(RUNS):
            current = rng.sample(POOL, rng.randint(20, 32))  # re-exported: new order, rows
            use_people(demo_copy, current)                    # added and removed
            handler.max_rcpts = rng.choice([0, 3])
            handler.drop_for = {rng.choice(POOL)} if rng.random() < 0.4 else set()
            handler.refuse_times = {rng.choice(POOL): ["451 4.7.1 Greylisted"]}
            started = time.monotonic()
            code, err = one_run(demo_copy, rng, marker, whole)
            if code >= 0:  # not killed: a whole run
                whole = time.monotonic() - started
            errors.append(err)
            killed += code == -signal.SIGKILL
            if rng.random() < 0.5:
                resolve_from_relay_log(demo_copy, handler)
        # The faults clear (except the bounce); runs to completion until nothing is left.
        handler.max_rcpts, handler.drop_for, handler.refuse_times = 0, set(), {}
        resolve_from_relay_log(demo_copy, handler)
        finals = [subprocess.run(argv(demo_copy), capture_output=True, text=True,
                                 cwd=demo_copy.parent, timeout=120) for _ in range(2)]
    assert killed >= RUNS // 3, killed  # the soak really killed senders mid-run
    assert not [e for e in errors + [f.stderr for f in finals] if "Traceback" in e]
    got = Counter(handler.per_recipient())
    assert max(got.values()) == 1, [k for k, n in got.items() if n > 1]  # never twice
    ledger = Ledger(demo_copy)
    reported = 0
    for message in CSV_MESSAGES:
        known = states(ledger.events(message))
        for address in current:
            state = known.get(rid(address))
            delivered = got[(message, address)]
            assert state is not None, (message, address)  # never silently missing
            if state.state == "sent":
                assert delivered == 1, (message, address)  # the ledger never lies
            elif delivered == 0:
                assert state.state in OPEN, (message, address, state)
                assert state.detail  # with the reason
                reported += 1
    assert finals[-1].returncode == (1 if reported or any(
        r.state in OPEN for m in CSV_MESSAGES for r in states(ledger.events(m)).values())
        else 0), finals[-1].stdout
