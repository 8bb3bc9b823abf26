"""Feedback a learner can trust (issue #8, section 4).

- one verdict per platform, computed in the core and worded in the catalogue:
  never a bare "Ready" above a warning;
- no rule id or raw score in what the learner reads (the id stays in data-rule);
- the part of the post that does not fit, or does not show before "more", is
  marked in an escaped preview, cut where the platform's own counting cuts;
- each platform's fixes agree with each other and speak of that platform;
- every rule's message and fix is in the catalogue, in every language;
- rule ids and raw measures only in a folded "For trainers" detail;
- the look is the stylesheet's, by class (no inline style).
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from advocacy_lab.checks import PLATFORMS, RULES, check_post, weighted_length
from advocacy_lab.core import catalogue, rules as rules_module
from advocacy_lab.core.feedback import SEVERITIES as SEVERITY_NAMES, Feedback, Finding, Verdict
from advocacy_lab.core.readability import reading_scale
from advocacy_lab.core.rules import Rule
from advocacy_lab.ui.feedback_view import (
    MARKED_PART_CHARS,
    TRAINER_METRICS,
    render_feedback,
    render_for_trainers,
    render_marked_post,
    render_reading,
    render_status,
)
from stylesheet_support import declarations

LANGS = catalogue.languages()
READY = "Sign the petition to protect the Mekong Delta: https://example.org/p?utm_source=x&utm_medium=social&utm_campaign=mekong"
WARNINGS_ONLY = "Salt water is reaching our rice fields."  # no call to action: a warning
HARD_ENGLISH = (
    "The intensification of salinity intrusion necessitates comprehensive institutional coordination "
    "regarding integrated water resource governance. Consider signing the petition."
)
LONG_VIETNAMESE = (
    "Nước mặn đang lấn vào ruộng lúa của chúng tôi, các gia đình phải mua nước sạch để uống hằng ngày. "
    "Hãy ký kiến nghị để tỉnh xây thêm hồ chứa nước ngọt cho mùa khô năm sau."
)


# --- reading what a learner sees ------------------------------------------------

class _Visible(HTMLParser):
    """The text a sighted learner sees: no attributes, no screen-reader-only spans,
    nothing folded inside a closed <details> but its <summary> (that goes to
    ``folded``), with the text inside each <mark> collected by its class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.spoken: list[str] = []  # screen-reader-only words
        self.folded: list[str] = []  # inside a closed <details>, shown only when opened
        self.marks: dict[str, list[str]] = {}
        self._stack: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "input", "meta"):
            return
        attrs = dict(attrs)
        css = attrs.get("class") or ""
        if tag == "details" and "open" not in attrs:
            css += " closed-details"
        self._stack.append((tag, css))

    def handle_endtag(self, tag):
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        classes = " ".join(c for _, c in self._stack)
        if "al-sr-only" in classes:
            self.spoken.append(data)
            return
        if "closed-details" in classes and self._stack[-1][0] != "summary":
            self.folded.append(data)
            return
        self.text.append(data)
        for _, css in self._stack:
            if css.startswith("al-mark al-mark-"):
                self.marks.setdefault(css.split()[1], []).append(data)


def visible(fragment: str) -> _Visible:
    parser = _Visible()
    parser.feed(fragment)
    parser.close()
    return parser


def finding(severity: str, rule_id: str = "x.y") -> Finding:
    return Finding(rule_id, severity, f"a {severity}", suggestion="do this")


# --- the verdict, in the core ---------------------------------------------------

@pytest.mark.parametrize(
    ("severities", "verdict"),
    [
        ((), Verdict.READY),
        (("tip",), Verdict.SUGGESTIONS),
        (("warning",), Verdict.SUGGESTIONS),
        (("tip", "warning"), Verdict.SUGGESTIONS),
        (("error",), Verdict.NOT_READY),
        (("warning", "error"), Verdict.NOT_READY),
        (("tip", "error", "tip"), Verdict.NOT_READY),
    ],
)
def test_verdict_table(severities, verdict):
    fb = Feedback(tuple(finding(s) for s in severities))
    assert fb.verdict is verdict
    assert fb.passed is (verdict is not Verdict.NOT_READY)


