"""The glossary as people see it: the shipped terms plus those added in Slack (kept in the
database with who and when), looked up, added or changed, exported."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from app.domain.glossary import Glossary, Term, ensure_may_edit, key
from app.domain.roles import COMMANDER
from app.persistence.tables import GlossaryTerm, Incident
from app.services.context import ServiceContext
from app.services.lookup import current_holders


@dataclass(frozen=True)
class NewTerm:
    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Answer:
    """`/incident glossary <asked>`: the term, or the closest ones."""

    asked: str
    term: Term | None
    close: list[Term]


def current(session: Session, shipped: Glossary) -> Glossary:
    """The shipped glossary with the terms people added (theirs win)."""
    rows = session.exec(select(GlossaryTerm))
    return shipped.plus(_term(row) for row in rows)


def everything(ctx: ServiceContext) -> Glossary:
    with ctx.db.read() as session:
        return current(session, ctx.glossary)


def look_up(ctx: ServiceContext, asked: str) -> Answer:
    glossary = everything(ctx)
    term = glossary.find(asked)
    return Answer(asked, term, [] if term else glossary.close_to(asked))


def add_term(ctx: ServiceContext, channel: str, new: NewTerm, actor: str) -> Term:
    """Add a term, or change one (shipped or added): by an admin anywhere, or by the
    commander of the incident whose channel this is."""
    with ctx.unit() as unit:
        session = unit.session
        incident = session.exec(select(Incident).where(Incident.channel_id == channel)).first()
        commander = None
        if incident is not None and incident.id is not None:
            commander = current_holders(session, incident.id).get(COMMANDER)
        ensure_may_edit(actor, commander, ctx.admins, incident.ref if incident else None)
        # The same term (not one it is an alias of) is changed, keeping how it is written.
        existing = current(session, ctx.glossary).find(new.term)
        name = existing.term if existing and key(existing.term) == key(new.term) else new.term
        row = _row(session, name)
        if row is None:
            row = GlossaryTerm(term=name, definition="", added_by=actor, added_at=unit.now)
        else:
            row.updated_by, row.updated_at = actor, unit.now
        row.definition = new.definition
        row.aliases = list(new.aliases) or row.aliases  # kept unless given anew
        row.why = new.why or row.why
        session.add(row)
        session.flush()
        found = current(session, ctx.glossary).find(name)
        assert found is not None
        return found


def _row(session: Session, name: str) -> GlossaryTerm | None:
    """The added term of this name in any case (the table is small: every row is read)."""
    return next((r for r in session.exec(select(GlossaryTerm)) if key(r.term) == key(name)), None)


def _term(row: GlossaryTerm) -> Term:
    return Term(
        row.term,
        row.definition,
        tuple(row.aliases),
        row.why,
        row.added_by,
        row.added_at,
        row.updated_by,
        row.updated_at,
    )
