"""Getting bytes to a mail server, and saying exactly how sure we are that they arrived.

Every send returns an ``Outcome`` with one of three states:

- ``sent``: the server accepted the message (250 after DATA) for at least one recipient;
  recipients it refused permanently are in ``refused``, temporarily in ``deferred``.
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
from .recipients import reply_code

OutcomeState = Literal["sent", "failed", "unknown"]
PAUSE_HOOK = "PUBLISHER_MAIL_PAUSE_AFTER_DATA"
"""Test hook: a file path. After the server acknowledges DATA, the sender creates that file
and sleeps, so a test can SIGKILL it between the server's 250 and the ledger write.
``PUBLISHER_MAIL_PAUSE_AT=N`` pauses at the N-th acknowledged transaction instead of the
first, so a test can kill a sender part-way through a CSV."""
PAUSE_AT = "PUBLISHER_MAIL_PAUSE_AT"
_acknowledged = 0


@dataclass
class Outcome:
    state: OutcomeState
    detail: str = ""
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    permanent: bool = False
    attempts: int = 1
    deferred: dict[str, str] = field(default_factory=dict)
    """Recipients refused temporarily (4xx) in every attempt: retried by the next run."""
    unsure: list[str] = field(default_factory=list)
    """Recipients of a transaction whose reply after DATA was lost: delivery unknown."""


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
    global _acknowledged
    marker = os.environ.get(PAUSE_HOOK)
    _acknowledged += 1
    if marker and _acknowledged >= int(os.environ.get(PAUSE_AT, "1")):
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
        """Deliver ``data`` to ``recipients``; 4xx and early disconnects are retried.

        Recipients a transaction refused temporarily (452 "too many recipients", 451) get a
        fresh transaction, as RFC 5321 asks, within the same bounded backoff.
        """
        del name
        tally = _Tally(list(recipients))
        failures = 0
        while failures < self.backoff.attempts:
            if failures:
                time.sleep(self.backoff.delay(failures - 1))
            before = len(tally.accepted)
            try:
                self._transaction(sender, data, tally)
            except _Retry as retry:
                tally.last = retry.detail
                self._drop()
                failures += 1
                tally.attempts += 1
                continue
            except _Failed as failed:
                self._reset()
                for rcpt in tally.pending:
                    tally.refused[rcpt] = failed.detail
                tally.pending = []
                break
            if tally.unsure or not tally.pending:
                break
            # A transaction that got some recipients through (a relay's per-transaction
            # limit) is progress, not a failure: the rest go at once in the next one.
            if len(tally.accepted) == before:
                failures += 1
                tally.attempts += 1
        return tally.outcome(self.backoff.attempts)

    def _transaction(self, sender: str, data: bytes, tally: _Tally) -> None:
        """One MAIL/RCPT/DATA transaction for ``tally.pending``, updating the tally.

        Permanent per-recipient refusals go to ``refused``, temporary ones stay pending.
        Raises ``_Retry`` for a temporary failure before DATA and ``_Failed`` for a
        permanent one; a lost reply after DATA marks the transaction's recipients unsure.
        """
        smtp = self._connection()
        try:
            code, text = smtp.mail(sender)
            if code >= 500:
                raise _Failed(_reply(code, text))
            if code >= 400:
                raise _Retry(_reply(code, text))
            ok, temporary = self._rcpts(smtp, tally)
            if not ok:
                smtp.rset()
                tally.pending = temporary
                tally.last = "; ".join(sorted({tally.deferred[r] for r in temporary}))
                return
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
            tally.ambiguous(ok, temporary, f"connection lost after DATA, delivery unknown: {exc}")
            return
        except (TimeoutError, OSError) as exc:
            self._drop()
            tally.ambiguous(ok, temporary, f"no reply after DATA, delivery unknown: {exc}")
            return
        if code == 250:
            _pause_after_data()
            tally.took(ok, temporary)
            return
        if code >= 500:
            raise _Failed(_reply(code, text))
        # 4xx after DATA: the server says it did not take the message; safe to retry.
        raise _Retry(_reply(code, text))


    @staticmethod
    def _rcpts(smtp: smtplib.SMTP, tally: _Tally) -> tuple[list[str], list[str]]:
        """RCPT TO for each pending recipient → (accepted, refused for now); permanent
        refusals go to the tally, a 421 (closing) means try the transaction again."""
        ok: list[str] = []
        temporary: list[str] = []
        for rcpt in tally.pending:
            code, text = smtp.rcpt(rcpt)
            if code in (250, 251):
                ok.append(rcpt)
            elif code == 421:
                raise _Retry(_reply(code, text))
            elif code >= 500:
                tally.refused[rcpt] = _reply(code, text)
            else:
                temporary.append(rcpt)
                tally.deferred[rcpt] = _reply(code, text)
        return ok, temporary


@dataclass
class _Tally:
    """What one ``send`` has learnt so far, recipient by recipient."""

    pending: list[str]
    accepted: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    deferred: dict[str, str] = field(default_factory=dict)
    unsure: list[str] = field(default_factory=list)
    last: str = ""
    unknown_detail: str = ""
    attempts: int = 1
    """Attempts that made no progress, plus the first."""

    def took(self, ok: list[str], temporary: list[str]) -> None:
        self.accepted += ok
        for rcpt in ok:
            self.deferred.pop(rcpt, None)
        self.pending = temporary
        self.last = "; ".join(sorted({self.deferred[r] for r in temporary}))

    def ambiguous(self, ok: list[str], temporary: list[str], detail: str) -> None:
        self.unsure = ok
        for rcpt in ok:
            self.deferred.pop(rcpt, None)
        self.pending = temporary
        self.unknown_detail = detail

    def outcome(self, limit: int) -> Outcome:
        """The send's one state, and every recipient's part in it."""
        self.attempts = min(self.attempts, limit)
        for rcpt in self.pending:
            self.deferred[rcpt] = self.deferred.get(rcpt) or self.last
        deferred = {r: why for r, why in self.deferred.items() if r in set(self.pending)}
        parts = [f"accepted for {len(self.accepted)} recipient(s)"] if self.accepted else []
        if self.unsure:
            parts.append(f"unknown for {len(self.unsure)}: {self.unknown_detail}")
        if deferred:
            parts.append(f"refused temporarily for {len(deferred)} "
                         f"({_gave_up(self.attempts, limit)}{_sample(deferred)})")
        if self.refused:
            parts.append(f"refused permanently for {len(self.refused)} ({_sample(self.refused)})")
        detail = ", ".join(parts)
        if self.accepted:
            state: OutcomeState = "sent"
        elif self.unsure:
            state = "unknown"
        else:
            state = "failed"
        permanent = state == "failed" and not deferred
        if state == "failed" and not deferred and not self.refused:
            detail = self.last
        return Outcome(state, detail, self.accepted, dict(self.refused), permanent,
                       self.attempts, deferred, list(self.unsure))


def _gave_up(attempts: int, limit: int) -> str:
    return f"gave up after {attempts} attempt(s): " if attempts >= limit else ""


def _sample(replies: dict[str, str]) -> str:
    """The distinct reply codes: a reply's text may name the address (personal data), and
    this detail goes into the ledger."""
    return "; ".join(sorted({reply_code(r) for r in replies.values()})[:3])


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