@pytest.mark.parametrize(
    ("text", "platform", "verdict"),
    [
        (READY, "x", Verdict.READY),
        (WARNINGS_ONLY, "x", Verdict.SUGGESTIONS),
        ("Sign the petition. " + "a" * 300, "x", Verdict.NOT_READY),
        ("", "bluesky", Verdict.NOT_READY),
    ],
)
def test_check_post_gives_the_verdict(text, platform, verdict):
    assert check_post(text, platform).verdict is verdict


def test_every_verdict_is_worded_in_every_language():
    for lang in LANGS:
        words = {v: catalogue.text(f"feedback.verdict_on.{v.value}", lang, name="X") for v in Verdict}
        assert len(set(words.values())) == len(Verdict), lang  # three different sentences
        plain = {catalogue.text(f"feedback.verdict.{v.value}", lang) for v in Verdict}
        assert len(plain) == len(Verdict), lang


# --- the verdict, rendered ------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_rendered_verdict_has_its_own_class_words_and_border(lang):
    looks = {}
    for text, verdict in ((READY, Verdict.READY), (WARNINGS_ONLY, Verdict.SUGGESTIONS), ("", Verdict.NOT_READY)):
        fb = check_post(text, "x", lang=lang)
        assert fb.verdict is verdict
        html = render_status(fb, platform_name="X", lang=lang)
        css = verdict.value.replace("_", "-")
        assert f"al-verdict al-verdict-{css}" in html
        assert f'data-verdict="{verdict.value}"' in html
        words = "".join(visible(html).text)
        assert catalogue.text(f"feedback.verdict_on.{verdict.value}", lang, name="X") in words
        assert "style=" not in html  # the look is the stylesheet's, by class
        looks[verdict] = declarations(f".al-verdict-{css}")
    # Not colour alone: each verdict also has its own border style (and words and icon) ...
    assert len({look["border-style"] for look in looks.values()}) == 3
    # ... and its own colour, from the sheet's variables.
    assert len({look["color"] for look in looks.values()}) == 3
    assert all(look["color"].startswith("var(--al-") for look in looks.values())


def test_never_a_bare_ready_above_a_warning():
    fb = check_post(WARNINGS_ONLY, "x")
    assert fb.by_severity("warning")
    html = render_feedback(fb, platform_name="X")
    status = "".join(visible(render_status(fb, platform_name="X")).text).strip()
    assert status != "✔ Ready to post on X"
    assert "with suggestions" in status
    assert "al-verdict-ready" not in html and "al-verdict-suggestions" in html


# --- no rule id, no raw score ----------------------------------------------------

def _all_fail_examples():
    for rule in RULES:
        for i, ex in enumerate(rule.should_fail):
            if len(ex.text) <= 20_000:
                yield pytest.param(rule, ex, id=f"{rule.id}-{i}")


@pytest.mark.parametrize(("rule", "example"), list(_all_fail_examples()))
def test_learners_see_no_rule_id_but_the_page_keeps_it(rule, example):
    fb = check_post(example.text, example.platform, example.lang)
    html = render_feedback(fb, platform_name=PLATFORMS[example.platform].name, lang=example.lang, post=example.text)
    seen = visible(html)
    shown = "".join(seen.text) + "".join(seen.spoken)
    for other in RULES:
        assert other.id not in shown, (other.id, shown)
    assert f'data-rule="{rule.id}"' in html
    assert "Flesch" not in shown


def test_reading_ease_is_given_in_words_not_as_a_score():
    fb = check_post(HARD_ENGLISH, "x")
    assert "readability.hard" in fb.rule_ids
    score, level = fb.metrics["reading_ease"], fb.metrics["reading_level"]
    assert level in ("hard", "very_hard") and score < reading_scale().hard_below
    for lang in LANGS:
        fb = check_post(HARD_ENGLISH, "x", lang=lang)
        html = render_feedback(fb, platform_name="X", lang=lang, post=HARD_ENGLISH)
        shown = "".join(visible(html).text)
        assert catalogue.text(f"reading.level.{level}", lang) in shown
        assert f"{score}" not in shown and f"{score:g}" not in shown and "Flesch" not in shown
        (hard,) = [f for f in fb.findings if f.rule_id == "readability.hard"]
        assert not re.search(r"\d", hard.message), hard.message


