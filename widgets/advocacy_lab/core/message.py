"""check_post: the linter for one social media post on one platform.

Pure function over plain text: no widgets, no I/O beyond reading the rule and
platform data once. Handles any text (empty, megabytes, any script, emoji
sequences, combining marks, control characters, lone surrogates, HTML) without
raising; only wrong argument types, an unknown platform or language raise.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from .catalogue import text as catalogue_text
from .counting import count_length, fit_index, scrub_surrogates, weighted_length
from .cta import find_cta
from .feedback import Feedback, Finding
from .links import has_utm, is_shortened
from .platforms import Platform, get_platform
from .readability import reading_scale
from .rules import get_rule, languages
from .text import (
    MAX_FIELD_CHARS,
    Token,
    cased_letter_counts,
    describe_char,
    detect_language,
    find_bidi_controls,
    find_control_chars,
    find_html,
    find_parts,
    is_blank,
)

__all__ = ["check_post", "weighted_length"]

# Past these sizes the text is far over every limit; judge style on a sample
# so a megabyte paste still gets an answer in well under a second.
STYLE_SAMPLE = 20_000
MAX_FINDINGS_PER_RULE = 10
CAMEL_CASE_MIN_LETTERS = 12
ALL_CAPS_SHARE = 0.8
ALL_CAPS_MIN_LETTERS = 15

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


class _Values(dict):
    """Template values; an unknown {placeholder} stays as written instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_number(value: Any, lang: str) -> Any:
    """A whole number with the language's thousands separator (12,345 / 12.345);
    anything else as it is. The separator is in the catalogue, with the words."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    return f"{value:,}".replace(",", catalogue_text("number.thousands_separator", lang))


class _Report:
    """Collects findings, formatting each rule's message and fix in one language."""

    def __init__(self, lang: str, platform: str, values: dict[str, Any]) -> None:
        self.lang = lang
        self.platform = platform
        self.values = values
        self.findings: list[Finding] = []

    def add(self, rule_id: str, span: tuple[int, int] | None = None, **extra: Any) -> None:
        rule = get_rule(rule_id)
        values = _Values({k: format_number(v, self.lang) for k, v in {**self.values, **extra}.items()})
        self.findings.append(
            Finding(
                rule_id=rule.id,
                severity=rule.severity,
                message=rule.message_in(self.lang).format_map(values),
                span=span,
                suggestion=rule.fix_in(self.lang, self.platform).format_map(values),
            )
        )


def _without(text: str, tokens: list[Token]) -> str:
    """``text`` with the given tokens blanked out (for style measures)."""
    if not tokens:
        return text
    parts, last = [], 0
    for token in sorted(tokens, key=lambda t: t.start):
        if token.start >= last:
            parts.append(text[last:token.start])
            parts.append(" ")
            last = token.end
    parts.append(text[last:])
    return "".join(parts)


def _reading_ease(text: str) -> float | None:
    """Flesch reading ease of English text, clamped to 0-100 (None if too little text)."""
    if not _WORD_RE.search(text):
        return None
    import textstat

    try:
        score = float(textstat.flesch_reading_ease(text))
    except (ValueError, ZeroDivisionError, TypeError):  # pragma: no cover - defensive
        return None
    if score != score:  # NaN
        return None
    return round(min(100.0, max(0.0, score)), 1)


def _validate(text: object, lang: object) -> None:
    if text is None:
        raise TypeError("text is None: pass the post as a string (use '' for an empty post)")
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    if not isinstance(lang, str) or lang not in languages():
        raise ValueError(f"lang must be one of {', '.join(languages())}, not {lang!r}")


