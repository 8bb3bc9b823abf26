"""Progress and navigation (issue #3, section 2).

- the pure core: module status from drafts dicts, with rules derived from the drafts
  each module's package declares (advocacy_lab/modules/<package>/);
- the landing page's CourseMap, headless, over real draft stores;
- the previous/next links of every module page, derived from modules.json order;
- every available module notebook ends with its navigation cell.
"""
from __future__ import annotations

import ast
import copy
import json
import math
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest

from advocacy_lab.core import plan as plan_core
from advocacy_lab.core.drafts import FileDraftStore, MemoryDraftStore, encode_record, record_to_json
from advocacy_lab.core.progress import (
    STATUS_LABELS,
    DraftRule,
    ModuleProgress,
    ProgressRule,
    has_choice,
    has_input,
    module_progress,
)
from advocacy_lab.core import catalogue as cat
from advocacy_lab.core.quiz import load_quiz
from advocacy_lab.core.schema import DraftField, DraftSchema, ModuleParts
from advocacy_lab.course import load_course, module_neighbours, parse_course, read_course_data
from advocacy_lab.ui.course_map import CourseMap
from advocacy_lab.ui.drafts import NAMESPACE, BrowserDraftStore, keep_drafts
from advocacy_lab.ui.navigation import module_navigation, navigation_links

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "<img src=x onerror=alert(1)>"
MESSAGE = "campaign-message/message-builder"
QUIZ = "campaign-message/quiz"
LINK = "campaign-message/tracking-link"
PLAN = "campaign-plan/plan"
QUESTIONS = [q.id for q in load_quiz("campaign_message")]


def statuses(drafts, modules=None) -> dict[str, str]:
    modules = load_course().modules if modules is None else modules
    return {p.module_id: p.status for p in module_progress(modules, drafts)}


def finished_message_drafts() -> dict:
    return {
        MESSAGE: {
            "problem": "Nobody can see the district budget.",
            "solution": "The District People's Committee publishes it online.",
            "ask": "Sign the petition by 30 June.",
            "post": "Sign our petition by 30 June: publish the district budget online. #OpenBudget",
            "platforms": ["x"],
        },
        QUIZ: {"answers": {qid: 0 for qid in QUESTIONS}},
    }


# =============================================================== the pure core
def test_nothing_saved_means_not_started_and_planned_modules_are_coming_soon():
    course = load_course()
    result = module_progress(course.modules, {})
    assert [p.module_id for p in result] == [m.id for m in course.modules]  # teaching order kept
    for p, module in zip(result, course.modules):
        assert isinstance(p, ModuleProgress)
        assert p.status == ("not started" if module.available else "coming soon")
        assert (p.title, p.notebook) == (module.title, module.notebook)
    assert statuses({})["campaign-message"] == "not started"


@pytest.mark.parametrize(
    "drafts",
    [
        {MESSAGE: {"problem": "Nobody can see the budget."}},
        {MESSAGE: {"post": "Sign now", "platforms": ["x"]}},
        {LINK: {"url": "https://example.org/petition"}},
        {QUIZ: {"answers": {QUESTIONS[0]: 0}}},  # choice 0 is an answer, not "nothing"
        {QUIZ: {"answers": {QUESTIONS[1]: "Problem, then solution"}}},
    ],
    ids=["problem", "post", "tracking-link", "quiz-choice-0", "quiz-choice-text"],
)
def test_any_learner_input_in_a_module_draft_means_started(drafts):
    assert statuses(drafts)["campaign-message"] == "started"
    assert statuses(drafts)["campaign-plan"] == "not started"


@pytest.mark.parametrize(
    "drafts",
    [
        # What a blank MessageBuilder holds: the default platform is not the learner's input.
        {MESSAGE: {"problem": "", "solution": "", "ask": "", "post": "", "platforms": ["x"]}},
        {MESSAGE: {"problem": "   \n\t", "post": " "}},
        {QUIZ: {"answers": {}}},
        {LINK: {"url": "", "source": "", "medium": "", "campaign": ""}},
        {"some-other-module/draft": {"text": "not this module's"}},
    ],
    ids=["blank-builder", "whitespace", "no-answers", "blank-link", "other-module"],
)
def test_blank_drafts_are_not_started(drafts):
    assert statuses(drafts)["campaign-message"] == "not started"


