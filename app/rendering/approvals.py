"""Pre-approved wording: a lock file beside the templates records who approved which content.

`warroom templates approve <name> --by "<who>"` stores the template's SHA-256, the approver and
the date in `approvals.lock`, committed with the templates. A template whose file no longer
matches its recorded hash is no longer approved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from app.domain.audiences import Audience
from app.rendering.email import EMAIL_HTML, EMAIL_SUBJECT
from app.rendering.templates import SUFFIX, other_files_used

LOCK_FILE = "approvals.lock"


@dataclass(frozen=True)
class Approval:
    sha256: str
    approved_by: str
    approved_on: str  # ISO date

    @property
    def label(self) -> str:
        return f"approved by {self.approved_by} on {self.approved_on}"


@dataclass(frozen=True)
class ApprovalStatus:
    name: str
    approval: Approval | None
    current_sha256: str | None  # None: the template file is missing
    other_files: tuple[str, ...] = ()  # include/import/extends: words the hash does not cover

    @property
    def approved(self) -> bool:
        matches = self.approval is not None and self.approval.sha256 == self.current_sha256
        return matches and not self.other_files

    @property
    def label(self) -> str:
        if self.current_sha256 is None:
            return "missing"
        if self.other_files:
            return f"unapprovable: {_pulls_in(self.other_files)}"
        if self.approval is None:
            return "not approved"
        if not self.approved:
            return f"changed since it was {self.approval.label}"
        return self.approval.label


def content_hash(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


class ApprovalBook:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock_path = folder / LOCK_FILE

    def approvals(self) -> dict[str, Approval]:
        if not self.lock_path.exists():
            return {}
        raw = json.loads(self.lock_path.read_text(encoding="utf-8"))
        return {name: Approval(**fields) for name, fields in raw.items()}

    def status(self, name: str, source: bytes | None = None) -> ApprovalStatus:
        """Whether `name` (or the exact `source` about to be rendered) is approved."""
        if source is None:
            path = self.folder / f"{name}{SUFFIX}"
            source = path.read_bytes() if path.is_file() else None
        current = content_hash(source) if source is not None else None
        other_files = other_files_used(source) if source is not None else ()
        return ApprovalStatus(name, self.approvals().get(name), current, other_files)

    def approve(self, name: str, by: str, on: date) -> Approval:
        path = self.folder / f"{name}{SUFFIX}"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such template")
        if not by.strip():
            raise ValueError('say who approves: --by "Jane Doe, Legal"')
        source = path.read_bytes()
        if other_files_used(source):
            raise ValueError(
                f"{path}: cannot be approved: {_pulls_in(other_files_used(source))}; "
                "write those words into this file instead"
            )
        approval = Approval(content_hash(source), by.strip(), on.isoformat())
        approvals = self.approvals()
        approvals[name] = approval
        text = json.dumps({k: asdict(v) for k, v in sorted(approvals.items())}, indent=2)
        self.lock_path.write_text(text + "\n", encoding="utf-8")
        return approval


def _pulls_in(tags: tuple[str, ...]) -> str:
    return f"it uses {' and '.join(tags)}, and an approval covers only its own file"


def approval_problems(book: ApprovalBook, required: list[str]) -> list[str]:
    """Approved templates whose file changed, and required ones never approved."""
    problems = []
    for name in sorted(set(book.approvals()) | set(required)):
        status = book.status(name)
        if status.approved:
            continue
        if status.approval is None and name not in required:
            continue
        problems.append(f"{book.folder / (name + SUFFIX)}: {status.label}")
    return problems


def required_approvals(
    audiences: Iterable[Audience], exists: Callable[[str], bool] = lambda name: False
) -> list[str]:
    """The templates whose wording must be approved before it is ever sent: approval
    audiences' updates and resolutions, and the executive summary; and, for an audience
    emailed, those templates' email siblings (`.subject`, `.html`) that `exists`."""
    audiences = list(audiences)
    names = [
        f"{kind}/{audience.key}"
        for audience in audiences
        if audience.requires_approval
        for kind in ("updates", "resolution")
    ]
    emailed = {
        f"{kind}/{a.key}" for a in audiences if a.email for kind in ("updates", "resolution")
    }
    if any(a.key == "executive" and a.email for a in audiences):
        emailed.add("summary")
    siblings = [
        f"{name}.{part}"
        for name in [*names, "summary"]
        if name in emailed
        for part in (EMAIL_SUBJECT, EMAIL_HTML)
        if exists(f"{name}.{part}")
    ]
    return [*names, "summary", *siblings]
