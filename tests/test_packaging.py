"""`pip install .` (not editable) carries what the app reads at run time: the shipped message
templates, playbooks and drill scenarios, found inside the installed package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "app", "message_templates", "playbooks", "drills")


def test_every_package_under_app_is_listed_for_the_wheel() -> None:
    """pyproject.toml lists packages (the shipped folders are mapped in), so a new package
    must be added there or `pip install .` would leave it out."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "app").rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_an_installed_wheel_finds_the_shipped_templates_and_playbooks(tmp_path: Path) -> None:
    source = tmp_path / "source"
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(path, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("warroom-*.whl")
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)

    elsewhere = tmp_path / "elsewhere"  # not the repository: nothing found by accident
    elsewhere.mkdir()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
    env = {**clean, "PYTHONPATH": str(installed)}

    def app(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=elsewhere, env=env, capture_output=True, text=True
        )

    where = app("-c", "import app.config as c; print(c.SHIPPED_PLAYBOOKS, c.SHIPPED_TEMPLATES)")
    assert where.stdout.split() == [
        str(installed / "app" / "shipped" / "playbooks"),
        str(installed / "app" / "shipped" / "message_templates"),
    ]
    drills = app("-c", "import app.config as c; print(c.SHIPPED_DRILLS)")
    assert drills.stdout.strip() == str(installed / "app" / "shipped" / "drills")
    checked = app("-m", "app", "drills", "check")
    assert checked.returncode == 0 and "3 drill scenarios" in checked.stdout, checked.stderr
    listed = app("-m", "app", "playbooks", "list")
    assert listed.returncode == 0 and "model-drift" in listed.stdout, listed.stderr
    templates = app("-m", "app", "templates", "check")
    assert templates.returncode == 0, templates.stderr
    page = app("-c", "from app.rendering.status_page import _template; print(_template().name)")
    assert page.stdout.strip() == "status_page.html.j2", page.stderr  # the status page's HTML
