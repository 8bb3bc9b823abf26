"""Render a ``Feedback`` as escaped HTML, the same way in every component.

A verdict line ("Ready", "Ready, with suggestions", "Not ready yet"), then the
findings grouped by severity, each with its message and fix; the reading ease
in words; and, when part of the post does not fit or does not show before
"more", the post itself with that part marked. Where a platform hides a long
post behind "See more" at a point it publishes no figure for (Facebook), a
note says so and nothing is marked: no cut is guessed.

Learners never see a rule id or a raw score: the id stays in a ``data-rule``
attribute (tests and trainers' tools find a finding by it), and in a folded
"For trainers" detail under the feedback, with the raw measures. Every piece of
text is escaped, and bidi controls are dropped from it: findings can quote
learner text, and the marked post *is* learner text.

The look is the course stylesheet's (``ui/course.css``), by class: no inline
style, so the page and JupyterLab (``ui/course_style.py``) look the same.
"""
from __future__ import annotations

import html
import unicodedata
from typing import Iterable, Mapping

from advocacy_lab.core.catalogue import REFERENCE, languages, text, texts
from advocacy_lab.core.feedback import SEVERITIES, Feedback, Finding, Verdict
from advocacy_lab.core.message import format_number
from advocacy_lab.core.text import is_blank, strip_bidi_controls

_ICONS = {"error": "✖", "warning": "⚠", "tip": "💡"}

# Each verdict has its own class (al-verdict-<verdict>: colour and border
# style in the stylesheet), icon and words, so it never rests on colour alone
# (the words come first; the icon is decoration).
_VERDICT_ICON = {Verdict.READY: "✔", Verdict.SUGGESTIONS: "◐", Verdict.NOT_READY: "✖"}

#: What the "For trainers" detail lists, in this order (raw, as the checker measured them).
TRAINER_METRICS = (
    "platform", "counting", "length", "limit", "remaining", "preview_chars", "hashtags", "mentions",
    "links", "words", "language", "reading_ease", "reading_level", "has_cta", "checked_chars",
    "limit_cut", "preview_cut",
)