@pytest.mark.parametrize(
    ("score", "level"),
    [(100.0, "very_easy"), (90.0, "very_easy"), (89.9, "easy"), (65.0, "plain"), (50.0, "fairly_hard"),
     (49.9, "hard"), (30.0, "hard"), (0.0, "very_hard")],
)
def test_reading_levels_follow_the_bands_in_the_data(score, level):
    assert reading_scale().level(score) == level


def test_every_reading_level_is_worded_in_every_language():
    levels = reading_scale().levels()
    assert len(levels) == len(set(levels)) >= 5
    for lang in LANGS:
        words = [catalogue.text(f"reading.level.{lvl}", lang) for lvl in levels]
        assert all(w.strip() for w in words) and len(set(words)) == len(levels)


@pytest.mark.parametrize("lang", LANGS)
def test_vietnamese_gets_no_meaningless_score_and_is_told_so(lang):
    # textstat would call this "very easy" (every Vietnamese word is one syllable).
    fb = check_post(LONG_VIETNAMESE, "facebook", lang=lang)
    assert fb.metrics["language"] == "vi"
    assert fb.metrics["reading_ease"] is None and fb.metrics["reading_level"] is None
    assert "readability.hard" not in fb.rule_ids
    line = render_reading(fb, lang=lang)
    assert "al-reading-not-measured" in line
    assert catalogue.text("feedback.reading_not_measured", lang) in line
    assert "data-level" not in line  # no level at all, rather than a wrong "easy"


def test_short_posts_get_no_reading_line():
    assert render_reading(check_post("Sign the petition today.", "x")) == ""
    assert render_reading(check_post("Hãy ký kiến nghị hôm nay.", "x", lang="vi")) == ""


# --- marking what does not fit ----------------------------------------------------

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(2)> "


@pytest.mark.parametrize("lang", LANGS)
def test_x_marks_from_the_weighted_cut(lang):
    # Vietnamese letters weigh 2 on X, emoji 2: the cut is X's, not a character count.
    post = HOSTILE + "Hãy ký kiến nghị 🌊👨‍👩‍👧 " + "ộ" * 200
    fb = check_post(post, "x", lang=lang)
    cut = fb.metrics["limit_cut"]
    assert cut is not None and fb.metrics["preview_cut"] is None
    assert weighted_length(post[:cut], "x") <= 280 < weighted_length(post[: cut + 1], "x")
    assert cut < 280  # a character count would have cut much later
    html = render_marked_post(post, fb, platform_name="X", lang=lang)
    seen = visible(html)
    assert "".join(seen.marks["al-mark-over"]) == post[cut:]
    assert "".join(seen.text).endswith(post[cut:])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert f'data-limit-cut="{cut}"' in html
    # A text alternative says where the part that does not fit starts and ends.
    assert catalogue.text("feedback.marked.over_start", lang) in " ".join(seen.spoken)
    assert catalogue.text("feedback.marked.over_end", lang) in " ".join(seen.spoken)
    # The legend names the platform and its limit, in the learner's language.
    assert catalogue.text("feedback.marked.over", lang, limit="280", name="X") in "".join(seen.text)


def test_instagram_marks_what_hides_behind_more_and_what_is_over():
    post = "Mỗi mùa khô nước mặn lấn sâu hơn 💧 " * 40 + "<b>Hãy ký kiến nghị</b> " * 60
    fb = check_post(post, "instagram", lang="vi")
    preview_cut, limit_cut = fb.metrics["preview_cut"], fb.metrics["limit_cut"]
    assert 0 < preview_cut < limit_cut < len(post)
    html = render_marked_post(post, fb, lang="vi")
    seen = visible(html)
    hidden = "".join(seen.marks["al-mark-preview"])
    over = "".join(seen.marks["al-mark-over"])
    # Long parts are shortened in the middle, and say by how much.
    assert hidden.startswith(post[preview_cut : preview_cut + 100])
    assert hidden.endswith(post[limit_cut - 100 : limit_cut])
    assert over.startswith(post[limit_cut : limit_cut + 100])
    assert len(over) < len(post) - limit_cut
    assert "al-elided" in html and "<b>" not in html and "&lt;b&gt;" in html
    assert post[:preview_cut] in "".join(seen.text)
    assert post[: preview_cut + 1] not in "".join(seen.text).replace(hidden, "")