def test_campaign_message_is_finished_only_when_every_part_is_done():
    drafts = finished_message_drafts()
    assert statuses(drafts)["campaign-message"] == "finished"
    for field in ("problem", "solution", "ask", "post"):
        partial = copy.deepcopy(drafts)
        partial[MESSAGE][field] = "  "
        assert statuses(partial)["campaign-message"] == "started", field
    no_platform = copy.deepcopy(drafts)
    no_platform[MESSAGE]["platforms"] = []
    assert statuses(no_platform)["campaign-message"] == "started"
    one_unanswered = copy.deepcopy(drafts)
    del one_unanswered[QUIZ]["answers"][QUESTIONS[-1]]
    assert statuses(one_unanswered)["campaign-message"] == "started"
    no_quiz = copy.deepcopy(drafts)
    del no_quiz[QUIZ]
    assert statuses(no_quiz)["campaign-message"] == "started"
    # The tracking link is optional: finishing does not need it.
    assert LINK not in drafts


def test_campaign_plan_started_by_a_title_and_not_finished_while_parts_are_missing():
    drafts = finished_message_drafts()
    drafts[PLAN] = {"title": "Open budgets for Hanoi"}
    result = statuses(drafts)
    assert result["campaign-plan"] == "started"  # six parts of the plan are still coming soon
    assert not plan_core.build_plan(drafts).complete
    assert statuses({PLAN: {"title": "  "}})["campaign-plan"] == "not started"


@pytest.fixture
def every_plan_part_fillable():
    """Real registered sections for the parts whose modules are still coming soon."""
    added = []
    for section in plan_core.plan_sections():
        if section.coming_soon:
            key = f"test-{section.id}/draft"

            def build(drafts, key=key):
                text = plan_core.learner_text((drafts.get(key) or {}).get("text"))
                return plan_core.SectionContent((plan_core.PlanEntry("Text", text),)) if text else None

            plan_core.register_section(
                plan_core.PlanSection(section.id, section.title, section.order, None, section.module_title, (key,), build)
            )
            added.append((section.id, key))
    yield [key for _sid, key in added]
    for sid, _key in added:
        plan_core.unregister_section(sid)


def test_campaign_plan_finished_when_titled_and_nothing_is_still_to_do(every_plan_part_fillable):
    drafts = finished_message_drafts()
    for key in every_plan_part_fillable:
        drafts[key] = {"text": "done"}
    drafts["campaign-data/lessons"] = {"case": "budget-transparency", "case_lessons": "Short videos of real people."}
    assert plan_core.build_plan(drafts).complete
    assert statuses(drafts)["campaign-plan"] == "not started"  # started by giving the plan a title
    drafts[PLAN] = {"title": "Open budgets for Hanoi"}
    assert statuses(drafts)["campaign-plan"] == "finished"
    drafts[every_plan_part_fillable[0]] = {"text": ""}
    assert statuses(drafts)["campaign-plan"] == "started"


MALFORMED = [
    None,
    [],
    "drafts",
    {MESSAGE: "a string, not a dict"},
    {MESSAGE: None, QUIZ: ["answers"]},
    {MESSAGE: {"problem": 5, "solution": True, "ask": math.nan, "post": {"nested": "text"}, "platforms": "x"}},
    {MESSAGE: {"problem": ["a", "list"], "post": None, "platforms": [1, None, ""]}},
    {QUIZ: {"answers": [0, 1, 2, 3]}},
    {QUIZ: {"answers": {q: True for q in QUESTIONS}}},
    {QUIZ: {"answers": {q: -1 for q in QUESTIONS}}},
    {QUIZ: {"answers": {q: None for q in QUESTIONS}}},
    {PLAN: {"title": ["not", "text"]}, 7: {"x": 1}},
]


@pytest.mark.parametrize("drafts", MALFORMED, ids=[f"malformed-{i}" for i in range(len(MALFORMED))])
def test_malformed_drafts_never_crash_count_as_not_started_and_are_not_changed(drafts):
    before = copy.deepcopy(drafts)
    result = module_progress(load_course().modules, drafts)
    assert {p.status for p in result} <= {"not started", "coming soon"}
    assert repr(drafts) == repr(before)  # progress only reads: nothing lost or rewritten


