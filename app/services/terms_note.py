"""The 'Terms' note under a person's business or executive update: the plain definitions of
the glossary terms their words used, so jargon reaches those readers explained."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from app.domain.text import escape
from app.services import glossary
from app.services.context import BOT_ACTOR, ServiceContext

PLAIN_AUDIENCES = ("business", "executive")  # readers who are not engineers
TEMPLATE = "terms"


def terms_note(
    ctx: ServiceContext,
    session: Session,
    audience: str,
    author: str,
    fields: Sequence[str],
    text: str,
) -> str:
    """The note to append to `text` (with its blank line), or "" when there is nothing to
    explain: another audience, an automatic update, or no term in what the person wrote.
    Only the fields this audience's template shows count (the executive one shows the impact
    alone), taken in the order the reader meets them."""
    if audience not in PLAIN_AUDIENCES or author == BOT_ACTOR:
        return ""
    shown = sorted((text.find(escape(f)), f) for f in fields if f and escape(f) in text)
    if not shown:
        return ""
    used = glossary.current(session, ctx.glossary).used_in([f for _, f in shown])
    if not used:
        return ""
    return "\n\n" + ctx.templates.render(TEMPLATE, terms=used)
