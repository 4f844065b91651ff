import re

import pytest

from app.domain.channel_names import MAX_LENGTH, incident_channel_name, slugify

VALID = re.compile(r"^[a-z0-9_-]{1,80}$")


def test_a_plain_title_becomes_a_readable_slug() -> None:
    name = incident_channel_name(42, "Fraud model precision dropped 15%")
    assert name == "inc-42-fraud-model-precision-dropped-15"


def test_accents_are_folded_and_markup_dropped() -> None:
    assert (
        slugify("Précision du modèle <!channel> — Crédit") == "precision-du-modele-channel-credit"
    )


@pytest.mark.parametrize("title", ["不正検知モデルの精度低下", "🔥🔥🔥", "!!!", "   "])
def test_titles_with_nothing_latin_fall_back_to_the_number(title: str) -> None:
    assert incident_channel_name(7, title) == "inc-7"


def test_long_titles_are_cut_at_a_word_and_fit_slack() -> None:
    title = "Chatbot release " + "hallucinating harmful answers about refunds " * 5
    name = incident_channel_name(12345, title)
    assert len(name) <= MAX_LENGTH
    assert VALID.match(name)
    assert not name.endswith("-")
    assert name.split("-")[-1] in title.lower()  # whole word kept, not a fragment


def test_suffix_on_a_clash_keeps_the_limit() -> None:
    title = "x" * 200
    name = incident_channel_name(9, title, attempt=3)
    assert name.endswith("-3")
    assert len(name) <= MAX_LENGTH
    assert incident_channel_name(9, "Drift", attempt=2) == "inc-9-drift-2"
    assert incident_channel_name(9, "🔥", attempt=2) == "inc-9-2"


@pytest.mark.parametrize(
    "title",
    ["UPPER_case_Title", "a--b__c", "émoji 🚨 and 日本 mixed", "tab\tnew\nline", "-leading-"],
)
def test_every_name_uses_only_slacks_characters(title: str) -> None:
    assert VALID.match(incident_channel_name(1, title))
