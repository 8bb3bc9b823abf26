"""Headless tests of module 04's widgets (message builder, tracked-link builder):
build a component, act as the learner through its child widgets (found by the
same DOM classes the browser tests use), click, and assert on state,
``.value`` and the rendered HTML.
"""
from __future__ import annotations

import json
import logging

import ipywidgets as widgets
import pytest

from advocacy_lab import checks
from advocacy_lab.modules.campaign_message.link_builder import TrackingLinkBuilder
from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder
from advocacy_lab.ui.course_map import CourseMap
from advocacy_lab.ui.quiz import Quiz
from widget_support import HOSTILE, all_html, one, walk

READY_POST = (
    "Sign our petition by 30 June: ask the District People's Committee to publish "
    "the district budget online in plain language. #OpenBudget"
)


def platform_checkbox(builder, pid):
    return one(builder, f"al-platform-{pid}")


# ----------------------------------------------------------------- MessageBuilder
@pytest.fixture
def builder():
    return MessageBuilder()


def test_message_builder_has_the_contract_dom_classes(builder):
    for css in ("al-problem", "al-solution", "al-ask", "al-post-text", "al-check", "al-feedback"):
        one(builder, css)
    picker = one(builder, "al-platforms")
    boxes = [w for w in walk(picker) if isinstance(w, widgets.Checkbox)]
    assert {b.description for b in boxes} == {p.name for p in checks.load_platforms().values()}
    assert isinstance(builder, widgets.Box)
    assert builder.draft_key == "campaign-message/message-builder"


def test_constructor_does_not_display(monkeypatch):
    import IPython.display

    def forbidden(*args, **kwargs):
        raise AssertionError("constructors must not call display()")

    monkeypatch.setattr(IPython.display, "display", forbidden)
    MessageBuilder(), TrackingLinkBuilder(), Quiz(), CourseMap()


def test_too_long_for_x_then_fixed(builder):
    post_box, feedback = one(builder, "al-post-text"), one(builder, "al-feedback")
    post_box.value = "Sign the petition now. " + "Budgets must be public. " * 20
    results = builder.check()
    assert results["x"].passed is False
    assert "length.over_limit" in results["x"].rule_ids
    html = feedback.value
    assert "Not ready yet to post on X" in html
    assert "length.over_limit" in html  # the rule id is shown literally
    length = results["x"].metrics["length"]
    assert f"{length:,} / 280" in html
    assert "al-length-bar" in html and "al-copy-ready" in html
    # Facebook's limit is far larger: ready there, with a copy-ready post.
    assert results["facebook"].passed is True
    assert "Ready to post on Facebook" in html

    post_box.value = READY_POST  # live update, no click needed
    assert "Ready to post on X" in feedback.value
    assert "Not ready yet to post on X" not in feedback.value
    assert builder.feedback["x"].passed is True
    assert "<textarea readonly" in feedback.value and "District People&#x27;s Committee" in feedback.value


def test_check_button_click_renders_feedback(builder):
    one(builder, "al-post-text").value = ""
    one(builder, "al-check").click()
    assert "text.empty" in one(builder, "al-feedback").value
    assert set(builder.feedback) == {"x", "facebook", "instagram"}


def test_platform_choice(builder):
    platform_checkbox(builder, "facebook").value = False
    platform_checkbox(builder, "bluesky").value = True
    one(builder, "al-post-text").value = READY_POST
    assert builder.platforms == ["x", "instagram", "bluesky"] or set(builder.platforms) == {
        "x",
        "instagram",
        "bluesky",
    }
    assert set(builder.check()) == {"x", "instagram", "bluesky"}
    assert "Bluesky" in one(builder, "al-feedback").value
    for pid in builder.platforms:
        platform_checkbox(builder, pid).value = False
    assert builder.check() == {}
    assert "Pick at least one platform" in one(builder, "al-feedback").value


def test_learner_text_is_escaped_everywhere(builder):
    for css in ("al-problem", "al-solution", "al-ask"):
        one(builder, css).value = HOSTILE
    one(builder, "al-post-text").value = f"Sign the petition {HOSTILE} </textarea><script>alert(2)</script>"
    builder.check()
    html = all_html(builder)
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as literal text
    assert html.count("</textarea>") == html.count("<textarea")  # no break-out of the copy box


