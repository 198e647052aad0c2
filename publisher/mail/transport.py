"""Getting bytes to a mail server, and saying exactly how sure we are that they arrived.

Every send returns an ``Outcome`` with one of three states:

- ``sent``: the server accepted the message (250 after DATA) for at least one recipient;
  recipients it refused are listed in ``refused``.
- ``failed``: we know it was *not* accepted (refused before or at DATA, no connection).
  ``permanent`` is true for 5xx replies: a plain re-run must not try again.
- ``unknown``: the connection was lost after the message data was sent and before the
  server's reply was read. It may or may not have been delivered; it is never retried
  automatically.

4xx replies (421 service unavailable, 451 local error…) and lost connections *before* DATA
are retried with bounded exponential backoff and full jitter on a fresh connection.
"""

from __future__ import annotations

import contextlib
import os
import random
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from ..content.model import SmtpSettings
from ..errors import ConfigError

OutcomeState = Literal["sent", "failed", "unknown"]
PAUSE_HOOK = "PUBLISHER_MAIL_PAUSE_AFTER_DATA"
"""Test hook: a file path. After the server acknowledges DATA, the sender creates that file
and sleeps, so a test can SIGKILL it between the server's 250 and the ledger write."""


@dataclass
class Outcome:
    state: OutcomeState
    detail: str = ""
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    permanent: bool = False
    attempts: int = 1


class Transport(Protocol):
    name: str

    def send(self, sender: str, recipients: list[str], data: bytes, name: str) -> Outcome: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff with full jitter: attempt n waits U(0, min(cap, base·2ⁿ))."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * (2 ** attempt)))


def _pause_after_data() -> None:
    marker = os.environ.get(PAUSE_HOOK)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(300)


# --------------------------------------------------------------------------- outbox


class OutboxTransport:
    """Write each email as an ``.eml`` file (and its envelope as JSON): no server needed."""

    name = "outbox"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, sender: str, recipients: list[str], data: bytes, name: str) -> Outcome:
        import json

        self.directory.mkdir(parents=True, exist_ok=True)
        stem = name.replace("/", "__").replace(":", "_")
        envelope = {"mail_from": sender, "rcpt_to": recipients}
        (self.directory / f"{stem}.envelope.json").write_text(
            json.dumps(envelope, indent=2) + "\n", encoding="utf-8")
        target = self.directory / f"{stem}.eml"
        partial = target.with_suffix(".eml.part")
        partial.write_bytes(data)
        partial.replace(target)
        return Outcome("sent", f"written to {target}", accepted=list(recipients))

    def close(self) -> None:
        return None


# --------------------------------------------------------------------------- smtp


