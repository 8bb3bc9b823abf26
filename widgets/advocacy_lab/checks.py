"""Public checks API: the one import for widgets, lessons and nbgrader tests.

    from advocacy_lab.checks import check_post, build_tracking_link, weighted_length
"""
from __future__ import annotations

from .core.counting import weighted_length
from .core.feedback import SEVERITIES, Feedback, Finding, Severity
from .core.links import build_tracking_link
from .core.message import check_post
from .core.platforms import Platform, get_platform, load_platforms
from .core.rules import Example, Rule, get_rule, load_rules, rules_markdown

PLATFORMS = load_platforms()
RULES = load_rules()

__all__ = [
    "PLATFORMS",
    "RULES",
    "SEVERITIES",
    "Example",
    "Feedback",
    "Finding",
    "Platform",
    "Rule",
    "Severity",
    "build_tracking_link",
    "check_post",
    "get_platform",
    "get_rule",
    "load_platforms",
    "load_rules",
    "rules_markdown",
    "weighted_length",
]
