"""Render a ``Feedback`` as escaped HTML, the same way in every component.

A verdict line ("Ready", "Ready, with suggestions", "Not ready yet"), then the
findings grouped by severity, each with its message and fix; the reading ease
in words; and, when part of the post does not fit or does not show before
"more", the post itself with that part marked.

Learners never see a rule id or a raw score: the id stays in a ``data-rule``
attribute (tests and trainers' tools find a finding by it). Every piece of
text is escaped, and bidi controls are dropped from it: findings can quote
learner text, and the marked post *is* learner text.
"""
from __future__ import annotations

import html
import unicodedata
from typing import Iterable

from advocacy_lab.core.catalogue import REFERENCE, languages, text, texts
from advocacy_lab.core.feedback import SEVERITIES, Feedback, Finding, Verdict
from advocacy_lab.core.message import format_number
from advocacy_lab.core.text import strip_bidi_controls

_ICONS = {"error": "✖", "warning": "⚠", "tip": "💡"}
_COLOURS = {"error": "#b00020", "warning": "#8a5a00", "tip": "#1b5e9b"}

# Each verdict has its own class, icon, words and border style, so it never
# rests on colour alone (the words come first; the icon is decoration).
_VERDICT_LOOK = {
    Verdict.READY: ("✔", "#1e6b2f", "solid"),
    Verdict.SUGGESTIONS: ("◐", "#8a5a00", "dashed"),
    Verdict.NOT_READY: ("✖", "#b00020", "double"),
}

#: The marked post shows at most this many characters of each part (kept,
#: hidden behind "more", over the limit); the middle of a longer part is left out.
MARKED_PART_CHARS = 600

_SR_ONLY = (
    "position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;"
    "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap"
)
_MARK_STYLE = {
    # Over the limit: red tint, and a wavy underline so it shows without colour too.
    "over": "background:#fde0dc;color:inherit;text-decoration:underline wavy #b00020;"
    "text-decoration-thickness:2px;text-underline-offset:3px",
    # Hidden behind "more": yellow tint and a dotted underline.
    "preview": "background:#fff4c2;color:inherit;text-decoration:underline dotted #6b4e00;"
    "text-decoration-thickness:2px;text-underline-offset:3px",
}


def _lang(lang: str) -> str:
    return lang if lang in languages() else REFERENCE


def _shown(value: object) -> str:
    """Text that may quote the learner, as HTML: escaped, with no bidi control
    (a Finding drops them already; this holds for any finding-like object too)."""
    return html.escape(strip_bidi_controls(str(value)))


def label(key: str, lang: str = "en", **fields: str) -> str:
    sentence = texts("feedback", _lang(lang))[key]
    return sentence.format(**fields) if fields else sentence


def _fix_for(finding: Finding) -> str | None:
    """The finding's own fix, else the fix declared with its rule (if known)."""
    if finding.suggestion:
        return finding.suggestion
    from advocacy_lab.core.rules import rules_by_id

    rule = rules_by_id().get(getattr(finding, "rule_id", None))
    return rule.fix if rule is not None else None


def verdict_of(feedback_or_passed: Feedback | bool) -> Verdict:
    """The verdict of a Feedback; a bare bool (older callers) is ready or not ready."""
    if isinstance(feedback_or_passed, Feedback):
        return feedback_or_passed.verdict
    return Verdict.READY if feedback_or_passed else Verdict.NOT_READY


def verdict_colour(feedback_or_passed: Feedback | bool) -> str:
    """The accent colour of the verdict (for a section border that matches it)."""
    return _VERDICT_LOOK[verdict_of(feedback_or_passed)][1]


