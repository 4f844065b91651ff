"""`/incident` subcommands about playbooks: playbook, checklist, step, evidence, hypothesis,
remediation; and the --playbook and --override flags. Words in, a command object out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.playbooks import EVIDENCE_KINDS
from app.domain.text import escape
from app.slack.text import to_plain

_PLAYBOOK = re.compile(r"--playbook(?:=|\s+)(\S+)", re.IGNORECASE)
_OVERRIDE = re.compile(r"--override\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_HYPOTHESIS_REF = re.compile(r"^h-?\d+$", re.IGNORECASE)


@dataclass(frozen=True)
class AttachPlaybook:
    name: str | None  # None: show the one followed, or those installed


@dataclass(frozen=True)
class ShowChecklist:
    pass


@dataclass(frozen=True)
class SetStep:
    step_id: str
    done: bool
    note: str = ""


@dataclass(frozen=True)
class RecordEvidence:
    kind: str | None  # None: list the evidence
    reference: str = ""
    note: str = ""


@dataclass(frozen=True)
class RaiseHypothesis:
    text: str


@dataclass(frozen=True)
class MoveHypothesis:
    number: int
    state: str
    outcome: str = ""


@dataclass(frozen=True)
class ListHypotheses:
    pass


@dataclass(frozen=True)
class ShowRemediation:
    pass


def take_playbook(words: str) -> tuple[str, str | None]:
    """The text without its `--playbook name` flag, and the name."""
    match = _PLAYBOOK.search(words)
    if not match:
        return words, None
    return (words[: match.start()] + " " + words[match.end() :]).strip(), match.group(1).lower()


def take_override(words: str) -> tuple[str, str | None]:
    """`contained fallback live --override pipeline freeze in progress` → the text before the
    flag, and the reason after it ("" when none was given)."""
    match = _OVERRIDE.search(words)
    if not match:
        return words, None
    return words[: match.start()].strip(), to_plain(match.group(1))


def parse_playbook(args: str, caller: str) -> AttachPlaybook:
    name = to_plain(args).strip().lower()
    return AttachPlaybook(name.split()[0] if name else None)


def parse_step(args: str, caller: str) -> SetStep:
    step_id, _, rest = to_plain(args).partition(" ")
    verb, _, note = rest.strip().partition(" ")
    if not step_id or verb.lower() not in ("done", "undo"):
        raise InvalidInput(
            "Say which step and `done` or `undo`: `/incident step fallback done rolled back "
            "to v41` (`/incident checklist` shows the steps)."
        )
    return SetStep(step_id.lower(), verb.lower() == "done", note.strip())


def parse_evidence(args: str, caller: str) -> RecordEvidence:
    words = to_plain(args).split(maxsplit=2)
    if not words:
        return RecordEvidence(None)
    kind = words[0].lower()
    if kind not in EVIDENCE_KINDS or len(words) < 2:
        raise InvalidInput(
            f"Record evidence as `/incident evidence <kind> <reference> [note]`, the kind one "
            f"of {', '.join(f'`{k}`' for k in EVIDENCE_KINDS)}"
            + (f" (not `{escape(kind)}`)" if kind not in EVIDENCE_KINDS else "")
            + "; `/incident evidence` alone lists it."
        )
    return RecordEvidence(kind, words[1], words[2] if len(words) > 2 else "")


def parse_hypothesis(args: str, caller: str) -> RaiseHypothesis | MoveHypothesis:
    text = to_plain(args)
    first, _, rest = text.partition(" ")
    if _HYPOTHESIS_REF.match(first):
        state, _, outcome = rest.strip().partition(" ")
        number = int(first.lower().removeprefix("h").removeprefix("-"))
        return MoveHypothesis(number, state.lower(), outcome.strip())
    return RaiseHypothesis(text)
