"""Which rule an alert's labels match, and so what it leads to. First match wins.

`match` wants each label equal; `match_re` wants each label present and its value matching the
regular expression in full (anchored, as Alertmanager's matchers are: `Drift` does not match
`ModelDrift`). A rule with both wants all of them; a rule with neither matches every alert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.alerts import Decided, Rule


@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        if any(labels.get(key) != value for key, value in self.rule.match.items()):
            return False
        return all(
            key in labels and pattern.fullmatch(labels[key]) is not None
            for key, pattern in self.patterns
        )


class RuleBook:
    """The organisation's rules with their regular expressions compiled once, at start-up,
    rather than for every alert of a storm."""

    def __init__(self, rules: Sequence[Rule], default: Rule) -> None:
        """Raises ValueError naming the rule (by index) whose expression does not compile."""
        self.rules = tuple(rules)
        self.default = default
        self._compiled = tuple(_compile(index, rule) for index, rule in enumerate(self.rules))

    def decide(self, labels: Mapping[str, str]) -> Decided:
        for index, compiled in enumerate(self._compiled):
            if compiled.matches(labels):
                rule = compiled.rule
                # A rule may leave the severity to the default's; the playbook it leaves to
                # the catalog (the system's own playbook), not to the default.
                severity = rule.severity or self.default.severity
                return Decided(rule.action, severity, rule.playbook, index)
        return Decided(self.default.action, self.default.severity, self.default.playbook, None)


def decide(rules: Sequence[Rule], default: Rule, labels: Mapping[str, str]) -> Decided:
    """One alert against `rules`; for many alerts build a RuleBook once and ask it."""
    return RuleBook(rules, default).decide(labels)


def compile_pattern(text: str) -> re.Pattern[str]:
    """Raises ValueError with re's own explanation (position included)."""
    try:
        return re.compile(text)
    except re.error as exc:
        raise ValueError(f"{text!r} is not a regular expression ({exc})") from None


def _compile(index: int, rule: Rule) -> _Compiled:
    patterns = []
    for key, text in rule.match_re.items():
        try:
            patterns.append((key, compile_pattern(text)))
        except ValueError as exc:
            raise ValueError(f"rules[{index}].match_re.{key}: {exc}") from None
    return _Compiled(rule, tuple(patterns))
