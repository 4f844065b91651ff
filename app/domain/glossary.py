"""The glossary: model jargon in plain words, for readers who are not engineers.

Terms come from the shipped file and from people (`/incident glossary add`); one added in
Slack replaces the file's definition of the same term. Matching is case-insensitive, on the
term and its aliases, whole words only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property

from app.domain.errors import NotAllowed
from app.domain.text import mention

TERM_MAX = 60  # a term or alias: a few words, shown in bold
DEFINITION_MAX = 500  # plain words, a sentence or three: it goes into business updates
WHY_MAX = 300
ALIASES_MAX = 10
NOTE_MAX = 3  # terms explained under one update: more would bury the update


def key(text: str) -> str:
    """How a term is compared: case and spacing do not matter."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Term:
    term: str
    definition: str
    aliases: tuple[str, ...] = ()
    why: str = ""  # why it matters to the business
    added_by: str | None = None  # None: shipped in glossary.yaml
    added_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def added(self) -> bool:
        return self.added_by is not None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


class Glossary:
    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self._terms: dict[str, Term] = {}
        for term in terms:
            self._terms[key(term.term)] = _over(self._terms.get(key(term.term)), term)
        self._aliases = {key(a): t for t in self._terms.values() for a in t.aliases}

    def __len__(self) -> int:
        return len(self._terms)

    def __iter__(self) -> Iterator[Term]:
        """Terms in alphabetical order."""
        return iter(sorted(self._terms.values(), key=lambda t: key(t.term)))

    def plus(self, terms: Iterable[Term]) -> Glossary:
        """This glossary with more terms, which replace the ones of the same name."""
        return Glossary([*self._terms.values(), *terms])

    def find(self, text: str) -> Term | None:
        """The term named, by its name or an alias, in any case."""
        wanted = key(text)
        return self._terms.get(wanted) or self._aliases.get(wanted)

    def close_to(self, text: str, most: int = 3) -> list[Term]:
        """Terms whose name or alias is spelt nearly like `text`, closest first."""
        names = {key(n): t for t in self._terms.values() for n in t.names}
        close = difflib.get_close_matches(key(text), list(names), n=most * 2, cutoff=0.6)
        return list(dict.fromkeys(names[n] for n in close))[:most]

    def used_in(self, texts: Iterable[str], most: int = NOTE_MAX) -> list[Term]:
        """The terms written in `texts` (whole words, any case, a plural `s` allowed), each
        once, in order of appearance; a longer name wins over one inside it ("concept drift"
        over "drift")."""
        if self._pattern is None:
            return []
        found: list[Term] = []
        for text in texts:
            for match in self._pattern.finditer(text):
                term = self.find(match.group(1))
                if term is not None and term not in found:
                    found.append(term)
                if len(found) == most:
                    return found
        return found

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        names = sorted({n for t in self._terms.values() for n in t.names}, key=len, reverse=True)
        if not names:
            return None
        words = [r"\s+".join(re.escape(w) for w in n.split()) for n in names]
        return re.compile(r"(?<!\w)(" + "|".join(words) + r")s?(?!\w)", re.IGNORECASE)


def _over(old: Term | None, new: Term) -> Term:
    """A term added in Slack keeps the file's aliases and why-it-matters unless it says its
    own: people usually correct the definition."""
    if old is None:
        return new
    return replace(new, aliases=new.aliases or old.aliases, why=new.why or old.why)


def ensure_may_edit(
    user_id: str, commander_id: str | None, admins: Collection[str], incident_ref: str | None
) -> None:
    """Admins change the glossary anywhere; a commander in their own incident's channel (the
    glossary is everyone's, so commanders only while they run an incident)."""
    if user_id in admins or (incident_ref and user_id == commander_id):
        return
    admin = "a Warroom admin" + (
        f" ({', '.join(mention(a) for a in sorted(admins))})" if admins else ""
    )
    if incident_ref:
        commander = f"the commander of {incident_ref}" + (
            f" ({mention(commander_id)})" if commander_id else ""
        )
        raise NotAllowed(f"Sorry, only {commander} or {admin} can add to the glossary here.")
    raise NotAllowed(
        f"Sorry, only {admin} can add to the glossary outside an incident channel; an "
        "incident's commander can, in that incident's channel."
    )