def test_a_post_that_fits_and_shows_is_not_marked():
    fb = check_post(READY, "x")
    assert render_marked_post(READY, fb) == ""
    assert "al-marked-post" not in render_feedback(fb, platform_name="X", post=READY)


# --- a "See more" with no published figure (Facebook) ------------------------------------

LONG_FOR_FACEBOOK = (
    "Every dry season salt water reaches further into the Mekong Delta's rice fields. " * 8
    + "Sign the petition for a fresh-water reservoir: https://example.org/p?utm_source=facebook&utm_medium=social&utm_campaign=mekong"
)


def _cut_notes(lang: str) -> dict[str, str]:
    return catalogue.texts("feedback.see_more", lang)


def test_a_cut_without_a_figure_is_said_only_where_the_data_says_so():
    # The catalogue's note stands for a fact with a source: the platform's entry in
    # data/platforms.json has no preview length and its note says it shows "See more".
    notes = _cut_notes("en")
    assert notes, "Facebook's 'See more' is not explained anywhere"
    for pid in notes:
        platform = PLATFORMS[pid]
        assert platform.preview_chars is None, pid  # else it is marked, with its figure
        assert "See more" in platform.note and "not documented" in platform.note, pid
    # Every platform whose data says it cuts at an unknown point has its note.
    unknown = {p.id for p in PLATFORMS.values() if p.preview_chars is None and "'See more'" in p.note}
    assert unknown == set(notes)


@pytest.mark.parametrize("lang", LANGS)
def test_facebook_s_see_more_is_explained_with_no_figure(lang):
    fb = check_post(LONG_FOR_FACEBOOK, "facebook", lang=lang)
    assert fb.metrics["preview_chars"] is None and fb.metrics["preview_cut"] is None
    html = render_feedback(fb, platform_name="Facebook", lang=lang, post=LONG_FOR_FACEBOOK)
    note = catalogue.text("feedback.see_more.facebook", lang)
    seen = "".join(visible(html).text)
    assert note in seen and "al-see-more-unpublished" in html
    assert not re.search(r"\d", note)  # no figure claimed, in any language
    assert "al-mark" not in html and "al-marked-post" not in html  # nothing marked at a guessed cut
    # Trainers read "no published figure", not a blank that could pass for "no cut".
    measures = dict(re.findall(r'data-metric="([a-z_]+)">([^<]*)<', html))
    assert measures["preview_chars"] == catalogue.text("feedback.trainers.no_published_figure", lang)


@pytest.mark.parametrize("platform", ["x", "instagram", "linkedin"])
def test_no_see_more_note_where_the_cut_is_known_or_there_is_none(platform):
    post = LONG_FOR_FACEBOOK[:270]
    fb = check_post(post, platform)
    html = render_feedback(fb, platform_name=platform, post=post)
    assert "al-see-more-unpublished" not in html
    measures = dict(re.findall(r'data-metric="([a-z_]+)">([^<]*)<', html))
    expected = "–" if PLATFORMS[platform].preview_chars is None else str(PLATFORMS[platform].preview_chars)
    assert measures["preview_chars"] == expected


def test_no_see_more_note_on_an_empty_post():
    fb = check_post("   ", "facebook")
    assert "al-see-more-unpublished" not in render_feedback(fb, platform_name="Facebook", post="   ")


def test_the_marked_post_carries_no_bidi_control_and_keeps_offsets():
    post = "Sign the petition: clean air \u202egnp.exe today. " + "a" * 300
    fb = check_post(post, "x")
    html = render_marked_post(post, fb, platform_name="X")
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", html)
    over = "".join(visible(html).marks["al-mark-over"])
    assert over == post[fb.metrics["limit_cut"] :][:MARKED_PART_CHARS]


