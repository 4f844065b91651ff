"""Splitting an alert off an incident into its own.

An alert joins an open incident through the catalog when its system lies downstream of what
the incident affects. When it turns out to be a problem of its own, the commander (or an
admin; while nobody commands, whoever may take command) splits it off: a new incident is
declared for it, the presser its declarer and commander, and both alerts messages redrawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from app.domain.errors import InvalidInput, NotFound
from app.domain.permissions import ensure_may_manage
from app.domain.roles import COMMANDER
from app.persistence.tables import AlertLink, Incident
from app.services.alert_views import show_alerts
from app.services.command import command_owners, ensure_may_take_command
from app.services.context import ServiceContext
from app.services.declare import declare_in, from_alert
from app.services.impact import affected_keys
from app.services.lookup import current_holders


@dataclass(frozen=True)
class Split:
    original: int
    number: int  # the new incident
    systems: tuple[str, ...]  # its systems: their blast radius comes next

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


def split_alert(ctx: ServiceContext, key: str, user: str, response_url: str | None = None) -> Split:
    publishers = ctx.publisher_ids()  # may ask Slack: not inside the transaction
    with ctx.db.read() as session:
        link = session.get(AlertLink, key)
        if link is None or link.incident_id is None:
            raise NotFound("That alert is not part of an incident any more; nothing was split.")
        owners = command_owners(ctx, affected_keys(session, link.incident_id))
    with ctx.unit() as unit:
        link = unit.session.exec(
            select(AlertLink).where(AlertLink.key == key).with_for_update()
        ).first()
        if link is None or link.incident_id is None:
            raise NotFound("That alert is not part of an incident any more; nothing was split.")
        original = unit.session.exec(
            select(Incident).where(Incident.id == link.incident_id).with_for_update()
        ).one()
        assert original.id is not None
        commander = current_holders(unit.session, original.id).get(COMMANDER)
        action = f"split an alert off {original.ref}"
        if commander is not None or user in ctx.admins:
            ensure_may_manage(user, commander, ctx.admins, action)
        else:
            ensure_may_take_command(user, original.ref, owners, ctx.admins, publishers)
        if link.how == "declared":
            raise InvalidInput(
                f"{original.ref} was declared for this alert, so it stays there; split off "
                "the alerts that joined it."
            )
        playbook = link.playbook if link.playbook in ctx.playbooks else None
        declared = declare_in(
            ctx,
            unit,
            from_alert(
                link,
                _severity(ctx, link),
                user,
                playbook=playbook,
                detected_at=link.first_seen_at,
                known_systems=ctx.catalog.systems,
                from_channel=original.channel_id,
                response_url=response_url,
            ),
        )
        link.incident_id, link.how = declared.number, "declared"
        unit.session.add(link)
        unit.session.flush()
        unit.log(original.id, user, "alert", f"Split {link.title} into {declared.ref}")
        unit.log(declared.number, user, "alert", f"Split from {original.ref}")
        show_alerts(unit, original)
        created = unit.session.get(Incident, declared.number)
        assert created is not None
        show_alerts(unit, created)
        return Split(original.id, declared.number, declared.systems)


def _severity(ctx: ServiceContext, link: AlertLink) -> str:
    """What the rule said for the alert; else the default rule's; else the least severe."""
    if link.severity and ctx.severities.is_known(link.severity):
        return link.severity
    keys = list(ctx.config.severities)
    default = ctx.config.alerts.default_rule(keys).severity
    return default if default in keys else keys[-1]
