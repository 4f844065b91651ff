"""`/incident <subcommand> …`: words in, a command object out; no Slack calls, no database.

Errors are InvalidInput with a message that says what was wrong and what would work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from app.domain.decisions import check_question, parse_options, parse_ref
from app.domain.durations import parse_duration
from app.domain.errors import InvalidInput
from app.domain.roles import RoleCatalog
from app.domain.severity import SeverityScale
from app.domain.status import parse_status
from app.domain.text import clean_text, escape
from app.slack import parsing_actions as actions
from app.slack import parsing_clocks as clocks
from app.slack import parsing_drills as drills
from app.slack import parsing_glossary as glossary
from app.slack import parsing_models as models
from app.slack import parsing_playbooks as books
from app.slack import parsing_postmortem as postmortem
from app.slack.text import to_plain, user_id_from_mention

SELF_WORDS = {"me", "myself", "@me"}


@dataclass(frozen=True)
class Help:
    unknown: str | None = None  # the subcommand that was not understood, if any


@dataclass(frozen=True)
class Declare:
    severity: str | None  # None with no title: open the form
    title: str
    private: bool = False
    affects: list[str] = field(default_factory=list)  # catalog systems (--affects a,b)
    playbook: str | None = None  # --playbook model-drift


@dataclass(frozen=True)
class Assign:
    role: str
    user_id: str


@dataclass(frozen=True)
class Unassign:
    role: str


@dataclass(frozen=True)
class ShowRoles:
    pass


@dataclass(frozen=True)
class SetSeverity:
    severity: str
    reason: str


@dataclass(frozen=True)
class SetStatus:
    status: str
    reason: str
    override: str | None = None  # --override <reason>: the commander passes a playbook's gate


@dataclass(frozen=True)
class Resolve:
    summary: str


@dataclass(frozen=True)
class Reopen:
    reason: str


@dataclass(frozen=True)
class AddNote:
    text: str


@dataclass(frozen=True)
class ShowTimeline:
    pass


@dataclass(frozen=True)
class OpenUpdateForm:
    pass


@dataclass(frozen=True)
class AskDecision:
    question: str  # empty: open the form
    options: list[str] | None = None
    owner: str | None = None
    due_in: timedelta | None = None


@dataclass(frozen=True)
class Decide:
    ref: str
    choice: str  # the option, then the one-line reason


@dataclass(frozen=True)
class SettleDecision:
    ref: str
    carry: bool
    reason: str = ""


@dataclass(frozen=True)
class ListDecisions:
    pass


@dataclass(frozen=True)
class ShowSummary:
    post: bool = False


Command = (
    Help
    | Declare
    | Assign
    | Unassign
    | ShowRoles
    | SetSeverity
    | SetStatus
    | Resolve
    | Reopen
    | AddNote
    | ShowTimeline
    | OpenUpdateForm
    | AskDecision
    | Decide
    | SettleDecision
    | ListDecisions
    | ShowSummary
    | models.Affects
    | models.ShowImpact
    | models.ShowCatalog
    | models.Rollback
    | books.AttachPlaybook
    | books.ShowChecklist
    | books.SetStep
    | books.RecordEvidence
    | books.RaiseHypothesis
    | books.MoveHypothesis
    | books.ListHypotheses
    | books.ShowRemediation
    | glossary.ShowGlossary
    | glossary.AddGlossaryTerm
    | actions.RecordAction
    | actions.CloseAction
    | actions.ListActions
    | drills.StartDrill
    | postmortem.ShowPostmortem
    | postmortem.NamePostmortemOwner
    | postmortem.PostmortemDone
    | clocks.FlagClock
    | clocks.ClockNotified
    | clocks.UnflagClock
    | clocks.ListClocks
)

# (usage, one line) for `/incident help`, in the order people need them.
USAGE = [
    (
        "declare <sev> <title> [--affects a,b] [--private]",
        "declare an incident and open its channel (`declare` alone: a form)",
    ),
    (
        "assign <role> @person",
        "name someone to a role; `assign <role> me` takes a free one (not commander or comms)",
    ),
    ("unassign <role>", "free a role (the commander is handed over, never left empty)"),
    ("roles", "who holds which role, unfilled ones included"),
    ("severity <sev> [reason]", "raise or lower the severity"),
    (
        "status <status> [reason] [--override <reason>]",
        "investigating, contained, remediating, verifying, resolved (`--override`: pass a gate)",
    ),
    ("resolve [summary]", "mark the incident resolved"),
    ("reopen [reason]", "reopen a resolved incident"),
    ("update", "publish a status update to the incident's audiences (a form with a preview)"),
    (
        'decision <question> [--options "A|B"] [--owner @p] [--due 30m]',
        "ask for a decision (`decision` alone: a form)",
    ),
    ("decide <D-n> <option> <reason>", "record a decision from the keyboard"),
    ("decisions", "pending and made decisions"),
    ("decision close|carry <D-n> [reason]", "settle a pending decision before resolving"),
    ("summary [post]", "the executive summary (`post` sends it to the executive audience)"),
    ("affects <system> [<system>…]", "name what is affected: the blast radius and its owners"),
    ("impact", "the blast radius: systems, business functions, owners, model versions"),
    ("catalog [name]", "the catalog, or one system (works anywhere)"),
    (
        "rollback <model> [--to <version>] [--undo]",
        "propose moving the model's alias to another version (a decision)",
    ),
    ("playbook [name]", "follow a playbook (`declare … --playbook name` does it at once)"),
    ("checklist", "the current phase's checklist, posted again"),
    ("step <id> done|undo [note]", "tick or untick a playbook step"),
    ("evidence [<kind> <reference> [note]]", "record evidence (a dataset, a commit…), or list it"),
    (
        "hypothesis <text> | H-n testing|confirmed|ruled-out <what showed it>",
        "root-cause hypotheses",
    ),
    ("hypotheses", "every hypothesis and its outcome"),
    ("remediation", "the playbook's menu of fixes, to propose as a decision"),
    ("glossary [term]", "a term in plain words, or every term (works anywhere)"),
    (
        "glossary add <term> <definition>",
        "add or change a term (the incident's commander, or an admin)",
    ),
    (
        "action [INC-n] <text> [--owner @p] [--due 14d] [--kind prevent|detect|mitigate|process]",
        "record an action item A-n (owner: the commander; due by severity)",
    ),
    ("actions [INC-n]", "action items, open first (`INC-n`: from anywhere)"),
    ("action [INC-n] A-n done <how it was verified>", "close an action item"),
    ("drill [scenario]", "start a drill from a scenario (alone: the scenarios)"),
    postmortem.USAGE,
    *clocks.USAGE,
    ("note <text>", "add a note to the timeline"),
    ("timeline", "show the latest timeline entries"),
    ("help", "this list"),
]


class CommandParser:
    def __init__(self, severities: SeverityScale, roles: RoleCatalog) -> None:
        self.severities = severities
        self.roles = roles
        self._subcommands: dict[str, Callable[[str, str], Command]] = {
            "declare": self._declare,
            "assign": self._assign,
            "unassign": self._unassign,
            "roles": lambda args, caller: ShowRoles(),
            "severity": self._severity,
            "sev": self._severity,
            "status": self._status,
            "resolve": lambda args, caller: Resolve(to_plain(args)),
            "reopen": lambda args, caller: Reopen(to_plain(args)),
            "note": self._note,
            "timeline": lambda args, caller: ShowTimeline(),
            "update": lambda args, caller: OpenUpdateForm(),
            "decision": self._decision,
            "decide": self._decide,
            "decisions": lambda args, caller: ListDecisions(),
            "summary": lambda args, caller: ShowSummary(post=args.strip().lower() == "post"),
            "help": lambda args, caller: Help(),
            "affects": models.parse_affects,
            "affect": models.parse_affects,
            "impact": lambda args, caller: models.ShowImpact(),
            "catalog": models.parse_catalog,
            "rollback": models.parse_rollback,
            "playbook": books.parse_playbook,
            "checklist": lambda args, caller: books.ShowChecklist(),
            "step": books.parse_step,
            "evidence": books.parse_evidence,
            "hypothesis": books.parse_hypothesis,
            "hypotheses": lambda args, caller: books.ListHypotheses(),
            "remediation": lambda args, caller: books.ShowRemediation(),
            "glossary": glossary.parse_glossary,
            "action": actions.parse_action,
            "actions": actions.parse_actions,
            "drill": drills.parse_drill,
            "postmortem": postmortem.parse_postmortem,
            "flag": clocks.parse_flag,
            "notified": clocks.parse_notified,
            "unflag": clocks.parse_unflag,
            "clocks": lambda args, caller: clocks.ListClocks(),
        }

    def parse(self, text: str, caller: str) -> Command:
        word, _, args = clean_text(text, multiline=True).strip().partition(" ")
        if not word:
            return Help()
        handler = self._subcommands.get(word.lower())
        if handler is None:
            return Help(unknown=to_plain(word))
        return handler(args.strip(), caller)

    def _declare(self, args: str, caller: str) -> Command:
        args, affects = models.take_affects(args)
        args, playbook = books.take_playbook(args)
        words = args.split()
        private = any(w.lower() == "--private" for w in words)
        words = [w for w in words if w.lower() != "--private"]
        if not words:
            return Declare(None, "", private, affects, playbook)
        severity = words[0]
        if not self.severities.is_known(severity):
            raise InvalidInput(
                f"Start with a severity, then the title: `/incident declare "
                f"{self.severities.keys[0]} Fraud model precision dropped 15%`. "
                f"`{escape(to_plain(severity))}` is not one of: {', '.join(self.severities.keys)}."
            )
        title = to_plain(" ".join(words[1:]))
        if not title:
            raise InvalidInput(
                f"Add a title after the severity: `/incident declare {severity.lower()} "
                "Chatbot release giving harmful answers`."
            )
        return Declare(severity.lower(), title, private, affects, playbook)

    def _assign(self, args: str, caller: str) -> Command:
        role, _, who = args.partition(" ")
        if not role or not who.strip():
            raise InvalidInput(
                "Say which role and who: `/incident assign tech-lead @person` "
                f"(roles: {', '.join(self.roles.keys)}), or `assign <role> me`."
            )
        return Assign(self.roles.get(role).key, self._person(who.strip(), caller))

    def _person(self, who: str, caller: str) -> str:
        if who.lower() in SELF_WORDS:
            return caller
        user_id = user_id_from_mention(who)
        if user_id:
            return user_id
        shown = escape(to_plain(who))
        if who.startswith(("<#", "<!")):
            raise InvalidInput(f"`{shown}` is a channel or a group; mention one person.")
        raise InvalidInput(
            f"`{shown}` is not a person I can find; mention them with @, like "
            "`/incident assign comms @dana`."
        )

    def _unassign(self, args: str, caller: str) -> Command:
        if not args:
            raise InvalidInput(
                f"Which role? `/incident unassign scribe` (roles: {', '.join(self.roles.keys)})."
            )
        return Unassign(self.roles.get(args.split()[0]).key)

    def _severity(self, args: str, caller: str) -> Command:
        severity, _, reason = args.partition(" ")
        if not severity:
            raise InvalidInput(
                f"Which severity? `/incident severity sev1 fraud losses rising` "
                f"(one of: {', '.join(self.severities.keys)})."
            )
        return SetSeverity(self.severities.get(severity).key, to_plain(reason))

    def _status(self, args: str, caller: str) -> Command:
        args, override = books.take_override(args)
        status, _, reason = args.partition(" ")
        if not status:
            raise InvalidInput(
                "Which status? `/incident status contained` (investigating, contained, "
                "remediating, verifying, resolved)."
            )
        return SetStatus(parse_status(status).value, to_plain(reason), override)

    def _decision(self, args: str, caller: str) -> Command:
        return parse_decision(args, caller)

    def _decide(self, args: str, caller: str) -> Command:
        ref, _, choice = args.partition(" ")
        if not ref or not choice.strip():
            raise InvalidInput(
                "Say which decision, the option and why: "
                "`/incident decide D-3 approve fallback precision is known`."
            )
        parse_ref(ref)
        return Decide(ref.upper(), to_plain(choice))

    def _note(self, args: str, caller: str) -> Command:
        if not args:
            raise InvalidInput("Add the note's text: `/incident note rolled back to model v41`.")
        return AddNote(to_plain(args))


_FLAG = re.compile(
    r"--(options|owner|due)\s+(?:\"([^\"]*)\"|“([^”]*)”|'([^']*)'|(\S+))", re.IGNORECASE
)
_SETTLE = re.compile(r"^(close|carry)\s+(d-?\d+)\s*(.*)$", re.IGNORECASE | re.DOTALL)


def parse_decision(text: str, caller: str) -> Command:
    """`decision Roll back to v41? --options "Roll back|Hold" --owner @dana --due 30m`."""
    settle = _SETTLE.match(text.strip())
    if settle:
        verb, ref, reason = settle.groups()
        return SettleDecision(ref.upper(), verb.lower() == "carry", to_plain(reason))
    flags: dict[str, str] = {}
    for match in _FLAG.finditer(text):
        name = match.group(1).lower()
        flags[name] = next(g for g in match.groups()[1:] if g is not None)
    question = to_plain(_FLAG.sub(" ", text))
    if not question:
        if flags:
            raise InvalidInput(
                "Ask the question before the options: "
                '`/incident decision Roll back to v41? --options "Roll back|Hold"`.'
            )
        return AskDecision("")
    owner = None
    if "owner" in flags:
        owner = (
            caller if flags["owner"].lower() in SELF_WORDS else user_id_from_mention(flags["owner"])
        )
        if owner is None:
            raise InvalidInput("`--owner` takes a person: `--owner @dana` (or `--owner me`).")
    due = None
    if "due" in flags:
        try:
            due = parse_duration(flags["due"])
        except ValueError as exc:
            raise InvalidInput(f"`--due`: {escape(str(exc))}") from None
    options = parse_options(to_plain(flags["options"])) if "options" in flags else None
    return AskDecision(check_question(question), options, owner, due)