def render_status(
    feedback_or_passed: Feedback | bool, *, platform_name: str | None = None, lang: str = "en"
) -> str:
    """The one-line verdict, e.g. "Ready to post on X, with suggestions".

    Pass the ``Feedback``: a bool cannot tell "ready" from "ready, with
    suggestions", so a bool gives only ready / not ready.
    """
    verdict = verdict_of(feedback_or_passed)
    if platform_name is not None:
        words = label(f"verdict_on.{verdict.value}", lang, name=platform_name)
    else:
        words = label(f"verdict.{verdict.value}", lang)
    icon, colour, border = _VERDICT_LOOK[verdict]
    state = "fail" if verdict is Verdict.NOT_READY else "pass"
    css = verdict.value.replace("_", "-")
    return (
        f'<div class="al-status al-status-{state} al-verdict al-verdict-{css}" data-verdict="{verdict.value}" '
        f'style="font-weight:600;color:{colour};border:2px {border} {colour};border-radius:0.3em;'
        f'padding:0.15em 0.5em;display:inline-block;margin:0.2em 0">'
        f'<span aria-hidden="true">{icon}</span> {html.escape(words)}</div>'
    )


def render_findings(findings: Iterable[Finding], *, lang: str = "en") -> str:
    """Findings grouped by severity (errors first), each with its message and fix."""
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
                f'<li class="al-finding al-finding-{severity}" data-rule="{html.escape(str(finding.rule_id))}">'
                f'<span class="al-message">{_shown(finding.message)}</span>{fix_html}</li>'
            )
        parts.append("</ul></div>")
    return "".join(parts)


def render_reading(feedback: Feedback, *, lang: str = "en") -> str:
    """Reading ease in words ("Reading ease: fairly easy."), or, for a language
    the score cannot measure, a sentence that says so. Empty for short posts."""
    metrics = feedback.metrics
    level = metrics.get("reading_level")
    if level:
        words = text(f"reading.level.{level}", _lang(lang))
        return (
            f'<p class="al-reading al-reading-{html.escape(level)}" data-level="{html.escape(level)}" '
            f'style="margin:0.2em 0;font-size:0.9em">{html.escape(label("reading", lang, level=words))}</p>'
        )
    from advocacy_lab.core.readability import reading_scale

    scale = reading_scale()
    language = metrics.get("language")
    if language and language not in scale.measured_languages and (metrics.get("words") or 0) >= scale.min_words:
        return (
            f'<p class="al-reading al-reading-not-measured" style="margin:0.2em 0;font-size:0.9em">'
            f'{html.escape(label("reading_not_measured", lang))}</p>'
        )
    return ""


def _cut_safely(part: str, at: int) -> int:
    """Move a cut forward past combining marks so no accent is split from its letter."""
    while 0 < at < len(part) and unicodedata.combining(part[at]):
        at += 1
    return at


