"""Bidirectional control characters (issue #7, section 4).

U+202A-U+202E and U+2066-U+2069 reorder how the text around them is shown
("gnp.exe" after U+202E shows as "exe.png"). They are stripped from learner
text wherever it is shown or exported, a post carrying them gets one
finding (text.bidi_controls) that says so, and right-to-left writing itself
(Urdu, Arabic, Hebrew, and the LRM/RLM/ALM marks) is left alone.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import docx
import ipywidgets as widgets
import pytest

from advocacy_lab.checks import build_tracking_link, check_post
from advocacy_lab.core.drafts import MemoryDraftStore
from advocacy_lab.core.export import plain_text, plan_to_docx, plan_to_html, plan_to_markdown
from advocacy_lab.core.feedback import Feedback, Finding
from advocacy_lab.core.plan import MESSAGE_BUILDER_KEY, build_plan
from advocacy_lab.core.text import find_bidi_controls, find_control_chars, strip_bidi_controls
from advocacy_lab.ui.feedback_view import render_feedback

#: Every character the issue names: LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI.
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ANY_BIDI = re.compile(f"[{BIDI}]")
URDU = "صاف ہوا ہمارا حق ہے۔"
ARABIC = "هواء نظيف لأطفالنا"
HEBREW = "אוויר נקי לילדים"
#: Marks that right-to-left writers use on purpose; they stay.
MARKS = "\u200e\u200f\u061c"
SPOOFED = "Sign the petition for clean air \u202egnp.exe today."
UNSPOOFED = "Sign the petition for clean air gnp.exe today."


# --- the core function -------------------------------------------------------

@pytest.mark.parametrize("char", list(BIDI), ids=lambda c: f"U+{ord(c):04X}")
def test_each_bidi_control_is_stripped(char):
    assert strip_bidi_controls(f"a{char}b{char}") == "ab"
    assert find_bidi_controls(f"a{char}b") == [1]


def test_right_to_left_writing_keeps_its_letters_and_marks():
    for text in (URDU, ARABIC, HEBREW, f"{ARABIC}\u200f 2026", f"{URDU}\u061c: 3", f"A\u200eB"):
        assert strip_bidi_controls(text) == text
    mixed = f"\u2067{URDU}\u2069 {MARKS} \u202b{ARABIC}\u202c {HEBREW}"
    assert strip_bidi_controls(mixed) == f"{URDU} {MARKS} {ARABIC} {HEBREW}"


def test_strip_leaves_other_text_and_non_strings_alone():
    text = "Hãy ký 👩\u200d👩\u200d👧 e\u0301 \u200b\x00"
    assert strip_bidi_controls(text) is text
    assert strip_bidi_controls(None) is None


# --- the finding -------------------------------------------------------------

def test_a_post_with_an_override_gets_one_clear_finding():
    fb = check_post(SPOOFED, "x")
    assert fb.rule_ids.count("text.bidi_controls") == 1
    assert "text.control_chars" not in fb.rule_ids  # not reported twice
    (finding,) = [f for f in fb.findings if f.rule_id == "text.bidi_controls"]
    assert finding.severity == "warning"
    assert finding.span == (SPOOFED.index("\u202e"), SPOOFED.index("\u202e") + 1)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in finding.message
    assert "removed from what is shown" in finding.message
    assert fb.passed  # a warning: the copy-ready post (stripped) is still offered


def test_the_finding_counts_every_control_and_speaks_vietnamese():
    text = "Hãy ký kiến nghị \u2067vì không khí sạch\u2069 hôm nay \u202d!"
    (finding,) = [f for f in check_post(text, "facebook", "vi").findings if f.rule_id == "text.bidi_controls"]
    assert finding.message.startswith("Bài đăng có 3 ký tự ẩn đổi hướng chữ, đầu tiên là U+2067")
    assert "Urdu" in finding.suggestion


def test_other_control_characters_keep_their_own_finding():
    text = "Sign\u200b the petition \u202etoday."
    fb = check_post(text, "x")
    assert set(fb.rule_ids) >= {"text.control_chars", "text.bidi_controls"}
    (control,) = [f for f in fb.findings if f.rule_id == "text.control_chars"]
    assert control.message.startswith("The post contains 1 invisible")  # the U+202E is not counted here
    assert find_control_chars(BIDI) == []


@pytest.mark.parametrize("text", [f"{URDU} Sign the petition.", f"{ARABIC}\u200f: Sign the petition.", HEBREW])
def test_right_to_left_posts_get_no_character_finding(text):
    ids = check_post(text, "facebook").rule_ids
    assert "text.bidi_controls" not in ids and "text.control_chars" not in ids


def test_findings_that_quote_learner_text_carry_no_bidi_control():
    fb = check_post("Sign the petition: https://example.org/\u202egnp.exe <b\u202e>x</b>", "facebook")
    quoting = [f for f in fb.findings if f.rule_id in ("link.untracked", "text.html")]
    assert {f.rule_id for f in quoting} == {"link.untracked", "text.html"}
    for finding in fb.findings:
        assert not ANY_BIDI.search(finding.message + (finding.suggestion or "")), finding
    assert "https://example.org/gnp.exe" in " ".join(f.message for f in quoting)


def test_a_finding_built_by_any_checker_drops_bidi_controls():
    finding = Finding("quiz.wrong", "tip", "You picked \u202eA", suggestion="Try \u2066B\u2069")
    assert (finding.message, finding.suggestion) == ("You picked A", "Try B")


def test_rendered_feedback_carries_no_bidi_control():
    fb = check_post(SPOOFED + " https://example.org/\u202ex", "x")
    html = render_feedback(fb, platform_name="X")
    assert "text.bidi_controls" in html
    assert not ANY_BIDI.search(html)
    # Even for a finding-like object that did not go through Finding.
    class Loose:
        rule_id, severity, message, suggestion = "x.y", "tip", "quoted \u202eA", "fix \u2067B"

    assert not ANY_BIDI.search(render_feedback(Feedback((Loose(),)), lang="en"))


# --- the message builder's preview and copy-ready post -----------------------

def _html_of(root) -> str:
    out, todo = [], [root]
    while todo:
        w = todo.pop()
        if isinstance(w, widgets.HTML):
            out.append(w.value)
        todo.extend(getattr(w, "children", ()))
    return "".join(out)


def test_message_builder_shows_and_copies_the_post_without_bidi_controls():
    from advocacy_lab.ui.message_builder import MessageBuilder

    builder = MessageBuilder(platforms=("x", "instagram"))
    long_post = SPOOFED + " Every dry season the Mekong Delta loses more farmland to salt water, and families buy water."
    builder.value = {**builder.value, "post": long_post}
    results = builder.check()
    assert all("text.bidi_controls" in fb.rule_ids for fb in results.values())
    html = builder._feedback_html.value
    assert "al-copy-ready" in html and "<textarea readonly" in html
    # What shows before "more" on Instagram: the marked post's unmarked start, without the override.
    assert 'class="al-mark al-mark-preview"' in html
    assert f'<div class="al-marked-text">{UNSPOOFED}' in html
    assert not ANY_BIDI.search(_html_of(builder))
    assert UNSPOOFED in html


# --- the plan: on screen and in every export ---------------------------------

def _spoofed_plan():
    draft = {
        "problem": f"Kids breathe \u202edirty air {URDU}",
        "solution": f"\u2066{ARABIC}\u2069 electric buses",
        "ask": "\u202bSign\u202c the petition",
        "post": SPOOFED,
        "platforms": ["x"],
    }
    return build_plan({MESSAGE_BUILDER_KEY: draft}, title="Clean \u202eair", today=dt.date(2026, 3, 8))


def test_the_plan_itself_holds_no_bidi_control():
    plan = _spoofed_plan()
    assert plan.title == "Clean air"
    texts = [e.text for s in plan.sections for e in s.content.entries]
    assert f"Kids breathe dirty air {URDU}" in texts and UNSPOOFED in texts
    assert not any(ANY_BIDI.search(t) for t in texts)
    # A title made only of controls is no title.
    assert build_plan({}, title="\u202e\u2066").title == "My campaign plan"


def test_every_export_is_clean_and_keeps_right_to_left_letters():
    plan = _spoofed_plan()
    markdown = plan_to_markdown(plan)
    page = plan_to_html(plan)
    document = docx.Document(io.BytesIO(plan_to_docx(plan)))
    word = "\n".join(p.text for p in document.paragraphs) + document.core_properties.title
    for name, text in (("md", markdown), ("html", page), ("docx", word)):
        assert not ANY_BIDI.search(text), name
        assert URDU in text and ARABIC in text, name
    assert UNSPOOFED in page and UNSPOOFED in word


def test_plain_text_drops_bidi_controls_for_every_renderer():
    # Section builders registered by later modules may build entries any way:
    # the renderers' own plain_text still drops the controls.
    assert plain_text(f"a\u202eb {URDU}\u200f") == f"ab {URDU}\u200f"


def test_the_plan_page_shows_no_bidi_control():
    from advocacy_lab.ui.plan import CampaignPlanView

    store = MemoryDraftStore()
    draft = {"problem": "\u202eKids", "solution": "buses", "ask": "Sign", "post": SPOOFED, "platforms": ["x"]}
    store.save(MESSAGE_BUILDER_KEY, draft)
    view = CampaignPlanView(store=store, today=dt.date(2026, 3, 8))
    shown = _html_of(view)
    assert UNSPOOFED in shown
    assert not ANY_BIDI.search(shown)
    for _name, content in view.downloads.values():
        if not content.startswith(b"PK"):  # the .docx is zipped; checked above
            assert not ANY_BIDI.search(content.decode("utf-8"))


# --- the tracked link --------------------------------------------------------

def test_tracked_link_drops_bidi_controls_from_the_address():
    link = build_tracking_link("https://example.org/\u202egnp.exe", "facebook", "social", "air")
    assert link.startswith("https://example.org/gnp.exe?")
    assert not ANY_BIDI.search(link)
    # A value is percent-encoded, so it cannot reorder what is shown.
    assert "%E2%80%AE" in build_tracking_link("https://example.org/", "fb\u202e", "social", "air")
