"""Carries out an audience's email (outbox op email) through the mail server.

Exactly once, as far as SMTP allows:
- The row's Message-ID (`<outbox-123.<random>.warroom@sender-domain>`) is recorded in the
  row before the first attempt sends anything, so every attempt carries the same one.
- A refusal (4xx, 5xx) or a connection that fails before the server accepted the message
  delivered nothing: retrying cannot duplicate it.
- Recipients the server accepted while it refused others for now are recorded before the row
  is retried, and the retry goes to the others only.
- The one gap SMTP leaves: the server accepted the message (`250` after DATA) and the process
  died, or the connection dropped before the reply arrived, or the lease lapsed, before the
  row was marked sent. The retry then sends it again, with the SAME Message-ID; SMTP has no way
  to ask whether a message arrived. Mail systems and clients that dedupe by Message-ID (many
  do) show it once; others show it twice. That window is the length of one SMTP reply.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from app.clock import Clock
from app.domain.email_addresses import domain_of, parse_address
from app.integrations.mail import Mailer, MailRefused, MailUnavailable, Refusal
from app.rendering.email import email_text, html_with_names, mentioned, subject_line
from app.services import outbox_messages as said
from app.services.delivery import CannotRender, GiveUp, RetryLater, Work, retry_delay

log = logging.getLogger(__name__)
# Persists one finished step of the row (delivery.record_step, in a worker thread).
StepRecorder = Callable[[Work, str, dict[str, Any]], Awaitable[None]]
Names = Callable[[str], Awaitable[str | None]]  # a user ID's name, for mentions; None: unknown


async def _no_names(user_id: str) -> str | None:
    return None


class EmailSender:
    def __init__(
        self,
        mailer: Mailer | None,
        clock: Clock,
        *,
        record_step: StepRecorder | None = None,
        names: Names = _no_names,
    ) -> None:
        self.mailer = mailer
        self.clock = clock
        self.record_step = record_step
        self.names = names

    async def deliver(self, work: Work) -> dict[str, Any]:
        email = _decoded(work)
        if self.mailer is None:
            raise GiveUp("email is not set up: WARROOM_SMTP_URL is unset")
        message_id = await self._message_id(work, email)
        reached: list[str] = list((work.progress.get("accepted") or {}).get("to", []))
        refused: dict[str, str] = dict(work.progress.get("refused") or {})
        pending = [a for a in _envelope(email.to) if a not in reached and a not in refused]
        if pending:
            message = _message(email, message_id, await self._names_in(email), self.clock)
            answer = await asyncio.to_thread(self._send, message, pending, work.attempts)
            reached += [a for a in pending if a not in answer]
            refused |= {a: str(r) for a, r in answer.items() if r.permanent}
            later = {a: r for a, r in answer.items() if not r.permanent}
            if later:
                await self._remember(work, "accepted", {"to": reached})
                await self._remember(work, "refused", refused)
                reasons = "; ".join(f"{a}: {r}" for a, r in later.items())
                raise RetryLater(retry_delay(work.attempts), f"refused for now: {reasons}", False)
        if not reached:
            reasons = "; ".join(f"{a}: {r}" for a, r in refused.items())
            raise GiveUp(f"the mail server refused every recipient ({reasons})")
        return {"message_id": message_id, "accepted": reached, "refused": refused}

    def _send(
        self, message: EmailMessage, recipients: list[str], attempts: int
    ) -> dict[str, Refusal]:
        """In a worker thread: the recipients refused while others were accepted."""
        assert self.mailer is not None
        try:
            return self.mailer.send(message, recipients)
        except MailUnavailable as exc:
            raise RetryLater(retry_delay(attempts), f"mail server: {exc}", landed=None) from None
        except MailRefused as exc:
            raise GiveUp(f"the mail server refused it: {exc}") from None

    async def _message_id(self, work: Work, email: said.Email) -> str:
        """The row's Message-ID: made and recorded before the first attempt sends anything."""
        known = (work.progress.get("message_id") or {}).get("id")
        if known:
            return str(known)
        made = f"<outbox-{work.id}.{secrets.token_hex(6)}.warroom@{domain_of(email.sender)}>"
        await self._remember(work, "message_id", {"id": made})
        return made

    async def _remember(self, work: Work, step: str, result: dict[str, Any]) -> None:
        if self.record_step is not None:
            await self.record_step(work, step, result)  # LeaseLost: another process has it
        work.progress[step] = result

    async def _names_in(self, email: said.Email) -> dict[str, str]:
        people = sorted(mentioned(email.text, email.subject, email.html))
        found = await asyncio.gather(*(self.names(p) for p in people))
        return {p: n for p, n in zip(people, found, strict=True) if n}


def _decoded(work: Work) -> said.Email:
    try:
        message = said.decode(work.payload)
    except said.Undeliverable as exc:
        raise CannotRender(str(exc)) from exc
    if not isinstance(message, said.Email):
        raise CannotRender(f"an email row carries a {message.KIND} message")
    return message


def _envelope(to: list[str]) -> list[str]:
    """The bare addresses the server is asked to deliver to (RCPT TO), each once."""
    return list(dict.fromkeys(parse_address(a)[1] for a in to))


def _message(
    email: said.Email, message_id: str, names: Mapping[str, str], clock: Clock
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject_line(email.subject, names)
    message["From"] = email.sender
    message["To"] = ", ".join(email.to)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to it
    message.set_content(email_text(email.text, names) + "\n")
    if email.html:
        message.add_alternative(_document(html_with_names(email.html, names)), subtype="html")
    return message


def _document(part: str) -> str:
    """An HTML part as a whole document (a template may give only the body's content)."""
    if part.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        return part
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f"<body>\n{part}\n</body></html>\n"
    )