def _part_html(part: str, lang: str, *, keep: str = "both") -> str:
    """One part of the post, escaped; the middle of a long part is left out
    (``keep``: "both" ends, "head" only, or "tail" only) and says how much."""
    limit = MARKED_PART_CHARS
    if len(part) <= limit:
        return _shown(part)

    def elided(count: int) -> str:
        return (
            f'<span class="al-elided" style="color:#555;font-style:italic">'
            f'{html.escape(label("marked.elided", lang, count=format_number(count, _lang(lang))))}</span>'
        )

    if keep == "head":
        cut = _cut_safely(part, limit)
        return _shown(part[:cut]) + " " + elided(len(part) - cut)
    if keep == "tail":
        cut = _cut_safely(part, len(part) - limit)
        return elided(cut) + " " + _shown(part[cut:])
    head = _cut_safely(part, limit // 2)
    tail = _cut_safely(part, len(part) - limit // 2)
    return _shown(part[:head]) + " " + elided(tail - head) + " " + _shown(part[tail:])


def _mark(kind: str, inner: str, lang: str) -> str:
    """A marked part, with words before and after it for screen readers."""
    start = html.escape(label(f"marked.{kind}_start", lang))
    end = html.escape(label(f"marked.{kind}_end", lang))
    return (
        f'<mark class="al-mark al-mark-{kind}" style="{_MARK_STYLE[kind]}">'
        f'<span class="al-sr-only" style="{_SR_ONLY}">{start} </span>{inner}'
        f'<span class="al-sr-only" style="{_SR_ONLY}"> {end}</span></mark>'
    )


def render_marked_post(
    post: str, feedback: Feedback, *, platform_name: str | None = None, lang: str = "en"
) -> str:
    """The post, escaped, with the part hidden behind "more" and the part over the
    limit marked. The cut points are the checker's (``preview_cut`` and
    ``limit_cut``: offsets counted the platform's way), never counted here.
    Empty when the whole post fits and shows."""
    metrics = feedback.metrics
    limit_cut = metrics.get("limit_cut")
    preview_cut = metrics.get("preview_cut")
    if limit_cut is None and preview_cut is None:
        return ""
    post = post[: int(metrics.get("checked_chars", len(post)))]
    name = platform_name or str(metrics.get("platform_name", ""))
    end = len(post)
    limit_at = end if limit_cut is None else min(int(limit_cut), end)
    preview_at = limit_at if preview_cut is None else min(int(preview_cut), limit_at)
    # Split first, then strip bidi controls from each part: the offsets are into the post as typed.
    shown, hidden, over = post[:preview_at], post[preview_at:limit_at], post[limit_at:]
    body = _part_html(shown, lang, keep="tail" if hidden or over else "both")
    if hidden:
        body += _mark("preview", _part_html(hidden, lang), lang)
    if over:
        body += _mark("over", _part_html(over, lang, keep="head"), lang)
    legend = []
    sample = html.escape(label("marked.sample", lang))
    if hidden:
        legend.append(
            f'<li><mark class="al-mark-sample al-mark-sample-preview" style="{_MARK_STYLE["preview"]}">{sample}</mark> '
            f'{html.escape(label("marked.preview", lang))}</li>'
        )
    if over:
        limit = metrics.get("limit")
        legend.append(
            f'<li><mark class="al-mark-sample al-mark-sample-over" style="{_MARK_STYLE["over"]}">{sample}</mark> '
            f'{html.escape(label("marked.over", lang, limit=str(format_number(limit, _lang(lang))), name=name))}</li>'
        )
    return (
        f'<div class="al-marked-post" data-limit-cut="{"" if limit_cut is None else int(limit_cut)}" '
        f'data-preview-cut="{"" if preview_cut is None else int(preview_cut)}" style="margin:0.4em 0">'
        f'<div style="font-size:0.9em">{html.escape(label("marked.title", lang, name=name))}</div>'
        f'<ul class="al-marked-legend" style="margin:0.1em 0 0.3em 0;padding-left:1.2em;font-size:0.9em">'
        f'{"".join(legend)}</ul>'
        f'<div class="al-marked-text" style="white-space:pre-wrap;overflow-wrap:anywhere;'
        f'border:1px solid #ccc;border-radius:0.3em;padding:0.4em 0.6em;max-width:46em">{body}</div></div>'
    )


def render_details(post: str, feedback: Feedback, *, platform_name: str | None = None, lang: str = "en") -> str:
    """What follows the findings: the reading ease in words and the marked post."""
    return render_reading(feedback, lang=lang) + render_marked_post(
        post, feedback, platform_name=platform_name, lang=lang
    )


def render_feedback(
    feedback: Feedback,
    *,
    platform_name: str | None = None,
    lang: str = "en",
    post: str | None = None,
) -> str:
    """Verdict plus findings (plus, given the ``post``, reading ease and the marked post)."""
    details = "" if post is None else render_details(post, feedback, platform_name=platform_name, lang=lang)
    return (
        '<div class="al-feedback-view">'
        + render_status(feedback, platform_name=platform_name, lang=lang)
        + render_findings(feedback.findings, lang=lang)
        + details
        + "</div>"
    )
