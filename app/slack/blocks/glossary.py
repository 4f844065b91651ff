"""Glossary replies: one term in plain words, every term, a term just added. Everything in a
term may have been typed by a person, so all of it is escaped."""

from __future__ import annotations

from app.domain.glossary import Glossary, Term
from app.domain.text import escape, mention
from app.services.glossary import Answer
from app.slack.blocks.common import Message, context, fallback, section, sections

ASK = "`/incident glossary <term>` explains one"


def answer_message(answer: Answer) -> Message:
    if answer.term is None:
        return _unknown(answer)
    term = answer.term
    blocks = [section(term_text(term))]
    blocks.append(context(_source(term)))
    return Message(text=fallback(f"{term.term}: {term.definition}"), blocks=blocks)


def term_text(term: Term) -> str:
    lines = [f":book: *{escape(term.term)}*: {escape(term.definition)}"]
    if term.why:
        lines.append(f"*Why it matters:* {escape(term.why)}")
    if term.aliases:
        lines.append("_Also written:_ " + ", ".join(escape(a) for a in term.aliases))
    return "\n".join(lines)


def _source(term: Term) -> str:
    if not term.added:
        return "From the shipped glossary."
    assert term.added_by is not None
    text = f"Added in Slack by {mention(term.added_by)}"
    if term.updated_by:
        text += f", last changed by {mention(term.updated_by)}"
    return text + "."


def _unknown(answer: Answer) -> Message:
    text = f"The glossary has no `{escape(answer.asked)}`."
    if answer.close:
        text += " Did you mean " + " or ".join(f"*{escape(t.term)}*" for t in answer.close) + "?"
    text += " `/incident glossary` lists every term."
    return Message(text=fallback(text), blocks=[section(text)])


def glossary_listing(glossary: Glossary) -> Message:
    if not len(glossary):
        text = "The glossary is empty. " + _how_to_add()
        return Message(text=fallback(text), blocks=[section(text)])
    title = f":book: *Glossary*: {len(glossary)} terms. {ASK}."
    names = [f"*{escape(t.term)}*" + (" _(added)_" if t.added else "") for t in glossary]
    lines = [" · ".join(names[i : i + 8]) for i in range(0, len(names), 8)]
    blocks = [section(title), *sections("\n".join(lines), most=40), context(_how_to_add())]
    return Message(text=fallback(title), blocks=blocks)


def added_message(term: Term) -> Message:
    text = f":white_check_mark: Saved to the glossary:\n{term_text(term)}"
    return Message(text=fallback(text), blocks=[section(text), context(_source(term))])


def _how_to_add() -> str:
    return (
        "Commanders (in their incident's channel) and admins add or change terms: "
        "`/incident glossary add <term> <definition>`."
    )
