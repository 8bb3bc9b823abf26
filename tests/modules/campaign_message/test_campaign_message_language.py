"""Live language on page 04, headless: the page says its language once, everything follows.

What the page's script does (``browser_store.js``: it sets the store widget's ``lang``
from ``window.advocacyLabLang``) is done here on the same trait; the page session
relabels every component, the keeper, the connection banner and the navigation, and
the feedback is drawn again in that language.
"""
from __future__ import annotations

import ipywidgets as widgets
import pytest

from advocacy_lab.core.catalogue import catalogue, text
from advocacy_lab.modules.campaign_message.link_builder import TrackingLinkBuilder
from advocacy_lab.modules.campaign_message.message_builder import MessageBuilder
from advocacy_lab.ui import session as session_mod
from advocacy_lab.ui.course_map import CourseMap
from advocacy_lab.ui.navigation import module_navigation
from advocacy_lab.ui.plan import CampaignPlanView
from advocacy_lab.ui.quiz import Quiz
from advocacy_lab.ui.stores import BrowserDraftStore
from widget_support import all_html, one, walk

POST = "Sign our petition by 30 June: ask the District People's Committee to publish the budget. #OpenBudget"


@pytest.fixture
def page():
    """Page 04 as its notebook builds it, on a browser store (as under Voila)."""
    store = BrowserDraftStore()
    session = session_mod.PageSession(store)
    builder, link, quiz = MessageBuilder(), TrackingLinkBuilder(), Quiz(quiz="campaign_message")
    keeper = session.keep(builder, link, quiz)
    nav = module_navigation("04-campaign-message.ipynb", lang=session.lang)
    session.follow(nav)
    store.widget.available = True
    store.widget.loaded = True  # the page has sent its (empty) drafts
    return session, store, builder, link, quiz, keeper, nav


def page_says(store: BrowserDraftStore, lang: str) -> None:
    store.widget.lang = lang  # what browser_store.js sends from window.advocacyLabLang


def labels_of(component) -> list[tuple[str, str, str]]:
    """(catalogue key, attribute, what the widget shows) for every fixed text the component declared."""
    return [(key, attr, getattr(widget, attr)) for widget, attr, key, _shape in component._labels]


def test_every_declared_label_follows_the_page_language(page):
    session, store, builder, link, quiz, keeper, _nav = page
    before = {id(c): labels_of(c) for c in (builder, link, quiz)}
    page_says(store, "vi")
    assert session.lang == "vi"
    en, vi = catalogue("en"), catalogue("vi")
    changed = 0
    for component in (builder, link, quiz):
        assert component.lang == "vi"
        # (The quiz's texts are its questions and choices: the next test.)
        assert labels_of(component) or component is quiz, type(component).__name__
        for (key, attr, shown_before), (_, _, shown) in zip(before[id(component)], labels_of(component)):
            assert text(key, "vi") in shown or shown == text(key, "vi"), (key, attr)
            if en[key] != vi[key]:
                assert shown != shown_before, (key, attr)
                changed += 1
    assert changed >= 20
    # The fields the keeper names are named in Vietnamese too.
    assert builder.field_label(("problem",)) == text("campaign_message.builder.problem", "vi")
    assert quiz.field_label(("answers", quiz.questions[0].id)).endswith(quiz.questions[0].prompt_in("vi"))
    assert builder.draft_title == text("campaign_message.builder.draft_title", "vi")


def test_feedback_is_drawn_again_in_the_new_language(page):
    _session, store, builder, link, quiz, _keeper, _nav = page
    one(builder, "al-post-text").value = POST.upper()  # ALL CAPS: a finding with words to translate
    english = one(builder, "al-feedback").value
    builder_findings_en = {f.rule_id: f.message for fb in builder.feedback.values() for f in fb.findings}
    link.value = {"url": "not a link", "source": "facebook", "medium": "social", "campaign": "budget"}
    link.check()
    link_en = one(link, "al-link-result").value
    first = quiz.questions[0]
    quiz.answer(first.id, (first.correct + 1) % len(first.choices))
    quiz_en = all_html(quiz)

    page_says(store, "vi")

    vietnamese = one(builder, "al-feedback").value
    assert vietnamese != english
    findings_vi = {f.rule_id: f.message for fb in builder.feedback.values() for f in fb.findings}
    assert set(findings_vi) == set(builder_findings_en)
    for rule_id, message in findings_vi.items():
        assert message in vietnamese or message.replace("'", "&#x27;") in vietnamese
    assert any(findings_vi[r] != builder_findings_en[r] for r in findings_vi)
    assert one(link, "al-link-result").value != link_en
    assert text("campaign_message.link.not_yet", "vi") in one(link, "al-link-result").value
    # The core's error comes as a code: said in Vietnamese, never the English sentence.
    assert text("links.error.spaces", "vi") in one(link, "al-link-result").value
    assert text("links.error.spaces", "en") not in one(link, "al-link-result").value
    quiz_vi = all_html(quiz)
    assert quiz_vi != quiz_en
    assert first.prompt_in("vi") in quiz_vi and first.prompt_in("en") not in quiz_vi
    wrong = first.choices[(first.correct + 1) % len(first.choices)]
    assert wrong.feedback_in("vi") in quiz_vi
    # The learner's answer and text stay as they were.
    assert quiz.value == {"answers": {first.id: (first.correct + 1) % len(first.choices)}}
    assert builder.value["post"] == POST.upper()
    radio = one(quiz, f"al-quiz-{first.id}")
    options = [w for w in walk(radio) if isinstance(w, widgets.RadioButtons)][0].options
    assert [label for label, _ in options] == [c.text_in("vi") for c in first.choices]


