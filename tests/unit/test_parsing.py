import pytest

from app.config import WarroomConfig, parse_config
from app.domain.errors import InvalidInput
from app.slack import parsing as p
from app.slack.text import to_plain

CONFIG: WarroomConfig = parse_config(
    {"roles": {"model-owner": {"description": "Owns the model in production"}}}
)
PARSER = p.CommandParser(CONFIG.severity_scale(), CONFIG.role_catalog())
ME = "U0CALLER1"


def parse(text: str) -> p.Command:
    return PARSER.parse(text, ME)


def test_declare_with_severity_and_title() -> None:
    assert parse("declare sev1 Fraud model precision dropped 15%") == p.Declare(
        "sev1", "Fraud model precision dropped 15%"
    )
    assert parse("declare SEV2 Drift --private") == p.Declare("sev2", "Drift", private=True)


def test_declare_alone_opens_the_form() -> None:
    assert parse("declare") == p.Declare(None, "")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("declare sev9 Drift", "sev1, sev2, sev3, sev4"),
        ("declare Fraud model is down", "Start with a severity"),
        ("declare sev1", "Add a title"),
        ("declare sev1 --private", "Add a title"),
    ],
)
def test_declare_mistakes_say_what_would_work(text: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=hint):
        parse(text)


def test_titles_arrive_escaped_and_are_stored_plain() -> None:
    cmd = parse("declare sev1 Drift &amp; data loss &lt;!channel&gt; <!here> <@U0ANN0001|ann>")
    assert isinstance(cmd, p.Declare)
    assert cmd.title == "Drift & data loss <!channel> @here @ann"


def test_assign_takes_a_mention_or_me() -> None:
    assert parse("assign tech-lead <@U0DANA001|dana>") == p.Assign("tech-lead", "U0DANA001")
    assert parse("assign comms <@U0DANA001>") == p.Assign("comms", "U0DANA001")
    assert parse("assign model-owner me") == p.Assign("model-owner", ME)
    assert parse("assign IC <@U0DANA001>") == p.Assign("commander", "U0DANA001")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("assign ceo <@U0DANA001>", "Roles: commander, tech-lead"),
        ("assign comms dana", "mention them with @"),
        ("assign comms <#C0123|general>", "a channel or a group"),
        ("assign comms <!subteam^S0123|@oncall>", "a channel or a group"),
        ("assign comms", "Say which role and who"),
        ("unassign", "Which role?"),
        ("severity", "Which severity?"),
        ("severity sev7 because", "not a severity"),
        ("status", "Which status?"),
        ("status fixed", "not a status"),
        ("note", "Add the note"),
    ],
)
def test_mistakes_get_a_helpful_error(text: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=hint):
        parse(text)


def test_lifecycle_commands() -> None:
    assert parse("severity sev1 losses rising") == p.SetSeverity("sev1", "losses rising")
    assert parse("sev sev3") == p.SetSeverity("sev3", "")
    assert parse("status contained rolled back to v41") == p.SetStatus(
        "contained", "rolled back to v41"
    )
    assert parse("resolve precision back to baseline") == p.Resolve("precision back to baseline")
    assert parse("reopen") == p.Reopen("")
    assert parse("note PSI 0.31 on transaction_amount") == p.AddNote(
        "PSI 0.31 on transaction_amount"
    )
    assert parse("roles") == p.ShowRoles()
    assert parse("timeline") == p.ShowTimeline()


def test_help_and_unknown_subcommands() -> None:
    assert parse("") == p.Help()
    assert parse("help") == p.Help()
    assert parse("frobnicate now") == p.Help(unknown="frobnicate")


def test_every_subcommand_has_a_help_line() -> None:
    documented = {usage.split()[0] for usage, _ in p.USAGE}
    assert {
        "declare",
        "assign",
        "unassign",
        "roles",
        "severity",
        "status",
        "resolve",
        "reopen",
        "note",
        "timeline",
        "help",
    } <= documented


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        ("<@U1|ann> said hi", "@ann said hi"),
        ("ping <!channel> and <!here|here>", "ping @channel and @here"),
        ("see <#C1|ops-alerts>", "see #ops-alerts"),
        ("docs <https://x.test/a|runbook>", "docs runbook (https://x.test/a)"),
        ("bare <https://x.test/a>", "bare https://x.test/a"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        ("<!subteam^S1|@ml-oncall> help", "@ml-oncall help"),
    ],
)
def test_slack_markup_becomes_plain_text(escaped: str, plain: str) -> None:
    assert to_plain(escaped) == plain
