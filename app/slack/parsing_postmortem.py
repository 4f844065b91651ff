"""`/incident postmortem [owner @person | done <link>]`. Words in, a command object out."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.slack.text import user_id_from_mention

_SELF = {"me", "myself", "@me"}
USAGE = (
    "postmortem [owner @person | done <link>]",
    "the post-mortem: who owns it, when it is due; record where the finished one lives",
)


@dataclass(frozen=True)
class ShowPostmortem:
    pass


@dataclass(frozen=True)
class NamePostmortemOwner:
    user: str


@dataclass(frozen=True)
class PostmortemDone:
    link: str  # as typed; checked (http/https) by the use case


def parse_postmortem(
    args: str, caller: str
) -> ShowPostmortem | NamePostmortemOwner | PostmortemDone:
    word, _, rest = args.strip().partition(" ")
    rest = rest.strip()
    if not word:
        return ShowPostmortem()
    if word.lower() == "owner":
        user = caller if rest.lower() in _SELF else user_id_from_mention(rest)
        if not user:
            raise InvalidInput("Say who owns it: `/incident postmortem owner @person`.")
        return NamePostmortemOwner(user)
    if word.lower() == "done":
        if not rest:
            raise InvalidInput(
                "Add the link to the finished document: `/incident postmortem done https://…`."
            )
        return PostmortemDone(rest)
    raise InvalidInput(
        "Use `/incident postmortem`, `/incident postmortem owner @person` or "
        "`/incident postmortem done <link>`."
    )