# --- for trainers: rule ids and raw measures, folded away -------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_trainers_get_the_rule_behind_each_finding_and_the_raw_measures_folded(lang):
    post = HARD_ENGLISH + " " + "#water " * 40
    fb = check_post(post, "x", lang=lang)
    assert len(fb.findings) >= 3 and fb.metrics["reading_ease"] is not None
    html = render_feedback(fb, platform_name="X", lang=lang, post=post)
    (details,) = re.findall(r"<details[^>]*>", html)
    assert 'class="al-trainers"' in details and "open" not in details  # folded: learners see the summary only
    seen = visible(html)
    assert catalogue.text("feedback.trainers.title", lang) in "".join(seen.text)
    folded = "".join(seen.folded)
    # Each finding's rule id, in the order the findings are shown (grouped by severity).
    shown_order = re.findall(r'data-rule="([^"]+)"', html)
    listed = re.findall(r'<code class="al-trainers-rule">([^<]+)</code>', html)
    assert listed == shown_order and set(listed) == set(fb.rule_ids)
    # The raw measures the learner is spared: the score itself, the lengths, the cut.
    measures = dict(re.findall(r'data-metric="([a-z_]+)">([^<]*)<', html))
    assert measures["reading_ease"] == str(fb.metrics["reading_ease"])
    assert measures["length"] == str(fb.metrics["length"]) and measures["limit"] == "280"
    assert measures["limit_cut"] == str(fb.metrics["limit_cut"])
    assert set(measures) == {m for m in TRAINER_METRICS if m in fb.metrics}
    assert str(fb.metrics["reading_ease"]) in folded and "readability.hard" in folded
    # ... and none of it where the learner reads.
    assert not any(rule.id in "".join(seen.text) for rule in RULES)


def test_the_trainers_detail_escapes_what_it_lists():
    hostile = '<img src=x onerror="alert(1)">'
    fb = Feedback((Finding(hostile, "warning", "a warning"),), {"length": 3, "language": hostile, "platform": "x"})
    html = render_for_trainers(fb)
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'data-metric="language">&lt;img' in html


@pytest.mark.parametrize("lang", LANGS)
def test_the_trainers_detail_says_when_no_rule_found_anything(lang):
    fb = check_post(READY, "x", lang=lang)
    assert not fb.findings
    html = render_for_trainers(fb, lang=lang)
    assert catalogue.text("feedback.trainers.no_rules", lang) in html
    assert "al-trainers-rule" not in html


# --- the look is the stylesheet's ------------------------------------------------------------

def test_every_class_that_carries_the_feedback_s_look_has_its_rule_everywhere():
    # Unscoped (no body[data-voila]): JupyterLab shows the same feedback (ui/course_style.py).
    post = "Mỗi mùa khô nước mặn lấn sâu hơn 💧 " * 40 + "<b>Hãy ký kiến nghị</b> " * 60
    html = render_feedback(check_post(post, "instagram", lang="vi"), platform_name="Instagram", lang="vi", post=post)
    assert "style=" not in html
    hidden = declarations(".al-sr-only")
    assert hidden["position"] == "absolute" and hidden["width"] == "1px" and hidden["overflow"] == "hidden"
    for kind in ("over", "preview"):
        assert f"al-mark al-mark-{kind}" in html and f"al-mark-sample al-mark-sample-{kind}" in html
        mark = declarations(f".al-mark-{kind}")
        assert mark == declarations(f".al-mark-sample-{kind}")  # the legend shows the same mark
        assert mark["background"].startswith("var(--al-") and mark["text-decoration-style"] in ("wavy", "dotted")
    assert declarations(".al-mark-over")["text-decoration-style"] != declarations(".al-mark-preview")["text-decoration-style"]
    assert declarations(".al-mark")["text-decoration-line"] == "underline"
    assert declarations(".al-marked-text")["white-space"] == "pre-wrap"
    assert declarations(".al-elided")["font-style"] == "italic"
    for severity in SEVERITY_NAMES:
        assert declarations(f".al-findings-{severity} > .al-findings-title")["color"].startswith("var(--al-")


def test_a_cut_never_splits_a_letter_from_its_tone_mark():
    # "ộ" written as o + two combining marks: the cut must fall between letters.
    post = "Ký ngay. " + "o\u0323\u0302" * 200
    fb = check_post(post, "x", lang="vi")
    cut = fb.metrics["limit_cut"]
    assert not post[cut].startswith(("\u0323", "\u0302"))