def test_value_round_trip_keeps_unknown_keys_and_ignores_bad_types(builder):
    one(builder, "al-problem").value = "Nobody can see the district budget."
    one(builder, "al-post-text").value = READY_POST
    assert builder.value["problem"] == "Nobody can see the district budget."
    assert builder.value["post"] == READY_POST
    json.dumps(builder.value)  # drafts are stored as JSON

    other = MessageBuilder()
    saved = dict(builder.value, platforms=["linkedin", "no-such-platform"], future_field={"a": 1})
    other.value = saved
    assert one(other, "al-problem").value == "Nobody can see the district budget."
    assert one(other, "al-post-text").value == READY_POST
    assert other.platforms == ["linkedin"]
    assert other.value["future_field"] == {"a": 1}  # a newer draft is not trimmed
    assert "Ready to post on LinkedIn" in one(other, "al-feedback").value  # feedback restored too

    other.value = {"problem": 42, "post": None, "platforms": "x"}  # malformed draft
    assert one(other, "al-problem").value == "Nobody can see the district budget."
    assert other.value["problem"] == "Nobody can see the district budget."
    assert other.error_message == ""


def test_compose_from_message_box_never_overwrites(builder):
    one(builder, "al-compose").click()
    assert one(builder, "al-post-text").value == ""  # nothing to compose yet
    one(builder, "al-problem").value = "Nobody can see the district budget."
    one(builder, "al-solution").value = "The district publishes it online."
    one(builder, "al-ask").value = "Sign the petition by 30 June."
    one(builder, "al-compose").click()
    composed = one(builder, "al-post-text").value
    assert composed == (
        "Nobody can see the district budget. The district publishes it online. "
        "Sign the petition by 30 June."
    )
    one(builder, "al-post-text").value = "My own edit"
    assert builder.compose_from_message_box() is False
    assert one(builder, "al-post-text").value == "My own edit"
    assert "nothing was changed" in all_html(builder)


def test_lang_is_passed_to_the_checker(monkeypatch):
    seen = []
    real = checks.check_post

    def spy(text, platform, lang="en"):
        seen.append(lang)
        return real(text, platform, lang=lang)

    monkeypatch.setattr(checks, "check_post", spy)
    vi = MessageBuilder(lang="vi")
    one(vi, "al-post-text").value = "Hãy ký kiến nghị công khai ngân sách quận trước ngày 30/6."
    assert seen and set(seen) == {"vi"}
    assert "Sẵn sàng đăng lên X" in one(vi, "al-feedback").value or "Chưa sẵn sàng" in one(
        vi, "al-feedback"
    ).value


def test_friendly_error_when_a_callback_fails(monkeypatch, caplog, builder):
    def broken(*args, **kwargs):
        raise RuntimeError("boom in /srv/secret/path.py")

    monkeypatch.setattr(checks, "check_post", broken)
    with caplog.at_level(logging.ERROR, logger="advocacy_lab.ui"):
        one(builder, "al-post-text").value = "Sign the petition"
        one(builder, "al-check").click()
    shown = builder.error_message
    assert "Sorry, something went wrong" in shown and "Your text is safe" in shown
    for leak in ("Traceback", "boom", "/srv/secret", "RuntimeError"):
        assert leak not in all_html(builder)
    assert builder.value["post"] == "Sign the petition"  # the learner's work is kept
    assert any("boom" in r.getMessage() or r.exc_info for r in caplog.records)

    monkeypatch.undo()
    one(builder, "al-check").click()
    assert builder.error_message == ""  # recovers on the next successful action


def test_unknown_platform_is_a_clear_error():
    with pytest.raises(ValueError, match="instagram"):
        MessageBuilder(platforms=("myspace",))


def test_huge_paste_is_handled(builder):
    one(builder, "al-post-text").value = "Sign now. " * 100_000  # 1 MB
    results = builder.check()
    assert all(not fb.passed for fb in results.values())
    # The page only shows feedback, never megabytes of the post again.
    assert len(one(builder, "al-feedback").value) < 100_000


# ----------------------------------------------------------- TrackingLinkBuilder
def test_tracking_link_builder(monkeypatch):
    lb = TrackingLinkBuilder()
    assert lb.draft_key == "campaign-message/tracking-link"
    one(lb, "al-link-url").value = "https://example.org/open-budget"
    one(lb, "al-link-source").value = "facebook"
    one(lb, "al-link-medium").value = "social"
    one(lb, "al-link-campaign").value = "open-budget-2025"
    one(lb, "al-link-build").click()
    expected = checks.build_tracking_link(
        "https://example.org/open-budget", "facebook", "social", "open-budget-2025"
    )
    assert lb.link == expected and "utm_source=facebook" in expected
    result = one(lb, "al-link-result").value
    assert expected.replace("&", "&amp;") in result
    assert lb.value == {
        "url": "https://example.org/open-budget",
        "source": "facebook",
        "medium": "social",
        "campaign": "open-budget-2025",
    }

    restored = TrackingLinkBuilder()
    restored.value = dict(lb.value, note="kept")
    assert restored.link == expected  # a complete restored draft shows its link again
    assert restored.value["note"] == "kept"


