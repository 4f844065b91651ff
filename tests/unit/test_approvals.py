import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from app.config import SHIPPED_TEMPLATES, WarroomConfig
from app.rendering.approvals import (
    ApprovalBook,
    approval_problems,
    content_hash,
    required_approvals,
)

REQUIRED = required_approvals(WarroomConfig().audience_list())


def test_the_shipped_approval_wording_is_approved_and_unchanged() -> None:
    assert REQUIRED == [
        "updates/customer",
        "resolution/customer",
        "updates/regulator",
        "resolution/regulator",
        "summary",
    ]
    assert approval_problems(ApprovalBook(SHIPPED_TEMPLATES), REQUIRED) == []


def test_approving_records_hash_approver_and_date(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED_TEMPLATES, tmp_path / "t")
    book = ApprovalBook(tmp_path / "t")
    approval = book.approve("updates/business", "Dana Lee, PR", date(2026, 11, 23))
    source = (tmp_path / "t" / "updates" / "business.j2").read_bytes()
    assert approval.sha256 == content_hash(source)
    status = book.status("updates/business")
    assert status.approved and status.label == "approved by Dana Lee, PR on 2026-11-23"


def test_a_changed_or_unapproved_template_is_reported(tmp_path: Path) -> None:
    shutil.copytree(SHIPPED_TEMPLATES, tmp_path / "t")
    book = ApprovalBook(tmp_path / "t")
    customer = tmp_path / "t" / "updates" / "customer.j2"
    customer.write_text(customer.read_text().replace("We apologise", "Sorry"))
    status = book.status("updates/customer")
    assert not status.approved and status.label.startswith("changed since it was approved by")
    (tmp_path / "t" / "approvals.lock").write_text("{}")
    problems = approval_problems(book, REQUIRED)
    assert len(problems) == 5 and all("not approved" in p for p in problems)


def test_approving_needs_a_name_and_an_existing_template(tmp_path: Path) -> None:
    book = ApprovalBook(tmp_path)
    with pytest.raises(FileNotFoundError):
        book.approve("updates/nope", "Dana", date.today())
    (tmp_path / "x.j2").write_text("hi")
    with pytest.raises(ValueError, match="say who approves"):
        book.approve("x", "  ", date.today())


@pytest.mark.parametrize(
    ("line", "tag"),
    [
        ('{% include "extra.j2" %}', "{% include %}"),
        ('{% import "macros.j2" as m %}', "{% import %}"),
        ('{% from "macros.j2" import promise %}', "{% from … import %}"),
        ('{% extends "base.j2" %}', "{% extends %}"),
    ],
)
def test_a_template_taking_words_from_another_file_is_never_approved(
    tmp_path: Path, line: str, tag: str
) -> None:
    """Its hash covers only its own file, not the words it pulls in."""
    shutil.copytree(SHIPPED_TEMPLATES, tmp_path / "t")
    book = ApprovalBook(tmp_path / "t")
    customer = tmp_path / "t" / "updates" / "customer.j2"
    customer.write_text(customer.read_text() + line + "\n")
    with pytest.raises(ValueError, match="cannot be approved"):
        book.approve("updates/customer", "Dana Lee, Legal", date(2026, 11, 23))
    # An approval recorded before this rule, hash and all, does not hold either.
    lock = json.loads(book.lock_path.read_text())
    lock["updates/customer"]["sha256"] = content_hash(customer.read_bytes())
    book.lock_path.write_text(json.dumps(lock))
    status = book.status("updates/customer")
    assert not status.approved and tag in status.label
    [problem] = approval_problems(book, REQUIRED)
    assert "updates/customer.j2: unapprovable" in problem and tag in problem
