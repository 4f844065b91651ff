from pathlib import Path

import pytest

from app.config import SHIPPED_TEMPLATES, WarroomConfig
from app.domain.text import escape, escape_within
from app.rendering.context import incident_view
from app.rendering.samples import SAMPLE_TITLE, check_templates, sample_contexts, sample_incident
from app.rendering.templates import Markup, TemplateProblem, TemplateRenderer
from app.slack.blocks import incident as standing

CONFIG = WarroomConfig()
SCALE, ROLES = CONFIG.severity_scale(), CONFIG.role_catalog()


def write(folder: Path, name: str, text: str) -> TemplateRenderer:
    (folder / f"{name}.j2").write_text(text)
    return TemplateRenderer(folder)


def test_values_are_escaped_and_app_markup_is_not(tmp_path: Path) -> None:
    renderer = write(tmp_path, "t", "{{ title }} by {{ who }}")
    out = renderer.render("t", title="<!channel> & {{ 7*7 }}", who=Markup("<@U0ALICE01>"))
    assert out == "&lt;!channel&gt; &amp; {{ 7*7 }} by <@U0ALICE01>"


def test_a_missing_variable_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    renderer = write(tmp_path, "t", "line one\n{% if x %}\n{{ nope }}\n{% endif %}")
    with pytest.raises(TemplateProblem, match=r"t\.j2, line 3: 'nope' is undefined"):
        renderer.render("t", x=True)


def test_syntax_errors_name_the_line(tmp_path: Path) -> None:
    renderer = write(tmp_path, "t", "ok\n{% if %}")
    with pytest.raises(TemplateProblem, match=r"t\.j2, line 2"):
        renderer.render("t")


def test_the_sandbox_blocks_reaching_into_python(tmp_path: Path) -> None:
    renderer = write(tmp_path, "t", "{{ title.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateProblem):
        renderer.render("t", title="x")


def test_every_shipped_template_renders_with_sample_data() -> None:
    templates = TemplateRenderer(SHIPPED_TEMPLATES)
    assert check_templates(templates, SCALE, ROLES, CONFIG.audience_list()) == []


def test_a_broken_template_folder_is_reported_per_file(tmp_path: Path) -> None:
    for name in ("kickoff", "announcement"):
        (tmp_path / f"{name}.j2").write_text((SHIPPED_TEMPLATES / f"{name}.j2").read_text())
    (tmp_path / "announcement.j2").write_text("{{ incident.nonexistent }}")
    problems = check_templates(TemplateRenderer(tmp_path), SCALE, ROLES)
    assert any("announcement.j2, line 1" in p for p in problems)
    assert any("role_instructions.j2: missing" in p for p in problems)
    assert not any("kickoff" in p for p in problems)


def test_standing_messages_show_user_text_literally_and_fit_slack() -> None:
    templates = TemplateRenderer(SHIPPED_TEMPLATES)
    incident = sample_incident(SCALE, ROLES)
    view = incident_view(incident, {r.key: r for r in ROLES})
    for message in (standing.kickoff(view, templates), standing.announcement(view, templates)):
        rendered = str(message.blocks)
        assert "<!channel>" not in rendered and "<!channel>" not in message.text
        assert escape(SAMPLE_TITLE) in rendered
        assert "{{ 7*7 }}" in rendered and "49" not in rendered
        for block in message.blocks:
            text = block.get("text", {}).get("text", "")
            assert len(text) <= (150 if block["type"] == "header" else 3000)
    topic = standing.topic(incident)
    assert len(topic) <= 250 and "<!channel>" not in topic


def test_topic_is_cut_without_breaking_an_escape() -> None:
    long = escape_within("<" * 300, 40)
    assert len(long) <= 40 and long.endswith("…")
    assert long.replace("…", "").replace("&lt;", "") == ""


def test_every_template_renders_within_slacks_limits_and_shows_user_text_literally() -> None:
    from app.slack.messages import rendered

    templates = TemplateRenderer(SHIPPED_TEMPLATES)
    contexts = sample_contexts(SCALE, ROLES, CONFIG.audience_list())
    # Email siblings (`.html`, `.subject`) are rendered with their template's data.
    shipped = {name for name in templates.names() if not name.endswith((".html", ".subject"))}
    assert shipped == set(contexts), "every shipped template has sample data, and vice versa"
    for name, context in contexts.items():
        text = templates.render(name, **context())
        assert text.strip(), name
        message = rendered(text)
        assert len(message.blocks) <= 50 and len(message.text) <= 4000, name
        for block in message.blocks:
            assert len(block["text"]["text"]) <= 3000, name
        assert "<!channel>" not in text and "49" not in text, name
