"""Work that keeps failing for one incident, audience or job: told once, retried quietly.

A template that breaks at runtime, or anything else that fails for one piece of due work, must
not stop the rest. The scheduler's use cases catch the failure for that piece alone, back it off
(RETRY_AFTER) and note it here: the first note of a fault is when someone is told (and the
traceback logged); later ones stay quiet. When the work succeeds again the fault is cleared.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import select

from app.domain.text import escape, mention, redact
from app.persistence.tables import Fault
from app.services.context import Unit

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=1)


def note(unit: Unit, key: str, error: BaseException, incident_id: int | None = None) -> bool:
    """Record that `key` failed; True the first time (tell someone), False while it lasts."""
    text = _describe(error)
    fault = unit.session.get(Fault, key)
    if fault is not None:
        fault.last_at, fault.error, fault.failures = unit.now, text, fault.failures + 1
        unit.session.add(fault)
        log.warning("%s still failing (%s times): %s", key, fault.failures, text)
        return False
    unit.session.add(
        Fault(key=key, incident_id=incident_id, first_at=unit.now, last_at=unit.now, error=text)
    )
    log.error("%s failed: %s", key, text, exc_info=error)
    return True


def clear(unit: Unit, key: str, known: set[str] | None = None) -> None:
    """The work succeeded: a fault noted for it is over. `known`, the keys of the faults
    already read (open_faults), spares a lookup per piece of work in the common case."""
    if known is not None and key not in known:
        return
    fault = unit.session.get(Fault, key)
    if fault is not None:
        log.info("%s works again after %s failures", key, fault.failures)
        unit.session.delete(fault)


def open_faults(unit: Unit, incident_id: int) -> set[str]:
    """The keys of an incident's faults that are still open."""
    query = select(Fault.key).where(Fault.incident_id == incident_id)
    return set(unit.session.exec(query))


def tell(
    unit: Unit, incident_id: int, people: set[str | None], what: str, error: BaseException
) -> None:
    """One notice in the incident channel, words built here (a broken template cannot stop
    it), naming the people who can act."""
    who = " ".join(mention(p) for p in sorted(p for p in people if p))
    unit.post_text(
        incident_id,
        f":warning: {who} Warroom could not {what}: `{escape(_describe(error))}`. "
        "It retries every minute and will carry on by itself once this is fixed (a message "
        "template is usually the cause: `warroom templates check` names the file and line).",
    )


def _describe(error: BaseException) -> str:
    message = str(error) or type(error).__name__
    return redact(message)[:500]