# --- each platform's fixes agree and speak of that platform --------------------------

def _other_platform_names(platform_id: str) -> list[re.Pattern]:
    names = []
    for p in PLATFORMS.values():
        if p.id == platform_id:
            continue
        for word in re.findall(r"[A-Z][A-Za-z]+", p.name):
            names.append(re.compile(rf"\b{word}\b"))
    return names


@pytest.mark.parametrize("platform", list(PLATFORMS))
@pytest.mark.parametrize("lang", LANGS)
def test_fixes_never_speak_of_another_platform(platform, lang):
    for rule in RULES:
        said = rule.message_in(lang) + " " + rule.fix_in(lang, platform)
        for name in _other_platform_names(platform):
            assert not name.search(said), (rule.id, platform, lang, said)


@pytest.mark.parametrize("lang", LANGS)
def test_short_link_fix_on_facebook_does_not_talk_about_x(lang):
    fb = check_post("Sign the petition: https://bit.ly/3xYzAbC", "facebook", lang=lang)
    (short,) = [f for f in fb.findings if f.rule_id == "link.shortened"]
    assert not re.search(r"\bX\b", short.suggestion)
    on_x = check_post("Sign the petition: https://bit.ly/3xYzAbC", "x", lang=lang)
    (short_x,) = [f for f in on_x.findings if f.rule_id == "link.shortened"]
    assert re.search(r"\bX\b", short_x.suggestion) and "23" in short_x.suggestion


@pytest.mark.parametrize("platform", [p.id for p in PLATFORMS.values() if p.preview_chars])
@pytest.mark.parametrize("lang", LANGS)
def test_where_only_the_first_lines_show_every_fix_puts_the_ask_first(platform, lang):
    no_ask = (
        "Every dry season the Mekong Delta loses more farmland to salt water. Families who grew rice "
        "for generations now buy drinking water by the can, and the wells are running dry. "
    ) * 2
    ask_late = no_ask + " Sign the petition (link in bio)."
    fixes = []
    for text in (no_ask, ask_late):
        fb = check_post(text, platform, lang=lang)
        fixes += [f.suggestion for f in fb.findings if f.rule_id in ("cta.missing", "length.hook_truncated")]
    assert len(fixes) == 2  # one finding each: no ask at all, then an ask that comes too late
    ending = {"en": "End with", "vi": "Kết thúc bằng"}.get(lang)
    for fix in fixes:
        assert ending is None or ending not in fix, fix
    first = {"en": re.compile(r"\b(first|Start)\b"), "vi": re.compile(r"đầu")}.get(lang)
    if first:
        assert all(first.search(fix) for fix in fixes), fixes


def test_no_ask_on_instagram_is_said_once():
    text = (
        "Every dry season the Mekong Delta loses more farmland to salt water. Families who grew rice "
        "for generations now buy drinking water by the can, and the wells are running dry."
    )
    ids = check_post(text, "instagram").rule_ids
    assert "cta.missing" in ids and "length.hook_truncated" not in ids


@pytest.mark.parametrize("platform", [p.id for p in PLATFORMS.values() if not p.links_clickable])
@pytest.mark.parametrize("lang", LANGS)
def test_where_links_cannot_be_tapped_every_link_fix_points_to_the_bio(platform, lang):
    fb = check_post("Sign the petition: https://example.org/petition and https://bit.ly/3xYzAbC", platform, lang=lang)
    link_fixes = [f.suggestion for f in fb.findings if f.rule_id.startswith("link.")]
    assert {f.rule_id for f in fb.findings if f.rule_id.startswith("link.")} == {
        "link.not_clickable", "link.untracked", "link.shortened"
    }
    assert all("bio" in fix for fix in link_fixes), link_fixes
    assert not any("paste it instead" in fix for fix in link_fixes)


# --- rule texts live in the catalogue ---------------------------------------------------

