"""`/incident drill`: list the scenarios, or start one as a drill commanded by the caller."""

from __future__ import annotations

from app.domain.drills import Scenario
from app.domain.durations import humanize
from app.domain.text import escape
from app.services import drills, impact
from app.slack.blocks.common import Message, context, fallback, section
from app.slack.listeners.incident_commands import Call
from app.slack.parsing_drills import StartDrill


async def drill(call: Call, cmd: StartDrill) -> None:
    if cmd.scenario is None:
        await call.reply(scenario_list(drills.scenarios(call.deps.ctx)))
        return
    started = await call.run(
        drills.start_drill,
        cmd.scenario,
        call.user,
        call.channel or None,
        call.command.get("response_url"),
    )
    systems = list(started.declared.systems)
    if systems:  # the blast radius, shown in the drill channel (nobody is invited to a drill)
        await call.run(impact.after_declaration, started.declared.number, systems, call.user)
    if started.ignored_systems:
        names = ", ".join(f"`{escape(s)}`" for s in started.ignored_systems)
        await call.reply(
            Message(
                text=fallback("Some systems of the scenario are not in the catalog"),
                blocks=[section(f"{names}: not in your catalog, so left out of this drill.")],
            )
        )


def scenario_list(scenarios: list[Scenario]) -> Message:
    if not scenarios:
        return Message(
            text="No drill scenarios are installed.",
            blocks=[section("No drill scenarios are installed (see `WARROOM_DRILLS_DIR`).")],
        )
    lines = [
        f"• `{s.name}`: {escape(s.title)} ({s.severity.upper()}, {len(s.injects)} injects"
        + (f", over {humanize(s.injects[-1].at)}" if s.injects else "")
        + ")"
        for s in scenarios
    ]
    return Message(
        text=fallback("Drill scenarios"),
        blocks=[
            section("*Drill scenarios*\n" + "\n".join(lines)),
            context(
                "Start one with `/incident drill <scenario>`: you command it, in its own "
                "`drill-N` channel; nothing reaches real audiences."
            ),
        ],
    )
