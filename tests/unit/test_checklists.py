"""Every shipped playbook's checklists fit in a Slack message, phase by phase."""

from __future__ import annotations

import pytest

from app.config import SHIPPED_PLAYBOOKS
from app.domain.playbooks import PHASES
from app.domain.roles import BUILTIN_ROLES
from app.playbook_files import load_playbooks
from app.services import outbox_messages as said
from app.slack.blocks.playbooks import checklist_message
from tests.fakes.blockkit import validate_blocks

PLAYBOOKS = load_playbooks(SHIPPED_PLAYBOOKS, {r.key for r in BUILTIN_ROLES})


@pytest.mark.parametrize("name", sorted(PLAYBOOKS))
def test_each_phase_checklist_is_within_slacks_limits(name: str) -> None:
    playbook = PLAYBOOKS[name]
    for phase in PHASES:
        steps = playbook.phase(phase).steps
        lines = [
            said.StepLine(
                s.id,
                s.text,
                s.required,
                s.role,
                "U0SAMPLE01" if n % 2 else None,
                "U0SAMPLE02" if n % 3 == 0 else None,
                "2026-11-30T02:15:00+00:00" if n % 3 == 0 else None,
                s.evidence,
            )
            for n, s in enumerate(steps)
        ]
        shown = said.ChecklistShown(playbook.name, playbook.title, phase, lines)
        message = checklist_message(said.decode(shown.encode()))  # as read back from the outbox
        assert validate_blocks(message.blocks) == [], (name, phase)
        assert len(message.text) < 4000