def test_the_keeper_banner_and_links_follow_too(page):
    _session, store, _builder, _link, _quiz, keeper, nav = page
    assert "Start over" in one(keeper, "al-start-over").description
    english_status = keeper.status
    english_nav = nav.value
    page_says(store, "vi")
    assert one(keeper, "al-start-over").description == text("drafts.keeper.start_over", "vi")
    assert keeper.status != english_status and text("drafts.status.browser", "vi") in keeper.status
    assert keeper.watch.texts == {
        k[len("connection."):]: v for k, v in catalogue("vi").items() if k.startswith("connection.")
    }
    assert nav.value != english_nav
    assert 'href="09-campaign-plan.ipynb?lang=vi"' in nav.value
    assert 'href="03-campaign-data.ipynb?lang=vi"' in nav.value  # 04's previous page, in the page's language
    assert text("course.module.campaign-plan.title", "vi") in nav.value
    page_says(store, "en")
    assert 'href="09-campaign-plan.ipynb"' in nav.value and "?lang=" not in nav.value


def test_a_language_the_course_lacks_is_ignored(page, caplog):
    session, store, builder, *_ = page
    page_says(store, "xx")
    assert session.lang == "en" and builder.lang == "en"
    assert "xx" in caplog.text


def test_the_landing_map_and_the_plan_follow_the_page_language():
    store = BrowserDraftStore()
    session = session_mod.PageSession(store)
    cmap = CourseMap(store=store)
    plan = CampaignPlanView(store=store)
    session.follow(cmap, plan)
    store.widget.loaded = True
    english_map, english_plan = all_html(cmap), all_html(plan)
    page_says(store, "vi")
    vi_map = all_html(cmap)
    assert vi_map != english_map
    assert 'href="04-campaign-message.ipynb?lang=vi"' in vi_map
    assert text("course.module.campaign-message.title", "vi") in vi_map
    assert text("progress.status.coming soon", "vi") in vi_map
    vi_plan = all_html(plan)
    assert vi_plan != english_plan and text("plan.still_to_do", "vi") in vi_plan
    assert one(plan, "al-plan-title").description == text("plan_view.title_label", "vi")


def test_outside_voila_the_language_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ADVOCACY_LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(session_mod.LANG_ENV, "vi")
    session = session_mod.page_session()
    assert session.lang == "vi"
    assert session_mod.page_session() is session  # one per page
    builder = MessageBuilder()
    keeper = session.keep(builder)
    assert builder.lang == keeper.lang == "vi"
    assert one(builder, "al-problem").description == text("campaign_message.builder.problem", "vi")
    monkeypatch.setenv(session_mod.LANG_ENV, "klingon")
    assert session_mod.page_session().lang == "en"


def test_store_notices_follow_the_page_language(tmp_path):
    from advocacy_lab.core.drafts import FileDraftStore

    path = tmp_path / "drafts.json"
    path.write_text("{ not json", encoding="utf-8")
    store = FileDraftStore(path)
    session = session_mod.PageSession(store)
    builder = MessageBuilder()
    keeper = session.keep(builder)
    backup = next(tmp_path.glob("drafts.json.corrupt-*")).name
    assert text("drafts.file.unreadable", "en", backup=backup) in keeper.notice
    session.lang = "vi"
    assert text("drafts.file.unreadable", "vi", backup=backup) in keeper.notice
    assert text("drafts.status.file", "vi", where=str(path)) in keeper.status
    assert text("drafts.keeper.please_note", "vi") in one(keeper, "al-drafts-notice").value


def test_widgets_built_in_vietnamese_start_in_vietnamese_without_an_error(caplog):
    from advocacy_lab.core.drafts import MemoryDraftStore
    from advocacy_lab.ui.keeper import DraftKeeper

    builder, link, quiz = MessageBuilder(lang="vi"), TrackingLinkBuilder(lang="vi"), Quiz(lang="vi")
    plan = CampaignPlanView(MemoryDraftStore(), lang="vi")
    cmap = CourseMap(store=MemoryDraftStore(), lang="vi")
    keeper = DraftKeeper([builder, link, quiz], MemoryDraftStore(), lang="vi")
    for component in (builder, link, quiz, plan):
        assert component.lang == "vi" and component.error_message == "", type(component).__name__
    assert "error in" not in caplog.text
    assert one(builder, "al-problem").description == text("campaign_message.builder.problem", "vi")
    assert text("course.module.campaign-message.title", "vi") in all_html(cmap)
    assert one(keeper, "al-start-over").description == text("drafts.keeper.start_over", "vi")