def test_text_fields_count_text_only_and_choice_fields_need_a_choice():
    assert has_input("a") and has_input(" xin chào ")
    assert not any(has_input(v) for v in ("", " \n", 0, 3, 2.5, True, None, [], {}, ["x"], {"k": "y"}))
    assert has_choice(["x"]) and has_choice(("", "bluesky"))
    assert not any(has_choice(v) for v in ("x", [], [""], [0, None], {"x": True}, None))


def test_progress_types_reject_nonsense():
    with pytest.raises(ValueError, match="status"):
        ModuleProgress("m", "M", "m.ipynb", "half done")
    with pytest.raises(ValueError, match="draft key"):
        DraftRule("")
    with pytest.raises(ValueError, match="field names"):
        DraftRule("a/b", started_by="problem")
    with pytest.raises(ValueError, match="at least one draft"):
        ProgressRule(drafts=())
    with pytest.raises(ValueError, match="something to finish"):
        ProgressRule(drafts=(DraftRule("a/b", started_by=("x",)),))
    assert ModuleProgress("m", "M", "m.ipynb", "finished").label == STATUS_LABELS["finished"] == "✓ Finished"


# ========================================================= the data (modules.json)
def course_data() -> dict:
    return copy.deepcopy(read_course_data())


def module_entry(data: dict, module_id: str) -> dict:
    return next(m for m in data["modules"] if m["id"] == module_id)


def test_every_available_module_declares_its_progress_in_plain_language():
    for module in load_course().available:
        assert module.progress is not None, module.id
        for lang in cat.languages():
            assert module.finished_when_in(lang).strip(), (module.id, lang)
        assert module.finished_when_in("vi") != module.finished_when_in("en"), module.id


def test_progress_rules_name_the_real_drafts_and_fields_of_the_components():
    """The data must match what the components save, or progress could never move."""
    from advocacy_lab.ui.link_builder import TrackingLinkBuilder
    from advocacy_lab.ui.message_builder import MessageBuilder
    from advocacy_lab.ui.plan import CampaignPlanView
    from advocacy_lab.ui.quiz import Quiz

    from advocacy_lab.modules.campaign_data.explorer import CaseStudyExplorer

    components = [
        CaseStudyExplorer(),
        MessageBuilder(),
        TrackingLinkBuilder(),
        Quiz(quiz="campaign_message"),
        CampaignPlanView(MemoryDraftStore()),
    ]
    saved_fields = {c.draft_key: set(c.value) for c in components}
    for module in load_course().available:
        for rule in module.progress.drafts:
            assert rule.key in saved_fields, (module.id, rule.key)
            fields = set(rule.started_by) | set(rule.required) | set(rule.chosen)
            fields |= {"answers"} if rule.answered else set()
            assert fields <= saved_fields[rule.key], (module.id, rule.key, fields - saved_fields[rule.key])


BUDGET_PARTS = ModuleParts(
    id="budget",
    drafts=(
        DraftSchema(
            "budget/table",
            fields=(DraftField("notes", "text"), DraftField("total", "text", required=True, starts_progress=False)),
        ),
    ),
)
NO_QUIZ = ModuleParts(
    id="campaign-message",
    drafts=(DraftSchema("campaign-message/quiz", (DraftField("answers", "answers", required=True),), quiz="no_such_quiz"),),
)


@pytest.mark.parametrize(
    "change, parts, message",
    [
        (lambda d: module_entry(d, "budget").update(status="available"), None, "needs its package"),
        (lambda d: module_entry(d, "campaign-message").update(notebook="../solutions/x.ipynb"), None, "notebook must be"),
        (lambda d: None, {"campaign-message": NO_QUIZ}, "no quiz"),
        (lambda d: None, {"campaign-plan": ModuleParts(id="campaign-plan", drafts=())}, "at least one draft"),
        (lambda d: None, {"campaign-plan": BUDGET_PARTS}, "parts of module 'budget'"),
        (lambda d: module_entry(d, "budget").update(id="no-such-module"), None, "catalogue lacks"),
        (lambda d: d.pop("landing"), None, "landing"),
        (lambda d: d["modules"].append(dict(module_entry(d, "budget"))), None, "unique"),
    ],
    ids=["no-package", "notebook-path", "unknown-quiz", "no-drafts", "wrong-parts", "no-title", "no-landing", "duplicate-id"],
)
def test_a_broken_module_list_is_a_clear_value_error(change, parts, message):
    data = course_data()
    change(data)
    with pytest.raises(ValueError, match=message):
        parse_course(data, parts)