#: The marked post shows at most this many characters of each part (kept,
#: hidden behind "more", over the limit); the middle of a longer part is left out.
MARKED_PART_CHARS = 600


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
    state = "fail" if verdict is Verdict.NOT_READY else "pass"
    css = verdict.value.replace("_", "-")
    return (
        f'<div class="al-status al-status-{state} al-verdict al-verdict-{css}" data-verdict="{verdict.value}">'
        f'<span aria-hidden="true">{_VERDICT_ICON[verdict]}</span> {html.escape(words)}</div>'
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
        parts.append(
            f'<div class="al-findings al-findings-{severity}">'
            f'<div class="al-findings-title"><span aria-hidden="true">{_ICONS[severity]}</span> '
            f'{html.escape(label(severity, lang))}</div><ul class="al-findings-list">'
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
            f'<p class="al-reading al-reading-{html.escape(level)}" data-level="{html.escape(level)}">'
            f'{html.escape(label("reading", lang, level=words))}</p>'
        )
    from advocacy_lab.core.readability import reading_scale

    scale = reading_scale()
    language = metrics.get("language")
    if language and language not in scale.measured_languages and (metrics.get("words") or 0) >= scale.min_words:
        return (
            f'<p class="al-reading al-reading-not-measured">'
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
            f'<span class="al-elided">'
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
        f'<mark class="al-mark al-mark-{kind}">'
        f'<span class="al-sr-only">{start} </span>{inner}'
        f'<span class="al-sr-only"> {end}</span></mark>'
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
            f'<li><mark class="al-mark-sample al-mark-sample-preview">{sample}</mark> '
            f'{html.escape(label("marked.preview", lang))}</li>'
        )
    if over:
        limit = metrics.get("limit")
        legend.append(
            f'<li><mark class="al-mark-sample al-mark-sample-over">{sample}</mark> '
            f'{html.escape(label("marked.over", lang, limit=str(format_number(limit, _lang(lang))), name=name))}</li>'
        )
    return (
        f'<div class="al-marked-post" data-limit-cut="{"" if limit_cut is None else int(limit_cut)}" '
        f'data-preview-cut="{"" if preview_cut is None else int(preview_cut)}">'
        f'<div class="al-marked-title">{html.escape(label("marked.title", lang, name=name))}</div>'
        f'<ul class="al-marked-legend">{"".join(legend)}</ul>'
        f'<div class="al-marked-text">{body}</div></div>'
    )


def _cut_unpublished(metrics: Mapping[str, object], lang: str) -> str | None:
    """What the catalogue says of a platform that hides a long post behind "more"
    at a point it publishes no figure for (``feedback.see_more.<platform>``), or
    None. Such a platform has no ``preview_chars`` in data/platforms.json (its
    note says why), so nothing is marked: the learner is told so, with no figure."""
    if metrics.get("preview_chars") is not None:
        return None
    return texts("feedback.see_more", _lang(lang)).get(str(metrics.get("platform", "")))


def render_cut_unpublished(post: str, feedback: Feedback, *, lang: str = "en") -> str:
    """The note on a platform whose "See more" cut has no published figure; empty elsewhere
    and for an empty post."""
    words = _cut_unpublished(feedback.metrics, lang)
    if words is None or is_blank(post):
        return ""
    platform = html.escape(str(feedback.metrics.get("platform", "")))
    return f'<p class="al-see-more-unpublished" data-platform="{platform}">{html.escape(words)}</p>'


def render_details(post: str, feedback: Feedback, *, platform_name: str | None = None, lang: str = "en") -> str:
    """What follows the findings: the reading ease in words, the marked post, and
    where a platform's "more" cut is unknown, a note saying so."""
    return (
        render_reading(feedback, lang=lang)
        + render_marked_post(post, feedback, platform_name=platform_name, lang=lang)
        + render_cut_unpublished(post, feedback, lang=lang)
    )


def _raw(value: object) -> str:
    """A measure as the checker gave it (None as a dash), escaped."""
    return "–" if value is None else _shown(value)


def render_for_trainers(feedback: Feedback, *, lang: str = "en") -> str:
    """A folded "For trainers" detail: the rule id behind each finding (in the
    order they are shown) and the raw measures. Closed by default, so the
    learner's view stays free of ids and scores; every value is escaped."""
    findings = [f for severity in SEVERITIES for f in feedback.findings if f.severity == severity]
    if findings:
        rules = "".join(
            f'<li><code class="al-trainers-rule">{_shown(f.rule_id)}</code> '
            f"({html.escape(label(f.severity, lang))})</li>"
            for f in findings
        )
    else:
        rules = f"<li>{html.escape(label('trainers.no_rules', lang))}</li>"
    metrics = feedback.metrics
    shown = {name: _raw(metrics[name]) for name in TRAINER_METRICS if name in metrics}
    if "preview_chars" in shown and _cut_unpublished(metrics, lang) is not None:
        # Not "none": the platform has a cut, at a point it does not publish.
        shown["preview_chars"] = html.escape(label("trainers.no_published_figure", lang))
    measures = "".join(
        f'<li><code>{name}</code>: <span class="al-trainers-metric" data-metric="{name}">{value}</span></li>'
        for name, value in shown.items()
    )
    measures_html = (
        f'<div>{html.escape(label("trainers.metrics", lang))}</div><ul class="al-trainers-list">{measures}</ul>'
        if measures
        else ""
    )
    return (
        f'<details class="al-trainers"><summary>{html.escape(label("trainers.title", lang))}</summary>'
        f'<div>{html.escape(label("trainers.rules", lang))}</div><ol class="al-trainers-list">{rules}</ol>'
        f"{measures_html}</details>"
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
        + render_for_trainers(feedback, lang=lang)
        + "</div>"
    )
