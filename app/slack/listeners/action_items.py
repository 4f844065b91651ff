"""`/incident action …` and `/incident actions`: call the use case, answer the person.

By `INC-n` they work from anywhere, so after the incident channel is archived; a private
incident is then open only to the people in its channel (or with a part in its items)."""

from __future__ import annotations

from app.domain.action_items import action_ref
from app.domain.text import escape, mention
from app.services import action_items
from app.slack import parsing_actions as words
from app.slack.access import ensure_may_act
from app.slack.blocks import action_items as blocks
from app.slack.listeners.incident_commands import Call, ensure_person


def _where(call: Call, incident: int | None) -> action_items.Where:
    return action_items.Where(call.channel, incident)


async def _ensure_may_see(call: Call, where: action_items.Where) -> None:
    private = await call.run(action_items.access, where, call.user)
    if private is not None:
        await ensure_may_act(call.client, private, call.user)


async def record(call: Call, cmd: words.RecordAction) -> None:
    where = _where(call, cmd.incident)
    await _ensure_may_see(call, where)
    if cmd.owner:
        await ensure_person(call.client, cmd.owner)
    new = action_items.NewItem(cmd.text, call.user, cmd.owner, cmd.due_in, cmd.kind)
    item = await call.run(action_items.record, where, new)
    await call.reply(
        blocks.confirmation(
            f":memo: Recorded *{item.ref}* of INC-{item.incident_id}: {escape(item.text)} "
            f"(owner {mention(item.owner)}, due {blocks.day(item.due_at)})."
        )
    )


async def close(call: Call, cmd: words.CloseAction) -> None:
    where = _where(call, cmd.incident)
    await _ensure_may_see(call, where)
    item = await call.run(action_items.close, where, cmd.number, cmd.verification, call.user)
    await call.reply(
        blocks.confirmation(
            f":white_check_mark: *{action_ref(cmd.number)}* of INC-{item.incident_id} is done. "
            f"Verified: {escape(item.verification)}"
        )
    )


async def show(call: Call, cmd: words.ListActions) -> None:
    where = _where(call, cmd.incident)
    await _ensure_may_see(call, where)
    found = await call.run(action_items.listed, where)
    await call.reply(blocks.items_list(found.incident_ref, found.items, found.now))