def test_a_module_keeps_only_drafts_named_after_it():
    # So two modules can never keep a draft under the same key.
    with pytest.raises(ValueError, match="names another module"):
        ModuleParts(id="campaign-plan", drafts=BUDGET_PARTS.drafts)


def test_a_new_module_counts_progress_from_its_own_data():
    data = course_data()
    budget = module_entry(data, "budget")
    budget.update(status="available", ready=".al-budget-table")
    course = parse_course(data, {"budget": BUDGET_PARTS})
    assert statuses({}, course.modules)["budget"] == "not started"
    assert statuses({"budget/table": {"notes": "Boosted posts"}}, course.modules)["budget"] == "started"
    assert statuses({"budget/table": {"total": "500 USD"}}, course.modules)["budget"] == "finished"


# ====================================================== the landing page's map
def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def page_html(root) -> str:
    return "".join(w.value for w in walk(root) if isinstance(w, widgets.HTML))


def module_item(cmap: CourseMap, module_id: str) -> str:
    html = page_html(cmap)
    start = html.index(f'data-module="{module_id}"')
    return html[start : html.index("</li>", start)]


def test_course_map_shows_each_status_in_words_from_a_memory_store():
    store = MemoryDraftStore()
    store.save(MESSAGE, {"problem": "Nobody can see the budget.", "platforms": ["x"]})
    cmap = CourseMap(store=store)
    assert cmap.statuses["campaign-message"] == "started"
    item = module_item(cmap, "campaign-message")
    assert "al-progress-started" in item and ">Started</span>" in item
    assert 'href="04-campaign-message.ipynb"' in item
    assert "Finished when:" in item  # what finishing takes, in plain language
    plan_item = module_item(cmap, "campaign-plan")
    assert "Not started" in plan_item and 'href="09-campaign-plan.ipynb"' in plan_item
    budget = module_item(cmap, "budget")
    assert "Not open yet (coming soon)" in budget and "href=" not in budget


def test_course_map_finished_through_real_components_and_a_file_store(tmp_path: Path):
    from advocacy_lab.ui.message_builder import MessageBuilder
    from advocacy_lab.ui.quiz import Quiz

    store = FileDraftStore(tmp_path / "drafts.json")
    builder, quiz = MessageBuilder(), Quiz(quiz="campaign_message")
    keep_drafts(builder, quiz, store=store)
    builder.value = {**finished_message_drafts()[MESSAGE]}
    cmap = CourseMap(store=FileDraftStore(tmp_path / "drafts.json"))  # a new kernel reading the file
    assert cmap.statuses["campaign-message"] == "started"  # quiz not answered yet
    quiz.value = {"answers": {qid: 1 for qid in QUESTIONS}}
    update = next(w for w in walk(cmap) if "al-course-map-update" in w._dom_classes)
    update.click()  # the learner comes back from the other tab
    assert cmap.statuses["campaign-message"] == "finished"
    item = module_item(cmap, "campaign-message")
    assert '<span aria-hidden="true">✓ </span>Finished' in item and "al-progress-finished" in item
    assert "Finished when:" not in item


def test_course_map_escapes_titles_summaries_and_rules(monkeypatch):
    data = course_data()
    english = cat.catalogue("en")  # texts come from the catalogue: make them hostile there
    for module in data["modules"]:
        title = f"course.module.{module['id']}.title"
        monkeypatch.setitem(english, title, HOSTILE + english[title])
        monkeypatch.setitem(english, f"course.module.{module['id']}.summary", HOSTILE)
    monkeypatch.setitem(english, "course.module.campaign-message.finished_when", HOSTILE)
    cmap = CourseMap(store=MemoryDraftStore(), course=parse_course(data))
    html = page_html(cmap)
    assert "<img" not in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 2 * len(data["modules"]) + 1


