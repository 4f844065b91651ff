"""WARROOM_SMTP_URL and the `email` blocks of audiences: read, checked, explained."""

from __future__ import annotations

import pytest

from app.bootstrap import mailer
from app.config import ConfigError, Settings, parse_config
from app.domain.email_addresses import parse_address
from app.integrations.mail import SmtpSettings, SmtpUrlProblem


def test_starttls_with_a_url_encoded_login() -> None:
    s = SmtpSettings.from_url(
        "smtp://warroom%40example.com:p%40ss%2Fw%3Ard@mail.example.com:587?starttls=true&timeout=10"
    )
    assert (s.host, s.port, s.starttls, s.implicit_tls) == ("mail.example.com", 587, True, False)
    assert (s.username, s.password, s.timeout) == ("warroom@example.com", "p@ss/w:rd", 10.0)
    assert "p@ss" not in repr(s) and "p@ss" not in s.described
    assert s.described == "mail.example.com:587 (STARTTLS, login as warroom@example.com)"


@pytest.mark.parametrize(
    ("url", "port", "tls", "starttls"),
    [
        ("smtps://u:p@mail.example.com", 465, True, False),
        ("smtp://mail.example.com?starttls=true", 587, False, True),
        ("smtp://relay.internal", 25, False, False),
        ("SMTP://relay.internal:2525?starttls=false", 2525, False, False),
    ],
)
def test_default_ports_and_tls(url: str, port: int, tls: bool, starttls: bool) -> None:
    s = SmtpSettings.from_url(url)
    assert (s.port, s.implicit_tls, s.starttls) == (port, tls, starttls)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example.com", "use smtp://"),
        ("smtp://:587", "name the mail server"),
        ("smtp://u:hunter2@mail.example.com:587", "unencrypted"),
        ("smtps://mail.example.com?starttls=true", "TLS already"),
        ("smtp://mail.example.com?starttls=maybe", "true or false"),
        ("smtp://mail.example.com?tls=1", "unknown option 'tls'"),
        ("smtp://mail.example.com?timeout=0", "timeout"),
        ("smtp://u:hunter2@mail.example.com:99999?starttls=true", "port"),
    ],
)
def test_a_url_that_cannot_be_used_is_explained_without_repeating_it(
    url: str, problem: str
) -> None:
    with pytest.raises(SmtpUrlProblem, match=problem) as refused:
        SmtpSettings.from_url(url)
    assert "hunter2" not in str(refused.value)


EMAILED = {"audiences": {"customer": {"email": {"to": ["a@example.com"], "from": "s@example.com"}}}}


def test_an_emailed_audience_without_a_mail_server_stops_start_up() -> None:
    with pytest.raises(ConfigError, match=r"audiences\.customer\.email: set WARROOM_SMTP_URL"):
        mailer(Settings(warroom_smtp_url=""), parse_config(EMAILED))
    assert mailer(Settings(warroom_smtp_url=""), parse_config({})) is None
    assert mailer(Settings(warroom_smtp_url="smtp://relay.internal"), parse_config(EMAILED))


def test_a_bad_smtp_url_stops_start_up_without_showing_the_password() -> None:
    settings = Settings(warroom_smtp_url="smtp://u:hunter2@mail.example.com")
    with pytest.raises(ConfigError, match="WARROOM_SMTP_URL: the password would cross") as err:
        mailer(settings, parse_config(EMAILED))
    assert "hunter2" not in str(err.value) and "hunter2" not in repr(settings)


def test_an_audience_may_be_emailed_only_or_both() -> None:
    config = parse_config(
        {
            "audiences": {
                "customer": {"email": {"to": ["a@example.com"], "from": "S <s@example.com>"}},
                "regulator": {"channel": None, "email": {"to": ["r@x.example"], "from": "d@e.co"}},
                "partners": {"email": {"to": ["p@x.example"], "from": "d@e.co"}},  # added
            }
        }
    )
    audiences = {a.key: a for a in config.audience_list()}
    assert audiences["customer"].channel == "#customer-comms"  # kept from the defaults
    assert audiences["customer"].destination == "#customer-comms and by email to a@example.com"
    assert audiences["regulator"].channel is None
    assert audiences["partners"].destination == "by email to p@x.example"
    assert config.emailed_audiences() == ["customer", "regulator", "partners"]


@pytest.mark.parametrize(
    ("audience", "problem"),
    [
        ({"channel": None}, "say where it goes"),
        ({"email": {"to": ["not-an-address"], "from": "s@example.com"}}, "not an email address"),
        ({"email": {"to": [], "from": "s@example.com"}}, "at least one address"),
        ({"email": {"to": ["a@example.com", "A@example.com"], "from": "s@e.co"}}, "listed twice"),
        ({"email": {"to": ["a@example.com"], "from": "s@e.co\r\nBcc: x@y.co"}}, "line break"),
        ({"email": {"to": ["a@example.com"]}}, r"email\.from: Field required"),
        ({"email": {"to": ["a@example.com"], "from": "s@e.co", "cc": []}}, "unknown key"),
    ],
)
def test_a_bad_email_block_names_the_key_and_the_problem(
    audience: dict[str, object], problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_config({"audiences": {"customer": audience}})


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        ("status@example.com", ("", "status@example.com")),
        ("Example Status <status@example.com>", ("Example Status", "status@example.com")),
        (
            '"Example" <first.last+tag@mail.example.co.uk>',
            ("Example", "first.last+tag@mail.example.co.uk"),
        ),
    ],
)
def test_addresses_people_write(given: str, parsed: tuple[str, str]) -> None:
    assert parse_address(given) == parsed


@pytest.mark.parametrize(
    "bad",
    [
        "a@localhost",
        "a b@example.com",
        "a@@example.com",
        ".a@example.com",
        "a.@example.com",
        "<a@example.com",
        "a@-x.com",
    ],
)
def test_addresses_that_are_not(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_address(bad)