def test_tracking_link_builder_result_follows_what_is_on_screen():
    """Once built, the link follows every keystroke: a click may reach the kernel first."""
    builder = TrackingLinkBuilder()
    for name, value in (("url", "https://example.org/petition"), ("source", "facebook"),
                        ("medium", "social"), ("campaign", "clean-air")):
        builder.fields[name].value = value
        assert builder.fields[name].continuous_update is True
    assert one(builder, "al-link-result").value == ""  # nothing shown before the click
    one(builder, "al-link-build").click()
    assert "utm_campaign=clean-air" in builder.link
    builder.fields["campaign"].value = "clean-air-2026"
    assert "utm_campaign=clean-air-2026" in builder.link
    assert "clean-air-2026" in one(builder, "al-link-result").value


def test_every_learner_field_is_declared_once_with_its_identity(builder):
    quiz = Quiz()
    for component in (builder, TrackingLinkBuilder(), quiz):
        declared = component.fields
        assert declared, type(component).__name__
        for name, widget in declared.items():
            assert "al-field" in widget._dom_classes
            assert [c for c in widget._dom_classes if c.startswith("al-fid-")] == [
                "al-fid-" + (component.draft_key + "#" + name).replace("/", "%2F").replace("#", "%23")
            ]
    assert one(builder, "al-post-text") is builder.fields["post"]
    assert set(quiz.fields) == {f"answers.{q.id}" for q in quiz.questions}


def test_tracking_link_builder_bad_url_shows_the_problem():
    lb = TrackingLinkBuilder()
    one(lb, "al-link-url").value = "not a url"
    one(lb, "al-link-source").value = "x"
    one(lb, "al-link-medium").value = "social"
    one(lb, "al-link-campaign").value = HOSTILE
    assert lb.check() is None
    result = one(lb, "al-link-result").value
    assert "Not yet" in result
    assert "<img" not in all_html(lb)
    assert lb.error_message == ""  # an expected mistake is feedback, not a crash


def test_tracking_link_builder_friendly_error(monkeypatch):
    lb = TrackingLinkBuilder()

    def broken(*args):
        raise KeyError("internal")

    monkeypatch.setattr(checks, "build_tracking_link", broken)
    one(lb, "al-link-build").click()
    assert "Sorry, something went wrong" in lb.error_message
    assert "internal" not in all_html(lb)


def test_emptied_post_says_so_but_a_fresh_or_restarted_one_invites(builder):
    feedback = one(builder, "al-feedback")
    assert "text.empty" not in feedback.value and "al-waiting" in feedback.value
    one(builder, "al-post-text").value = READY_POST
    one(builder, "al-post-text").value = ""  # the learner deleted everything
    assert "text.empty" in feedback.value
    one(builder, "al-post-text").value = READY_POST
    # "Start over" restores the blank draft.
    builder.value = {"problem": "", "solution": "", "ask": "", "post": "", "platforms": ["x"]}
    assert one(builder, "al-post-text").value == ""
    assert "al-waiting" in feedback.value and "text.empty" not in feedback.value


def test_lesson_widgets_keep_the_kernel_lean():
    """Voila kernels import these on every page: no plotting or document libraries."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import advocacy_lab.ui.message_builder, advocacy_lab.ui.link_builder\n"
        "import advocacy_lab.ui.quiz, advocacy_lab.ui.course_map\n"
        "heavy = [m for m in ('matplotlib', 'pandas', 'docx', 'nbgrader') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_message_builder_pays_counting_imports_while_the_page_is_built() -> None:
    """Under Voila the preheated kernel builds the page, so the learner's first
    keystroke must not wait for twitter-text's slow import."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from advocacy_lab.ui.message_builder import MessageBuilder\n"
        "assert 'twitter_text' not in sys.modules, 'imported too early'\n"
        "MessageBuilder()\n"
        "print('twitter_text' in sys.modules, 'regex' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
