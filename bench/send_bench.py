"""Benchmark: `publisher send` to 10,000 direct recipients against aiosmtpd on loopback.

Compares the full pipeline (check, plan, compose, ledger intent + result per transaction,
archive) with a bare smtplib loop sending the same bytes in the same transactions over one
reused connection, in the same run and against the same server. The server runs in its own
process so it does not share the sender's interpreter.

    python bench/send_bench.py                 # 10,000 recipients, batch sizes 1 and 50
    python bench/send_bench.py --recipients 2000 --batch 1

Prints transactions (emails) per second, recipients per second, and the ratio
pipeline / bare (target ≥ 0.8).
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import shutil
import smtplib
import socket
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402
from rich.console import Console  # noqa: E402

from publisher.check import check  # noqa: E402
from publisher.mail.run import Options, send  # noqa: E402

NOW = datetime.fromisoformat("2026-11-18T09:15:00+00:00")
"""Only the student-records notice (09:10) and a list-only reminder are due at this moment."""
AUDIENCE = "business-systems-key-users"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    """An aiosmtpd server that accepts and counts (in its own process)."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


def prepare(root: Path, port: int, recipients: int, batch: int) -> None:
    shutil.copytree(REPO / "content", root)
    rows = ["email"] + [f"person{i:05d}@staff.westmarch.example" for i in range(recipients)]
    (root / "direct.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    path = root / "audiences.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for audience in data["audiences"]:
        if audience["id"] == AUDIENCE:
            audience["recipients_csv"] = "direct.csv"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    path = root / "organisation.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["email"].update(transport="smtp", batch_size=batch,
                         smtp={"host": "127.0.0.1", "port": port, "security": "none"})
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def pipeline(root: Path) -> tuple[float, float, int, int]:
    """(seconds end to end, seconds of the content check alone, transactions, recipients)."""
    started = time.perf_counter()
    check(root, NOW)
    checked = time.perf_counter() - started
    started = time.perf_counter()
    summary = send(root, NOW, Options(), Console(file=io.StringIO()))
    elapsed = time.perf_counter() - started
    assert summary.ok, [r.outcome.detail for r in summary.results if r.outcome.state != "sent"]
    rcpts = sum(len(r.outcome.accepted) for r in summary.results)
    return elapsed, checked, len(summary.results), rcpts


def bare(root: Path, port: int) -> tuple[float, int, int]:
    """The same transactions with smtplib alone: the archived bytes, the same batches."""
    eml = next((root / "archive").rglob("01-notice.r1.eml")).read_bytes()
    recipients = [line.strip() for line in (root / "direct.csv").read_text().splitlines()[1:]]
    data = yaml.safe_load((root / "organisation.yml").read_text())
    batch = data["email"]["batch_size"]
    batches = [recipients[i:i + batch] for i in range(0, len(recipients), batch)]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for group in batches:
            smtp.sendmail("it-news@westmarch.example", group, eml)
    return time.perf_counter() - started, len(batches), len(recipients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--batch", type=int, action="append",
                        help="batch sizes to run (default: 1 and 50)")
    args = parser.parse_args()
    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, ready), daemon=True)
    server.start()
    ready.wait(30)
    try:
        print(f"send_bench: {args.recipients:,} direct recipients, aiosmtpd on 127.0.0.1 "
              f"(own process), Python {sys.version.split()[0]}")
        for batch in args.batch or [1, 50]:
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp) / "content"
                prepare(root, port, args.recipients, batch)
                elapsed, checked, transactions, rcpts = pipeline(root)
                bare_elapsed, bare_tx, _ = bare(root, port)
            send_only = elapsed - checked
            ratio = (bare_elapsed / bare_tx) / (send_only / transactions)
            print(f"batch {batch:>3}: pipeline {transactions:>6,} emails to {rcpts:,} "
                  f"recipients in {elapsed:6.2f}s ({checked:.2f}s content check) = "
                  f"{transactions / send_only:8.1f} emails/s, {rcpts / send_only:9.1f} rcpt/s | "
                  f"bare smtplib {bare_tx:>6,} emails in {bare_elapsed:6.2f}s = "
                  f"{bare_tx / bare_elapsed:8.1f} emails/s | ratio {ratio:.2f} "
                  f"(end to end {ratio * send_only / elapsed:.2f})")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
