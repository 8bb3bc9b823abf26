"""Render a ``Feedback`` as escaped HTML, the same way in every component.

A status line, then the findings grouped by severity, each with its rule id
(so a trainer can look it up in docs/rules.md), the message and the fix.
Every piece of text is escaped, and bidi controls are dropped from it:
findings can quote learner text.
"""
from __future__ import annotations

import html
from typing import Iterable

from advocacy_lab.core.feedback import SEVERITIES, Feedback, Finding
from advocacy_lab.core.text import strip_bidi_controls
from advocacy_lab.core.catalogue import REFERENCE, languages, texts


_ICONS = {"error": "✖", "warning": "⚠", "tip": "💡"}
_COLOURS = {"error": "#b00020", "warning": "#8a5a00", "tip": "#1b5e9b"}


def _shown(text: str) -> str:
    """Text that may quote the learner, as HTML: escaped, with no bidi control
    (a Finding drops them already; this holds for any finding-like object too)."""
    return html.escape(strip_bidi_controls(str(text)))


def label(key: str, lang: str = "en", **fields: str) -> str:
    text = texts("feedback", lang if lang in languages() else REFERENCE)[key]
    return text.format(**fields) if fields else text


def _fix_for(finding: Finding) -> str | None:
    """The finding's own fix, else the fix declared with its rule (if known)."""
    if finding.suggestion:
        return finding.suggestion
    try:  # The rule table is optional here: quiz findings have no rule entry.
        from advocacy_lab.checks import RULES
    except ImportError:  # pragma: no cover - only while the core is being built
        return None
    for rule in RULES:
        if getattr(rule, "id", None) == finding.rule_id:
            return getattr(rule, "fix", None)
    return None


def render_status(passed: bool, *, platform_name: str | None = None, lang: str = "en") -> str:
    """The one-line verdict, e.g. "Ready to post on X" / "Not ready yet to post on X"."""
    if platform_name is not None:
        key = "ready" if passed else "not_ready"
        text = label(key, lang, name=platform_name)
    else:
        text = label("passed" if passed else "failed", lang)
    state = "pass" if passed else "fail"
    icon = "✔" if passed else "✖"
    colour = "#1e6b2f" if passed else "#b00020"
    return (
        f'<div class="al-status al-status-{state}" style="font-weight:600;color:{colour}">'
        f'<span aria-hidden="true">{icon}</span> {html.escape(text)}</div>'
    )


def render_findings(findings: Iterable[Finding], *, lang: str = "en") -> str:
    """Findings grouped by severity (errors first), each with its rule id and fix."""
    findings = tuple(findings)
    if not findings:
        return f'<p class="al-no-findings">{html.escape(label("no_findings", lang))}</p>'
    parts = []
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        colour = _COLOURS[severity]
        parts.append(
            f'<div class="al-findings al-findings-{severity}">'
            f'<div style="font-weight:600;color:{colour}">'
            f'<span aria-hidden="true">{_ICONS[severity]}</span> '
            f"{html.escape(label(severity, lang))}</div><ul style=\"margin:0.2em 0 0.5em 0\">"
        )
        for finding in group:
            fix = _fix_for(finding)
            fix_html = (
                f'<br><span class="al-fix"><strong>{html.escape(label("fix", lang))}</strong> '
                f"{_shown(fix)}</span>"
                if fix
                else ""
            )
            parts.append(
                f'<li class="al-finding al-finding-{severity}" data-rule="{html.escape(finding.rule_id)}">'
                f'<code class="al-rule-id">{html.escape(finding.rule_id)}</code> '
                f'<span class="al-message">{_shown(finding.message)}</span>{fix_html}</li>'
            )
        parts.append("</ul></div>")
    return "".join(parts)


def render_feedback(
    feedback: Feedback, *, platform_name: str | None = None, lang: str = "en"
) -> str:
    """Status line plus findings, as one escaped HTML fragment."""
    return (
        '<div class="al-feedback-view">'
        + render_status(feedback.passed, platform_name=platform_name, lang=lang)
        + render_findings(feedback.findings, lang=lang)
        + "</div>"
    )
