"""Updates by email: written into the outbox beside the Slack post (app/email_sender.py sends
them), and, when the mail server refuses them for good, told to comms in the incident channel.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from app.domain.roles import COMMANDER, COMMS
from app.domain.text import escape, mention
from app.persistence.tables import OutboxMessage
from app.services import outbox_messages as said
from app.services.compose import Composed
from app.services.context import Unit
from app.services.lookup import current_holders

log = logging.getLogger(__name__)

STILL_RETRYING = timedelta(minutes=10)  # an update that late is one customers notice


def send(
    unit: Unit, incident_id: int | None, composed: Composed, *, supersede_key: str | None = None
) -> None:
    """The composed update by email, when its audience is emailed (never in a drill)."""
    audience, words = composed.audience, composed.email
    if audience.email is None or words is None or composed.text is None:
        return
    route = audience.email
    message = said.Email(
        audience=audience.key,
        to=list(route.to),
        sender=route.sender,
        subject=words.subject,
        text=composed.text,
        html=words.html,
        reply_to=route.reply_to,
        place=audience.channel or "",
    )
    unit.email(incident_id, message, supersede_key=supersede_key)


def tell_not_sent(unit: Unit, row: OutboxMessage, error: str) -> None:
    """The email reached nobody and will not be retried: comms hears it in the channel."""
    email = _email(row)
    if email is None or row.incident_id is None:
        log.warning("outbox #%s: an email was not sent: %s", row.id, error)
        return
    elsewhere = (
        f" It did reach {escape(email.place)} in Slack." if email.place else " Nobody else got it."
    )
    _tell(
        unit,
        row.incident_id,
        f"the {_title(email)} update was *not emailed* to {_addresses(email.to)}: "
        f"`{escape(error)}`.{elsewhere} Check `audiences.{email.audience}.email` in the "
        "configuration and the mail server (WARROOM_SMTP_URL), and send it by hand if it "
        "matters now.",
    )


def tell_if_slow(unit: Unit, row: OutboxMessage, error: str) -> None:
    """An email still not accepted STILL_RETRYING after it was written: comms hears it once,
    while it is being retried (for up to a day), so nobody believes customers were told."""
    email = _email(row)
    slow = unit.now - row.created_at >= STILL_RETRYING
    if email is None or row.incident_id is None or not slow or "told_slow" in row.progress:
        return
    row.progress = {**row.progress, "told_slow": {"at": unit.now.isoformat()}}
    minutes = int((unit.now - row.created_at).total_seconds() // 60)
    _tell(
        unit,
        row.incident_id,
        f"the {_title(email)} update has *not been emailed yet* to {_addresses(email.to)} "
        f"({minutes} minutes so far): `{escape(error)}`. Warroom keeps retrying for up to a "
        "day; check the mail server (WARROOM_SMTP_URL), and send it by hand if it matters now.",
    )


def tell_refused(unit: Unit, row: OutboxMessage, refused: Mapping[str, str]) -> None:
    """The email went out, but the mail server refused some recipients for good."""
    email = _email(row)
    if email is None or row.incident_id is None or not refused:
        return
    reasons = "; ".join(f"{escape(to)}: `{escape(why)}`" for to, why in sorted(refused.items()))
    _tell(
        unit,
        row.incident_id,
        f"the {_title(email)} update was emailed, but the mail server refused it for "
        f"{reasons}. Check `audiences.{email.audience}.email.to` in the configuration.",
    )


def _tell(unit: Unit, incident_id: int, what: str) -> None:
    holders = current_holders(unit.session, incident_id)
    who = holders.get(COMMS) or holders.get(COMMANDER)
    address = f"{mention(who)} " if who else ""
    unit.post_text(incident_id, f":warning: {address}{what[0].upper()}{what[1:]}")


def _email(row: OutboxMessage) -> said.Email | None:
    try:
        message = said.decode(row.payload)
    except said.Undeliverable:
        return None
    return message if isinstance(message, said.Email) else None


def _title(email: said.Email) -> str:
    return email.audience.replace("-", " ").replace("_", " ").capitalize()


def _addresses(to: list[str]) -> str:
    return ", ".join(escape(a) for a in to)
