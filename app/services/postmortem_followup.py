"""After resolution: the post-mortem's draft goes to the incident channel, its owner (the
commander unless someone is named) is reminded when it falls due and every `remind_every`
after, until `/incident postmortem done <link>` records where the finished one lives."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, select

from app.domain.durations import humanize
from app.domain.errors import InvalidInput, NotAllowed
from app.domain.permissions import ensure_may_manage, may_manage
from app.domain.roles import COMMANDER
from app.domain.status import Status
from app.domain.text import escape, mention
from app.persistence.tables import Incident, PostmortemRecord
from app.services import faults, wakes
from app.services.context import BOT_ACTOR, Op, ServiceContext, Unit
from app.services.lookup import current_holders, incident_in_channel
from app.services.postmortem import gather, render

MAX_LINK = 2000
BATCH = 50


def _record(unit: Unit, incident_id: int) -> PostmortemRecord:
    record = unit.session.get(PostmortemRecord, incident_id)
    if record is None:
        record = PostmortemRecord(incident_id=incident_id)
        unit.session.add(record)
    return record


def owner_of(session: Session, record: PostmortemRecord) -> str | None:
    return record.owner or current_holders(session, record.incident_id).get(COMMANDER)


# --- resolving and reopening (inside their transactions) -----------------------------------


def on_resolved(ctx: ServiceContext, unit: Unit, incident: Incident) -> None:
    """Due `postmortem.due` from now, unless exempt; the draft uploaded to the channel."""
    assert incident.id is not None
    record = _record(unit, incident.id)
    record.resolved_at = unit.now
    record.exempt = ctx.config.postmortem.exemption(incident.severity, incident.drill)
    if record.exempt:
        record.due_at = record.wake_at = None
        unit.log(incident.id, BOT_ACTOR, "postmortem", f"No post-mortem required: {record.exempt}")
        return
    if record.done_at is not None:
        return  # finished after an earlier resolution: nothing to chase, no new draft
    record.due_at = record.wake_at = unit.now + ctx.config.postmortem.due
    record.drafts += 1
    owner = owner_of(unit.session, record)
    unit.session.flush()
    _upload_draft(ctx, unit, incident, record, owner)
    unit.log(
        incident.id,
        BOT_ACTOR,
        "postmortem",
        f"Post-mortem drafted; owner {owner or 'nobody yet'}, due {_when(record.due_at)}",
        people=[owner],
    )


def on_reopened(unit: Unit, incident: Incident) -> None:
    """No reminders while the incident is open again; resolving sets a new due time."""
    record = unit.session.get(PostmortemRecord, incident.id)
    if record is not None and record.done_at is None:
        record.wake_at = None
        unit.session.add(record)


def _upload_draft(
    ctx: ServiceContext,
    unit: Unit,
    incident: Incident,
    record: PostmortemRecord,
    owner: str | None,
) -> None:
    assert incident.id is not None
    markdown = render(gather(ctx, unit.session, incident, unit.now), "md")
    whose = f"{mention(owner)} owns it" if owner else "nobody owns it yet"
    comment = (
        f":memo: Draft post-mortem of *{incident.ref}*: {escape(incident.title)}. {whose}; "
        f"due {_when(record.due_at)}. Fill in the five whys, what went well and badly and "
        "where we got lucky, then record where the finished one lives with "
        "`/incident postmortem done <link>`."
    )
    unit.say(
        Op.UPLOAD,
        incident_id=incident.id,
        payload={
            "filename": f"{incident.ref.lower()}-postmortem-draft-{record.drafts}.md",
            "title": f"{incident.ref} post-mortem (draft)",
            "content": markdown,
            "comment": comment,
        },
        sequence_key=f"incident:{incident.id}",  # after the resolution notice
    )


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "not set"


# --- commands -------------------------------------------------------------------------------


def name_owner(ctx: ServiceContext, channel_id: str, user: str, actor: str) -> str:
    """`/incident postmortem owner @x`: the commander or an admin names who writes it."""
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        commander = current_holders(unit.session, incident.id).get(COMMANDER)
        ensure_may_manage(actor, commander, ctx.admins, "name the post-mortem's owner")
        record = _record(unit, incident.id)
        if record.done_at is not None:
            raise InvalidInput(f"The post-mortem of {incident.ref} is already done: {record.link}")
        record.owner, record.owner_named_by = user, actor
        unit.session.add(record)
        unit.log(incident.id, actor, "postmortem", f"Post-mortem owner: {user}", people=[user])
        due = f", due {_when(record.due_at)}" if record.due_at else ""
        unit.post_text(
            incident.id,
            f":memo: {mention(user)} owns the post-mortem of {incident.ref}{due} "
            f"(named by {mention(actor)}).",
        )
        return incident.ref


def parse_link(text: str) -> str:
    """Where the finished document lives: an http(s) URL (Slack sends it as <url> or
    <url|label>)."""
    raw = text.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1].split("|", 1)[0]
    parts = urlsplit(raw)
    usable = (
        parts.scheme in ("http", "https")
        and parts.netloc
        and len(raw) <= MAX_LINK
        and not any(c in raw for c in "<>| \t\n\"'`")
    )
    if not usable:
        raise InvalidInput(
            "Give the link to the finished post-mortem, starting with https:// "
            "(e.g. `/incident postmortem done https://wiki.example.com/inc-42`)."
        )
    return raw


def mark_done(ctx: ServiceContext, channel_id: str, link_text: str, actor: str) -> str:
    """`/incident postmortem done <link>`: the owner, the commander or an admin records where
    the finished document lives; the reminders stop."""
    link = parse_link(link_text)
    with ctx.unit() as unit:
        incident = incident_in_channel(unit.session, channel_id, lock=True)
        assert incident.id is not None
        record = unit.session.get(PostmortemRecord, incident.id)
        if incident.status != Status.RESOLVED.value or record is None or not record.resolved_at:
            raise InvalidInput(
                f"{incident.ref} is not resolved yet; its post-mortem is drafted when it is."
            )
        owner = owner_of(unit.session, record)
        commander = current_holders(unit.session, incident.id).get(COMMANDER)
        if actor != owner and not may_manage(actor, commander, ctx.admins):
            raise NotAllowed(
                f"Sorry, only the post-mortem's owner ({mention(owner)}), the commander or a "
                "Warroom admin can mark it done."
                if owner
                else "Sorry, only the commander or a Warroom admin can mark it done."
            )
        record.done_at, record.done_by, record.link = unit.now, actor, link
        record.wake_at = None
        unit.session.add(record)
        unit.log(incident.id, actor, "postmortem", f"Post-mortem done: {link}", link=link)
        on_time = "on time" if record.due_at is None or unit.now <= record.due_at else "late"
        unit.post_text(
            incident.id,
            f":white_check_mark: The post-mortem of {incident.ref} is done ({on_time}), "
            f"recorded by {mention(actor)}: <{link}>",
        )
        return incident.ref


def describe(ctx: ServiceContext, channel_id: str) -> str:
    """`/incident postmortem`: owner, due time, and where it lives once done."""
    with ctx.db.read() as session:
        incident = incident_in_channel(session, channel_id)
        assert incident.id is not None
        record = session.get(PostmortemRecord, incident.id) or PostmortemRecord(
            incident_id=incident.id
        )
        owner = owner_of(session, record)
        who = mention(owner) if owner else "nobody yet (the commander, once there is one)"
        lines = [f"*Post-mortem of {incident.ref}*", f"Owner: {who}"]
        if record.link:
            lines.append(f"Done {_when(record.done_at)}: <{record.link}>")
        elif record.exempt:
            lines.append(f"Not required: {escape(record.exempt)}")
        elif record.due_at:
            lines.append(f"Due {_when(record.due_at)}")
        else:
            lines.append("Drafted when the incident is resolved.")
        lines.append("`/incident postmortem owner @person` · `/incident postmortem done <link>`")
        return "\n".join(lines)


# --- reminders, from the scheduler ----------------------------------------------------------


def next_wake(ctx: ServiceContext) -> datetime | None:
    return wakes.next_wake(ctx, PostmortemRecord.wake_at)


def run_due(ctx: ServiceContext, limit: int = BATCH) -> int:
    """DM each owner whose post-mortem fell due; next time `remind_every` later."""
    due = wakes.due(ctx, PostmortemRecord.incident_id, PostmortemRecord.wake_at, limit)
    reminded = 0
    for incident_id in due:
        try:
            reminded += _remind(ctx, incident_id)
        except Exception as exc:  # this reminder waits; the others go on
            _remind_failed(ctx, incident_id, exc)
    return reminded


def _locked(unit: Unit, incident_id: int) -> PostmortemRecord | None:
    return unit.session.exec(
        select(PostmortemRecord)
        .where(PostmortemRecord.incident_id == incident_id)
        .with_for_update(skip_locked=True)
    ).first()


def _remind(ctx: ServiceContext, incident_id: int) -> bool:
    with ctx.unit() as unit:
        record = _locked(unit, incident_id)
        if record is None or record.wake_at is None or record.wake_at > unit.now:
            return False  # another replica took it, or it was done meanwhile
        incident = unit.session.get(Incident, incident_id)
        assert incident is not None and record.due_at is not None
        record.wake_at = unit.now + ctx.config.postmortem.remind_every  # one after downtime
        owner = owner_of(unit.session, record)
        if owner:
            late = unit.now - record.due_at
            state = f"overdue by {humanize(late)}" if late.total_seconds() >= 60 else "due now"
            unit.post_text(
                incident_id,
                f":memo: {mention(owner)} the post-mortem of *{incident.ref}* "
                f"({escape(incident.title)}) is {state}. Finish it from the draft in the "
                "incident channel, then record where it lives with "
                "`/incident postmortem done <link>` there.",
                channel=owner,
            )
            record.reminders_sent += 1
        unit.session.add(record)
        faults.clear(unit, f"postmortem:{incident_id}")
        return owner is not None


def _remind_failed(ctx: ServiceContext, incident_id: int, error: Exception) -> None:
    with ctx.unit() as unit:
        record = _locked(unit, incident_id)
        if record is None:
            return
        record.wake_at = unit.now + faults.RETRY_AFTER
        unit.session.add(record)
        faults.note(unit, f"postmortem:{incident_id}", error, incident_id)
