"""Email words from the Slack rendering: Slack's escapes undone, markup read back, HTML safe."""

from __future__ import annotations

from datetime import UTC, datetime

from app.config import SHIPPED_TEMPLATES, WarroomConfig, parse_config
from app.rendering.approvals import required_approvals
from app.rendering.context import slack_date
from app.rendering.email import (
    default_subject,
    email_text,
    html_templates,
    html_with_names,
    mentioned,
    subject_line,
)
from app.rendering.samples import SAMPLE_TITLE, sample_contexts
from app.rendering.templates import TemplateRenderer
from app.services import outbox_messages as said

SLACK = (
    "*Service update*\n"
    "Impact: 3 &lt; 5 &amp; <!channel> typed as &lt;!channel&gt;\n"
    "Commander <@U0ALICE01>, tech lead <@U0BOBBY01|bob>, in <#C0INC01|inc-1-fraud>\n"
    "Due <!date^1795744800^{date_short_pretty} at {time}|2026-11-22 03:00 UTC>, "
    "see <https://status.example.com/?a=1&amp;b=2|the status page>"
)


def test_plain_text_reads_back_slack_markup_and_escapes() -> None:
    text = email_text(SLACK, {"U0ALICE01": "Alice Moreau"})
    assert text.splitlines() == [
        "*Service update*",
        "Impact: 3 < 5 & @channel typed as <!channel>",
        "Commander Alice Moreau, tech lead bob, in #inc-1-fraud",
        "Due 2026-11-22 03:00 UTC, see the status page (https://status.example.com/?a=1&b=2)",
    ]
    assert "@U0ALICE01" in email_text(SLACK)  # no name known: the mention, as text


def test_mentions_are_found_for_their_names() -> None:
    html = '<p><span data-warroom-mention="U0CAROL01">@U0CAROL01</span></p>'
    assert mentioned(SLACK, None, html) == {"U0ALICE01", "U0BOBBY01", "U0CAROL01"}
    named = html_with_names(html, {"U0CAROL01": "Carol <Ops> & Co"})
    assert named == "<p>Carol &lt;Ops&gt; &amp; Co</p>"


def test_subject_is_the_heading_on_one_bounded_line() -> None:
    assert default_subject(SLACK) == "Service update"
    assert default_subject(":newspaper: *Incident digest for Monday*\nmore") == (
        "Incident digest for Monday"
    )
    assert subject_line("A &amp; B\r\nBcc: x@example.com") == "A & B Bcc: x@example.com"
    assert len(subject_line("x" * 500)) == 200


def test_html_siblings_escape_what_people_typed_and_render_app_markup() -> None:
    config = WarroomConfig()
    contexts = sample_contexts(
        config.severity_scale(), config.role_catalog(), config.audience_list()
    )
    html = html_templates(SHIPPED_TEMPLATES)
    context = contexts["updates/customer"]()
    context["update"] = context["update"].__class__(
        **{**context["update"].__dict__, "impact": "<script>alert(1)</script> & {{ 7*7 }}"}
    )
    context["next_update"] = slack_date(datetime(2026, 3, 4, 3, 45, tzinfo=UTC))
    rendered = html.render("updates/customer.html", **context)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ 7*7 }}" in rendered
    assert "<script>" not in rendered and "49" not in rendered
    assert "by 2026-03-04 03:45 UTC" in rendered  # a date: its written-out fallback
    assert SAMPLE_TITLE not in rendered and "<!date" not in rendered


def test_the_email_kind_round_trips() -> None:
    email = said.Email("customer", ["a@example.com"], "s@example.com", "Subj", "Text", "<p>x</p>")
    assert said.decode(email.encode()) == email


def test_email_siblings_need_approval_once_their_audience_is_emailed() -> None:
    exists = TemplateRenderer(SHIPPED_TEMPLATES).exists
    emailed = parse_config(
        {"audiences": {"customer": {"email": {"to": ["a@example.com"], "from": "s@example.com"}}}}
    )
    required = required_approvals(emailed.audience_list(), exists)
    assert {"updates/customer.html", "resolution/customer.html"} <= set(required)
    assert "updates/regulator.html" not in required  # it has none
    assert "updates/customer.html" not in required_approvals(
        WarroomConfig().audience_list(), exists
    )
