from datetime import timedelta
from pathlib import Path

import pytest

from app.config import ConfigError, load_config, parse_config


def test_defaults_match_the_design() -> None:
    config = load_config(None)
    assert config.announcements_channel == "#incidents"
    scale = config.severity_scale()
    assert scale.keys == ["sev1", "sev2", "sev3", "sev4"]
    assert scale.get("sev1").update_every == timedelta(minutes=30)
    assert scale.get("sev3").update_every == timedelta(hours=1)
    assert scale.get("sev4").update_every is None


def test_a_full_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yaml"
    path.write_text(
        """
announcements_channel: C0INCIDENTS
severities:
  p1: {label: Outage, update_every: 15m}
  p2: {label: Degraded, update_every: 1h30m}
roles:
  model-owner:
    description: Owns the model in production
    instructions: Decide on rollback to the previous version.
admins: [U0ADMIN01]
"""
    )
    config = load_config(path)
    assert config.severity_scale().get("p2").update_every == timedelta(minutes=90)
    assert config.role_catalog().get("model-owner").instructions.startswith("Decide")
    assert config.admins == ["U0ADMIN01"]


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (
            {"severities": {"sev1": {"label": "X", "update_every": "30 minutes"}}},
            "severities.sev1.update_every",
        ),
        ({"severities": {"sev1": {"lable": "X"}}}, "severities.sev1.lable: unknown key"),
        ({"severites": {}}, "severites: unknown key"),
        ({"admins": ["bob"]}, "admins: 'bob' is not a Slack user ID"),
        ({"roles": {"commander": {"description": "x"}}}, "'commander' is built in"),
        ({"roles": {"Model Owner": {"description": "x"}}}, "not a valid role name"),
        ({"roles": {"x": {"description": "two\nlines"}}}, "roles.x.description"),
        ({"severities": {}}, "at least one severity"),
        ({"announcements_channel": " "}, "announcements_channel"),
    ],
)
def test_a_bad_file_names_the_key_and_the_problem(raw: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.").replace("'", "'")):
        parse_config(raw, source="warroom.yaml")


def test_unreadable_or_malformed_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("severities: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listed)