def test_course_map_only_reads_the_store(tmp_path: Path):
    path = tmp_path / "drafts.json"
    store = FileDraftStore(path)
    store.save(MESSAGE, {"problem": HOSTILE, "post": 5})
    store.save("some-other-module/draft", {"anything": [1, {"x": None}]})
    before = path.read_bytes()
    cmap = CourseMap(store=FileDraftStore(path))
    cmap.refresh()
    assert path.read_bytes() == before
    assert "<img" not in page_html(cmap)


def test_course_map_reports_a_corrupted_store_and_keeps_it(tmp_path: Path):
    path = tmp_path / "drafts.json"
    path.write_text("{ not json", encoding="utf-8")
    cmap = CourseMap(store=FileDraftStore(path))
    assert set(cmap.statuses.values()) <= {"not started", "coming soon"}
    backups = list(tmp_path.glob("drafts.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == "{ not json"
    status = next(w for w in walk(cmap) if "al-course-map-status" in w._dom_classes)
    assert "could not be read" in status.value


def test_course_map_waits_for_the_browser_store_then_shows_progress():
    store = BrowserDraftStore()
    cmap = CourseMap(store=store)
    assert store.widget in list(walk(cmap))  # on the page, so it can reach the browser
    assert not [w for w in walk(cmap) if "al-course-map-update" in w._dom_classes]  # reload instead
    assert "Looking for your saved work" in page_html(cmap)
    assert cmap.statuses == {}
    assert "al-progress-not-started" not in page_html(cmap)  # no status claimed before the drafts arrive
    # What browser_store.js sends once it has read localStorage.
    drafts = finished_message_drafts()
    store.widget.stored = {key: record_to_json(encode_record(value)) for key, value in drafts.items()}
    store.widget.loaded = True
    assert cmap.statuses["campaign-message"] == "finished"
    assert "Looking for your saved work" not in page_html(cmap)
    assert "al-progress-finished" in module_item(cmap, "campaign-message")
    assert NAMESPACE == store.widget.namespace


def test_given_progress_still_shown_without_a_store():
    cmap = CourseMap(progress={"campaign-message": "finished", "campaign-plan": "nonsense"})
    assert "al-progress-finished" in module_item(cmap, "campaign-message")
    assert "al-progress" not in module_item(cmap, "campaign-plan").replace("al-progress-coming", "")


# ============================================================== navigation
def test_navigation_follows_the_order_of_available_modules():
    course = load_course()
    available = course.available
    assert len(available) >= 2
    for index, module in enumerate(available):
        (prev_href, prev_text, _), (next_href, next_text, _) = navigation_links(module.notebook)
        if index == 0:
            assert prev_href == course.landing_notebook == "00-start-here.ipynb"
            assert prev_text == "← Back to the list of modules"
        else:
            assert prev_href == available[index - 1].notebook
            assert prev_text == f"← Previous: {available[index - 1].title}"
        if index == len(available) - 1:
            assert next_href == course.landing_notebook
            assert next_text == "Back to the list of modules →"
        else:
            assert next_href == available[index + 1].notebook
            assert next_text == f"Next: {available[index + 1].title} →"
        for href in (prev_href, next_href):
            assert "/" not in href and (ROOT / "notebooks" / href).is_file(), href


def test_navigation_of_the_current_modules():
    html03 = module_navigation("03-campaign-data.ipynb").value
    assert 'class="al-nav-previous" href="00-start-here.ipynb"' in html03
    assert 'href="04-campaign-message.ipynb" rel="next"' in html03 and "Next: Crafting the campaign message" in html03
    html04 = module_navigation("04-campaign-message.ipynb").value
    assert 'href="03-campaign-data.ipynb" rel="prev"' in html04 and "Previous: Learning from campaign data" in html04
    assert 'href="09-campaign-plan.ipynb" rel="next"' in html04 and "Next: Your campaign plan" in html04
    html09 = module_navigation("09-campaign-plan.ipynb").value
    assert 'href="04-campaign-message.ipynb" rel="prev"' in html09
    assert "Previous: Crafting the campaign message" in html09
    assert "al-module-nav" in module_navigation("09-campaign-plan.ipynb")._dom_classes


def test_a_module_added_to_the_list_changes_the_links():
    data = course_data()
    budget = module_entry(data, "budget")
    budget.update(status="available", ready=".al-budget-table")
    course = parse_course(data, {"budget": BUDGET_PARTS})
    assert module_neighbours(course, "04-campaign-message.ipynb")[1].id == "budget"
    html04 = module_navigation("04-campaign-message.ipynb", course).value
    assert 'href="06-budget.ipynb"' in html04 and "Next: Budget and paid reach" in html04
    assert 'href="09-campaign-plan.ipynb"' not in html04
    html06 = module_navigation("06-budget.ipynb", course).value
    assert 'href="04-campaign-message.ipynb"' in html06 and 'href="09-campaign-plan.ipynb"' in html06
    assert "Previous: Budget and paid reach" in module_navigation("09-campaign-plan.ipynb", course).value
    # Reordering the list reorders the links: one source of truth.
    module_entry(data, "campaign-plan")["number"] = 2
    reordered = parse_course(data, {"budget": BUDGET_PARTS})
    (prev_href, _, _), (next_href, _, _) = navigation_links("09-campaign-plan.ipynb", reordered)
    assert prev_href == "00-start-here.ipynb" and next_href == "03-campaign-data.ipynb"


def test_navigation_escapes_titles_and_refuses_unknown_pages(monkeypatch):
    data = course_data()
    monkeypatch.setitem(cat.catalogue("en"), "course.module.campaign-message.title", HOSTILE)
    html = module_navigation("09-campaign-plan.ipynb", parse_course(data)).value
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    for name in ("05-calendar.ipynb", "00-start-here.ipynb", "nope.ipynb"):  # planned, landing, unknown
        with pytest.raises(ValueError, match="not an available module"):
            module_navigation(name)


AVAILABLE_NOTEBOOKS = [m.notebook for m in load_course().available]


@pytest.mark.parametrize("name", AVAILABLE_NOTEBOOKS)
def test_every_module_page_ends_with_its_navigation_cell(name: str):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    last = nb.cells[-1]
    assert last.cell_type == "code", f"{name} must end with the navigation cell"
    tree = ast.parse(last.source)
    imports = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert any(
        n.module == "advocacy_lab.ui.navigation" and [a.name for a in n.names] == ["module_navigation"]
        for n in imports
    )
    call = tree.body[-1]
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
    assert isinstance(call.value.func, ast.Name) and call.value.func.id == "module_navigation"
    assert [a.value for a in call.value.args if isinstance(a, ast.Constant)] == [name]  # its own page
    # No hand-written previous/next links left to drift from modules.json.
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert "Previous:" not in cell.source and "Next:" not in cell.source, name


def test_the_landing_page_shows_the_course_map_without_a_drafts_keeper():
    nb = nbformat.read(ROOT / "notebooks" / "00-start-here.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "CourseMap()" in code
    assert "keep_drafts" not in code


def test_modules_json_is_valid_json_with_source_and_date():
    data = json.loads((ROOT / "widgets/advocacy_lab/data/modules.json").read_text(encoding="utf-8"))
    assert data["source"] and data["date"] and data["note"]
    # Texts are in the catalogue and progress rules come from the modules' packages: none here.
    for module in data["modules"]:
        expected = {"id", "number", "notebook", "status"} | ({"ready"} if module["status"] == "available" else set())
        assert set(module) == expected, module["id"]


def test_the_course_lists_its_pages_with_their_ready_selectors():
    course = load_course()
    pages = {p.notebook: p.ready for p in course.pages}
    assert list(pages) == [course.landing_notebook, *(m.notebook for m in course.available)]
    assert pages["00-start-here.ipynb"] == ".al-course-map"
    assert pages["04-campaign-message.ipynb"] == ".al-post-text textarea"
    assert course.ready_selector("09-campaign-plan.ipynb") == ".al-plan-view"
    with pytest.raises(ValueError, match="not a page"):
        course.ready_selector("05-calendar.ipynb")
    data = course_data()
    module_entry(data, "campaign-message").pop("ready")
    with pytest.raises(ValueError, match="ready"):
        parse_course(data)
