"""Real parts for the mail tests: an aiosmtpd server on loopback with scripted replies, a
test certificate authority, a local HTTP server for webhooks, and content pointed at them."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import ipaddress
import json
import socket
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import DEMO_NOW
from rich.console import Console

from publisher.mail.run import Options, Summary, print_summary, send
from publisher.mail.transport import Backoff

DEMO_THREAD = "2026-11-18-student-records-outage"
DUE_AT_DEMO = [
    "2026-11-18-library-catalogue-upgrade/02-reminder",
    f"{DEMO_THREAD}/01-notice",
    f"{DEMO_THREAD}/02-update",
    f"{DEMO_THREAD}/03-extension",
]
"""What the demo sends at DEMO_NOW: approved, due, email channel, within the last 24 hours."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Handler:
    """Records every accepted message; replies as scripted."""

    received: list[Received] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    """Replies to DATA, consumed one per transaction before accepting (e.g. 421, 451, 550)."""
    refuse: dict[str, str] = field(default_factory=dict)
    """RCPT TO address → reply (e.g. ``550 5.1.1 no such user``)."""
    refuse_times: dict[str, list[str]] = field(default_factory=dict)
    """RCPT TO address → replies used one per RCPT, then accepted (e.g. greylisting)."""
    max_rcpts: int = 0
    """Accept at most this many recipients per transaction, 452 for the rest (0: any)."""
    drop_after_data: bool = False
    """Take the message, then drop the connection without replying."""
    drop_for: set[str] = field(default_factory=set)
    """Drop after DATA only for transactions to any of these recipients."""
    delay: float = 0.0
    """Seconds to think before replying to DATA (makes concurrent senders overlap)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        queue = self.refuse_times.get(address)
        if queue:
            return queue.pop(0)
        if self.max_rcpts and len(envelope.rcpt_tos) >= self.max_rcpts:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.data_replies:
                return self.data_replies.pop(0)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
            if self.drop_after_data or self.drop_for & set(envelope.rcpt_tos):
                server.transport.abort()
        return "250 2.0.0 Message accepted"

    def per_recipient(self) -> Counter[tuple[str, str]]:
        """(message id, recipient) → how many times the server accepted it."""
        return Counter((r.message["X-Publisher-Message"].split()[0], rcpt)
                       for r in self.received for rcpt in r.rcpt_tos)

    def by_subject(self) -> dict[str, Received]:
        return {r.message["Subject"]: r for r in self.received}


class SmtpServer:
    """aiosmtpd on 127.0.0.1: plain, STARTTLS (+AUTH) or implicit TLS."""

    def __init__(self, handler: Handler | None = None, *, tls: ssl.SSLContext | None = None,
                 implicit_tls: bool = False, auth: tuple[str, str] | None = None) -> None:
        self.handler = handler or Handler()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if tls is not None and not implicit_tls:
            kwargs.update(tls_context=tls, require_starttls=True)
        if implicit_tls:
            kwargs.update(ssl_context=tls)
        if auth is not None:
            user, password = auth

            def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
                ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
                      and auth_data.password == password.encode())
                return AuthResult(success=ok, handled=False)

            kwargs.update(authenticator=authenticator, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received


# --------------------------------------------------------------------------- TLS


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1 → (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def client_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


# --------------------------------------------------------------------------- webhooks


@dataclass
class Hook:
    path: str
    body: dict[str, Any]


class WebhookServer:
    """A local HTTP server that records JSON posts; ``status`` scripts its replies."""

    def __init__(self) -> None:
        self.posts: list[Hook] = []
        self.statuses: list[int] = []
        owner = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                status = owner.statuses.pop(0) if owner.statuses else 200
                if status == 200:
                    owner.posts.append(Hook(self.path, body))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- content


def point_at(root: Path, port: int, *, security: str = "none", username: str | None = None,
             **email: Any) -> None:
    """Point a content copy's email settings at a test SMTP server."""
    path = root / "organisation.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["email"].update(email)
    data["email"]["transport"] = "smtp"
    smtp = {"host": "127.0.0.1", "port": port, "security": security, "timeout": 10}
    if username:
        smtp.update(username=username, password_env="TEST_SMTP_PASSWORD")
    data["email"]["smtp"] = smtp
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


FAST = Backoff(attempts=4, base=0.01, cap=0.05)


def run_send(root: Path, **kwargs: Any) -> tuple[Summary, str]:
    """``publisher send`` in-process at the demo moment → (summary, everything it printed)."""
    out = io.StringIO()
    console = Console(file=out, width=200, highlight=False)
    options = Options(smtp_backoff=FAST, webhook_backoff=FAST, **kwargs)
    summary = send(root, DEMO_NOW, options, console)
    print_summary(console, summary)
    return summary, out.getvalue()


def ledger_lines(root: Path, message_id: str) -> list[dict[str, Any]]:
    thread, _, name = message_id.partition("/")
    path = root / "ledger" / thread / f"{name or 'message'}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def kill_after_ack(root: Path, marker: Path, at: int = 1) -> None:
    """Run ``publisher send`` in a subprocess and SIGKILL it right after the server's 250 for
    its ``at``-th transaction, before the result reaches the ledger."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from publisher.mail.transport import PAUSE_AT, PAUSE_HOOK

    env = dict(os.environ, **{PAUSE_HOOK: str(marker), PAUSE_AT: str(at)})
    argv = [sys.executable, "-m", "publisher", "send", str(root), "--now",
            DEMO_NOW.isoformat()]
    sender = subprocess.Popen(argv, env=env, cwd=root.parent, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert sender.poll() is None, sender.communicate()
        assert time.monotonic() < deadline, "the sender never reached the pause hook"
        time.sleep(0.05)
    os.kill(sender.pid, signal.SIGKILL)
    sender.wait(timeout=30)
    assert sender.returncode == -signal.SIGKILL