class _Retry(Exception):
    """A temporary failure before DATA: reconnect and try again."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class SmtpTransport:
    """SMTP with STARTTLS or implicit TLS and AUTH, reusing one connection for every send."""

    name = "smtp"

    def __init__(self, settings: SmtpSettings, backoff: Backoff | None = None,
                 ssl_context: ssl.SSLContext | None = None,
                 environ: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.backoff = backoff or Backoff()
        self.context = ssl_context or ssl.create_default_context()
        env = os.environ if environ is None else environ
        self.password: str | None = None
        if settings.username:
            self.password = env.get(settings.password_env)
            if not self.password:
                raise ConfigError(f"email.smtp.username is set but the password variable "
                                  f"${settings.password_env} is empty or not set")
        self._smtp: smtplib.SMTP | None = None

    # ------------------------------------------------------------------ connection

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                  context=self.context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise ConfigError(f"{s.host}:{s.port} does not offer STARTTLS "
                                      "(set email.smtp.security to tls or none)")
                smtp.starttls(context=self.context)
                smtp.ehlo()
            if s.username:
                assert self.password is not None
                self._login(smtp, s.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    @staticmethod
    def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
        """AUTH PLAIN when offered (one attempt, so a wrong password is one failure in the
        server's lockout count, not one per mechanism), else smtplib's choice."""
        mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
        if "PLAIN" not in mechanisms:
            smtp.login(user, password)
            return
        smtp.user, smtp.password = user, password
        code, text = smtp.auth("PLAIN", smtp.auth_plain)
        if code not in (235, 503):
            raise smtplib.SMTPAuthenticationError(code, text)

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except smtplib.SMTPAuthenticationError as exc:
                raise ConfigError(f"SMTP login as {self.settings.username} refused: "
                                  f"{_reply(exc.smtp_code, exc.smtp_error)}") from exc
            except smtplib.SMTPResponseException as exc:
                raise _Retry(_reply(exc.smtp_code, exc.smtp_error)) from exc
            except (OSError, smtplib.SMTPException) as exc:
                raise _Retry(f"cannot connect to {self.settings.host}:{self.settings.port}: "
                             f"{exc}") from exc
        return self._smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def _reset(self) -> None:
        """After a refused transaction: RSET, or a fresh connection next time."""
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (OSError, smtplib.SMTPException):
                self._drop()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._drop()

    # ------------------------------------------------------------------ sending

    def send(self, sender: str, recipients: list[str], data: bytes, name: str) -> Outcome:
        """Deliver ``data`` to ``recipients``; 4xx and early disconnects are retried."""
        del name
        pending = list(recipients)
        accepted: list[str] = []
        refused: dict[str, str] = {}
        last = ""
        for attempt in range(self.backoff.attempts):
            if attempt:
                time.sleep(self.backoff.delay(attempt - 1))
            try:
                done, temporary, unknown = self._transaction(sender, pending, data, refused)
            except _Retry as retry:
                last = retry.detail
                self._drop()
                continue
            except _Failed as failed:
                self._reset()
                for rcpt in pending:
                    refused.setdefault(rcpt, failed.detail)
                if accepted:
                    break
                return Outcome("failed", failed.detail, [], refused, permanent=True,
                               attempts=attempt + 1)
            accepted += done
            if unknown is not None:
                return Outcome("unknown", unknown, accepted, refused, attempts=attempt + 1)
            pending = temporary
            if not pending:
                break
            last = "; ".join(refused.get(r, "") for r in pending)
        else:
            if not accepted:
                for rcpt in pending:
                    refused.setdefault(rcpt, last)
                return Outcome("failed", f"gave up after {self.backoff.attempts} attempts: "
                               f"{last}", [], refused, attempts=self.backoff.attempts)
        for rcpt in pending:
            refused.setdefault(rcpt, last)
        for rcpt in accepted:
            refused.pop(rcpt, None)
        if accepted:
            detail = f"accepted for {len(accepted)} recipient(s)"
            if refused:
                detail += f", refused for {len(refused)}"
            return Outcome("sent", detail, accepted, refused, attempts=attempt + 1)
        return Outcome("failed", "every recipient was refused: " + "; ".join(
            f"{r}: {why}" for r, why in refused.items()), [], refused, permanent=True,
            attempts=attempt + 1)

    def _transaction(self, sender: str, recipients: list[str], data: bytes,
                     refused: dict[str, str]) -> tuple[list[str], list[str], str | None]:
        """One MAIL/RCPT/DATA transaction → (accepted, temporarily refused, unknown detail).

        Permanent per-recipient refusals are added to ``refused``. Raises ``_Retry`` for a
        temporary failure before DATA and ``_Failed`` for a permanent one.
        """
        smtp = self._connection()
        try:
            code, text = smtp.mail(sender)
            if code >= 500:
                raise _Failed(_reply(code, text))
            if code >= 400:
                raise _Retry(_reply(code, text))
            ok: list[str] = []
            temporary: list[str] = []
            for rcpt in recipients:
                code, text = smtp.rcpt(rcpt)
                if code in (250, 251):
                    ok.append(rcpt)
                elif code == 421:
                    raise _Retry(_reply(code, text))
                elif code >= 500:
                    refused[rcpt] = _reply(code, text)
                else:
                    temporary.append(rcpt)
                    refused[rcpt] = _reply(code, text)
            if not ok:
                smtp.rset()
                return [], temporary, None
        except smtplib.SMTPServerDisconnected as exc:
            raise _Retry(f"connection lost before DATA: {exc}") from exc
        except (OSError, smtplib.SMTPResponseException) as exc:
            raise _Retry(f"error before DATA: {exc}") from exc
        try:
            code, text = smtp.docmd("DATA")
        except (OSError, smtplib.SMTPException) as exc:
            raise _Retry(f"connection lost at DATA: {exc}") from exc
        if code != 354:
            if code >= 500:
                raise _Failed(_reply(code, text))
            raise _Retry(_reply(code, text))
        # From here on the message may reach the server: a lost connection is ambiguous.
        try:
            smtp.send(_dot_stuffed(data))
            code, text = smtp.getreply()
        except smtplib.SMTPServerDisconnected as exc:
            self._smtp = None
            return [], [], f"connection lost after DATA, delivery unknown: {exc}"
        except (TimeoutError, OSError) as exc:
            self._drop()
            return [], [], f"no reply after DATA, delivery unknown: {exc}"
        if code == 250:
            _pause_after_data()
            return ok, temporary, None
        if code >= 500:
            raise _Failed(_reply(code, text))
        # 4xx after DATA: the server says it did not take the message; safe to retry.
        raise _Retry(_reply(code, text))


class _Failed(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _dot_stuffed(data: bytes) -> bytes:
    """CRLF line ends, leading dots doubled, and the terminating ``.`` line (RFC 5321)."""
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def make_transport(kind: str, settings: SmtpSettings, outbox: Path,
                   backoff: Backoff | None = None,
                   ssl_context: ssl.SSLContext | None = None) -> Transport:
    if kind == "smtp":
        return SmtpTransport(settings, backoff, ssl_context)
    return OutboxTransport(outbox)
