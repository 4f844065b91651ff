"""Sending email, as the outbox sees it: one message handed to a mail server, and what it said.

`Mailer` is the interface; `SmtpMailer` implements it with the standard library's smtplib
(blocking: call it from a worker thread). Every failure is either MailUnavailable (try again
later: a 4xx reply, a refused or dropped connection) or MailRefused (a 5xx reply, a login the
server refuses, no TLS where the URL asks for it): retrying cannot fix it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_TIMEOUT = 30.0  # seconds for each connect, read and write
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


class MailError(Exception):
    """The mail server did not take the message; the text is the server's own reply."""

    def __init__(self, text: str, code: int | None = None) -> None:
        super().__init__(text)
        self.code = code


class MailUnavailable(MailError):
    """Try again later: nothing was delivered, or (a dropped connection) it is unknown."""


class MailRefused(MailError):
    """Retrying cannot help: a 5xx reply, a refused login, TLS that cannot be set up."""


class SmtpUrlProblem(ValueError):
    """WARROOM_SMTP_URL cannot be used; the message never repeats the URL (it holds a
    password)."""


@dataclass(frozen=True)
class Refusal:
    code: int
    text: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


@dataclass(frozen=True)
class SmtpSettings:
    """WARROOM_SMTP_URL, read: `smtp://user:pass@host:587?starttls=true`, `smtps://…`."""

    host: str
    port: int
    implicit_tls: bool  # smtps://: TLS from the first byte
    starttls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def described(self) -> str:
        """For the log: where mail goes and how, never the password."""
        how = "TLS" if self.implicit_tls else "STARTTLS" if self.starttls else "no TLS"
        login = f", login as {self.username}" if self.username else ""
        return f"{self.host}:{self.port} ({how}{login})"

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in {"smtp", "smtps"}:
            raise SmtpUrlProblem("use smtp://host:587?starttls=true or smtps://host:465")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise SmtpUrlProblem("the port is not a number from 1 to 65535") from None
        if not host:
            raise SmtpUrlProblem("name the mail server: smtp://user:pass@mail.example.com:587")
        query = _query(parts.query)
        starttls = _flag(query, "starttls", default=False)
        if scheme == "smtps" and starttls:
            raise SmtpUrlProblem("smtps:// is TLS already; starttls=true is for smtp://")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if password and scheme == "smtp" and not starttls:
            raise SmtpUrlProblem(
                "the password would cross the network unencrypted: add ?starttls=true, "
                "or use smtps://"
            )
        default_port = 465 if scheme == "smtps" else 587 if starttls else 25
        return cls(
            host=host,
            port=port or default_port,
            implicit_tls=scheme == "smtps",
            starttls=starttls,
            username=username,
            password=password,
            timeout=_timeout(query),
        )


def _query(text: str) -> dict[str, str]:
    known = {"starttls", "timeout"}
    given = parse_qs(text, keep_blank_values=True)
    unknown = sorted(set(given) - known)
    if unknown:
        raise SmtpUrlProblem(f"unknown option {unknown[0]!r} (known: starttls, timeout)")
    return {key: values[-1] for key, values in given.items()}


def _flag(query: dict[str, str], key: str, *, default: bool) -> bool:
    value = query.get(key)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise SmtpUrlProblem(f"{key} must be true or false")


def _timeout(query: dict[str, str]) -> float:
    value = query.get("timeout")
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 300:
        raise SmtpUrlProblem("timeout is seconds, more than 0 and at most 300")
    return seconds


class Mailer(Protocol):
    def send(self, message: EmailMessage, recipients: list[str]) -> dict[str, Refusal]:
        """Hand the message over for these recipients (the envelope's RCPT TO; its headers
        may name more). Returns the recipients the server refused while it accepted the
        rest; raises MailUnavailable or MailRefused when it took the message for nobody."""
        ...


class SmtpMailer:
    """One SMTP session per message: outbox deliveries are rare and minutes apart."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage, recipients: list[str]) -> dict[str, Refusal]:
        try:
            refused = self._send(message, recipients)
        except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused
            return {to: _refusal(code, text) for to, (code, text) in exc.recipients.items()}
        except smtplib.SMTPAuthenticationError as exc:
            raise MailRefused(
                f"the mail server refused Warroom's login ({_reply(exc)}); "
                "check the user and password in WARROOM_SMTP_URL",
                exc.smtp_code,
            ) from None
        except smtplib.SMTPResponseException as exc:  # sender, data, HELO: by reply code
            kind = MailRefused if exc.smtp_code >= 500 else MailUnavailable
            raise kind(_reply(exc), exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailRefused(f"the mail server does not offer what is needed: {exc}") from None
        except ssl.SSLCertVerificationError as exc:
            raise MailRefused(f"the mail server's certificate is not trusted: {exc}") from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, dropped, timed out, TLS
            raise MailUnavailable(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None
        return {to: _refusal(code, text) for to, (code, text) in refused.items()}

    def _send(self, message: EmailMessage, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
        smtp = self._session()
        try:
            return smtp.send_message(message, to_addrs=recipients)
        finally:
            _quit(smtp)

    def _session(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.implicit_tls:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                smtp.starttls(context=context)  # raises SMTPNotSupportedError if not offered
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    """Say goodbye, whatever the server answers: once it accepted the message, a failing QUIT
    must not make the delivery look failed (and be repeated)."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _refusal(code: int, text: bytes | str) -> Refusal:
    return Refusal(code, text.decode("utf-8", "replace") if isinstance(text, bytes) else text)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return str(_refusal(exc.smtp_code, exc.smtp_error))
