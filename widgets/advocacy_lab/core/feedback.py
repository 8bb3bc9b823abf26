"""Findings and feedback: what every checker returns.

A checker looks like a linter: it returns ``Feedback(findings, metrics)``,
where each finding points at a rule declared as data (see ``rules.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, Literal, Mapping

from .text import strip_bidi_controls

Severity = Literal["error", "warning", "tip"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "tip")


class Verdict(str, Enum):
    """What a learner can do with the draft, as a code the interface words
    (catalogue keys ``feedback.verdict.<code>``): never "ready" above a warning."""

    READY = "ready"  # no finding at all
    SUGGESTIONS = "suggestions"  # warnings or tips only: it can go out, better after a look
    NOT_READY = "not_ready"  # at least one error: it cannot go out as it is


@dataclass(frozen=True)
class Finding:
    """One problem (or tip) found in a learner's draft."""

    rule_id: str
    severity: Severity
    message: str
    span: tuple[int, int] | None = None  # (start, end) offsets into the checked text
    suggestion: str | None = None  # the plain-language fix

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {', '.join(SEVERITIES)}, not {self.severity!r}"
            )
        # Messages can quote learner text (a link, a tag): never carry a bidi
        # control that would make what is shown read differently.
        object.__setattr__(self, "message", strip_bidi_controls(self.message))
        object.__setattr__(self, "suggestion", strip_bidi_controls(self.suggestion))


@dataclass(frozen=True)
class Feedback:
    """The result of a check: findings plus measured metrics."""

    findings: tuple[Finding, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Freeze both parts so a Feedback can be shared and cached safely.
        object.__setattr__(self, "findings", tuple(self.findings))
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))

    @property
    def passed(self) -> bool:
        """True when there is no ``"error"`` finding."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def verdict(self) -> Verdict:
        """Not ready on any error; ready with suggestions on any warning or tip; else ready."""
        severities = {f.severity for f in self.findings}
        if "error" in severities:
            return Verdict.NOT_READY
        if severities:
            return Verdict.SUGGESTIONS
        return Verdict.READY

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.findings)

    def by_severity(self, severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == severity)