def test_rules_file_holds_no_learner_text():
    from importlib import resources

    data = json.loads(resources.files("advocacy_lab").joinpath("data", "message_rules.json").read_text("utf-8"))
    for raw in data["rules"]:
        assert "message" not in raw and "fix" not in raw, raw["id"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_rule_has_its_own_message_and_fix_in_every_language(lang):
    sentences = catalogue.catalogue(lang)  # the language's own file: no fallback to English
    for rule in RULES:
        for key in (rule.message_key, rule.fix_key):
            assert sentences.get(key, "").strip(), f"locales/{lang}.json lacks {key}"
            if lang != catalogue.REFERENCE:
                assert sentences[key] != catalogue.catalogue(catalogue.REFERENCE)[key], key


def test_every_rule_text_in_the_catalogue_belongs_to_a_rule_and_platform():
    ids = {rule.id for rule in RULES}
    for key in catalogue.catalogue(catalogue.REFERENCE):
        if not key.startswith("rule."):
            continue
        match = re.fullmatch(r"rule\.(.+)\.(message|fix)(?:\.([a-z]+))?", key)
        assert match, key
        rule_id, part, platform = match.groups()
        assert rule_id in ids, f"{key}: no rule {rule_id!r}"
        if platform is not None:
            assert part == "fix" and platform in PLATFORMS, key


def test_a_rule_whose_text_is_missing_in_a_language_does_not_load(monkeypatch):
    real = catalogue.catalogue

    def without(lang):
        sentences = dict(real(lang))
        if lang == "vi":
            sentences.pop("rule.cta.missing.fix")
        return sentences

    monkeypatch.setattr(catalogue, "catalogue", without)
    with pytest.raises(ValueError, match=r"rule cta.missing: locales/vi.json lacks rule.cta.missing.fix"):
        Rule(id="cta.missing", severity="warning")


def test_platform_fix_is_used_for_its_platform_only():
    rule = rules_module.get_rule("link.shortened")
    assert rule.fix_in("en", "x") != rule.fix_in("en", "facebook") == rule.fix
    assert set(rule.platform_fixes) >= {"x"}
    for lang in LANGS:
        fb = check_post("Sign: https://bit.ly/3xYzAbC", "x", lang=lang)
        (short,) = [f for f in fb.findings if f.rule_id == "link.shortened"]
        assert short.suggestion == rule.fix_in(lang, "x")


# --- the message builder, headless ------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_message_builder_shows_the_verdict_marks_and_no_rule_id(lang):
    from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder

    builder = MessageBuilder(lang=lang)
    builder.value = {**builder.value, "platforms": ["x"], "post": WARNINGS_ONLY}
    builder.check()

    def feedback_html() -> str:
        (view,) = [w for w in _walk(builder) if "al-feedback" in getattr(w, "_dom_classes", ())]
        return view.value

    html = feedback_html()
    assert 'data-verdict="suggestions"' in html and "al-verdict-ready" not in html
    assert catalogue.text("feedback.verdict_on.suggestions", lang, name="X (Twitter)") in "".join(visible(html).text)
    # The section's border follows the verdict, not a bare "passed" green: the section
    # carries the verdict, and the stylesheet gives that verdict its own colour.
    assert '<section class="al-platform-result al-platform-result-x" data-verdict="suggestions">' in html
    edge = declarations('.al-platform-result[data-verdict="suggestions"]')["border-left-color"]
    assert edge == "var(--al-warn)" != declarations('.al-platform-result[data-verdict="ready"]')["border-left-color"]

    too_long = HOSTILE + "Hãy ký kiến nghị 🌊 " + "ộ" * 200
    builder.value = {**builder.value, "post": too_long}
    builder.check()
    html = feedback_html()
    seen = visible(html)
    cut = check_post(too_long, "x", lang=lang).metrics["limit_cut"]
    assert 'data-verdict="not_ready"' in html
    assert "".join(seen.marks["al-mark-over"]) == too_long[cut:]
    assert "<script>" not in html and "&lt;script&gt;" in html
    shown = "".join(seen.text)
    assert not any(rule.id in shown for rule in RULES)

    # Facebook: its "See more" explained, with no figure and no mark.
    builder.value = {**builder.value, "platforms": ["facebook"], "post": LONG_FOR_FACEBOOK}
    builder.check()
    html = feedback_html()
    assert catalogue.text("feedback.see_more.facebook", lang) in "".join(visible(html).text)
    assert "al-mark" not in html


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)