def check_post(text: str, platform: str, lang: str = "en") -> Feedback:
    """Check one post for one platform; messages and fixes in ``lang`` ("en" or "vi").

    Returns ``Feedback(findings, metrics)``; metrics hold at least platform,
    length, limit, preview_chars, hashtags, mentions, links, reading_ease and
    checked_chars.

    A text longer than ``MAX_FIELD_CHARS`` is checked on its first
    ``MAX_FIELD_CHARS`` characters only (finding ``text.too_long_to_check``),
    so a huge paste still gets a quick answer; its length is still measured
    whole, so "too long for X" gives the true figure. Spans are offsets into
    ``text`` either way.
    """
    _validate(text, lang)
    p: Platform = get_platform(platform)
    full_length = len(text)
    length, exact = count_length(text, p)
    blank = is_blank(text)
    # Everything below reads only the checked part (the whole text up to the cap).
    text = text[:MAX_FIELD_CHARS]
    clean = scrub_surrogates(text)
    # X's own rules on X (its conformance suite), the generic ones elsewhere.
    links, hashtags, mentions = find_parts(text, p.id)
    sample = text[:STYLE_SAMPLE]
    prose = _without(sample, [t for t in links + hashtags + mentions if t.start < STYLE_SAMPLE])
    language = detect_language(prose)
    word_count = sum(1 for _ in _WORD_RE.finditer(prose))
    scale = reading_scale()
    # Flesch means nothing outside the languages it was made for (Vietnamese
    # would always look "easy"): no score at all there, rather than a wrong one.
    reading_ease = _reading_ease(scrub_surrogates(prose)) if language in scale.measured_languages else None
    reading_level = scale.level(reading_ease) if word_count >= scale.min_words else None
    cta_span = None if blank else find_cta(unicodedata.normalize("NFC", clean[:STYLE_SAMPLE]))
    judge_cta = language in ("en", "vi")

    metrics: dict[str, Any] = {
        "platform": p.id,
        "platform_name": p.name,
        "counting": p.counting,
        "length": length,
        "length_exact": exact,
        "limit": p.limit,
        "remaining": p.limit - length,
        "preview_chars": p.preview_chars,
        "hashtags": len(hashtags),
        "mentions": len(mentions),
        "links": len(links),
        "words": word_count,
        "language": language,
        "reading_ease": reading_ease,
        "reading_level": reading_level,
        "has_cta": (cta_span is not None) if judge_cta or cta_span else None,
        "checked_chars": len(text),
        # Where the post stops fitting / stops showing before "more", as offsets
        # into the text, counted the platform's way (None: it all fits / shows).
        "limit_cut": fit_index(text, p, p.limit) if length > p.limit else None,
        "preview_cut": (
            fit_index(text, p, p.preview_chars) if p.preview_chars and length > p.preview_chars else None
        ),
    }
    values = {
        **metrics,
        "over": max(0, length - p.limit),
        "max_hashtags": p.max_hashtags,
        "max_mentions": p.max_mentions,
        "max_links": p.max_links,
    }
    report = _Report(lang, p.id, values)

    if blank:
        report.add("text.empty")
        return Feedback(tuple(report.findings), metrics)
    if full_length > len(text):
        report.add("text.too_long_to_check", (len(text), full_length))

    # Length and what the reader sees first.
    if metrics["limit_cut"] is not None:
        report.add("length.over_limit", (metrics["limit_cut"], full_length))
    if metrics["preview_cut"] is not None:
        cut = metrics["preview_cut"]
        # Only when there is an ask to move up: a post with none gets cta.missing
        # alone, whose fix (for this platform) already says where to put it.
        if cta_span is not None and find_cta(unicodedata.normalize("NFC", clean[:cut])) is None:
            report.add("length.hook_truncated", (cut, full_length))
    if judge_cta and cta_span is None:
        report.add("cta.missing")

    # Hashtags and mentions.
    if p.max_hashtags is not None and len(hashtags) > p.max_hashtags:
        report.add("hashtags.too_many", (hashtags[p.max_hashtags].start, hashtags[-1].end))
    flagged = 0
    for tag in hashtags:
        body = tag.text[1:]
        letters = sum(1 for c in body if c.isalpha())
        if letters >= CAMEL_CASE_MIN_LETTERS and body == body.lower() and body != body.upper():
            report.add("hashtags.not_camel_case", tag.span, hashtag=tag.text)
            flagged += 1
            if flagged >= MAX_FINDINGS_PER_RULE:
                break
    if p.max_mentions is not None and len(mentions) > p.max_mentions:
        report.add("mentions.too_many", (mentions[p.max_mentions].start, mentions[-1].end))

    # Links.
    if p.max_links is not None and len(links) > p.max_links:
        report.add("links.too_many", (links[p.max_links].start, links[-1].end))
    counts = {"link.untracked": 0, "link.shortened": 0, "link.not_clickable": 0}

    def add_link(rule_id: str, link: Token) -> None:
        if counts[rule_id] < MAX_FINDINGS_PER_RULE:
            counts[rule_id] += 1
            report.add(rule_id, link.span, url=link.text)

    for link in links:
        if not p.links_clickable:
            add_link("link.not_clickable", link)
        if is_shortened(link.text):
            add_link("link.shortened", link)
        elif not has_utm(link.text):
            add_link("link.untracked", link)

    # Style: capitals, readability.
    upper, cased = cased_letter_counts(prose)
    if cased >= ALL_CAPS_MIN_LETTERS and upper >= ALL_CAPS_SHARE * cased:
        report.add("text.all_caps")
    if reading_level is not None and reading_ease < scale.hard_below:
        report.add("readability.hard")

    # Characters that should not be there. Bidi controls get their own finding
    # (they are also stripped from what is shown and copied), not text.control_chars.
    bidi = find_bidi_controls(text)
    if bidi:
        first = bidi[0]
        report.add("text.bidi_controls", (first, first + 1), count=len(bidi), char=describe_char(text[first]))
    controls = find_control_chars(text)
    if controls:
        first = controls[0]
        report.add(
            "text.control_chars", (first, first + 1), count=len(controls), char=describe_char(text[first])
        )
    html = find_html(text)
    if html:
        report.add("text.html", html[0].span, tag=html[0].text[:60])

    return Feedback(tuple(report.findings), metrics)
