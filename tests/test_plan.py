"""The campaign plan: section registry, build_plan, and the CampaignPlanView widget (headless)."""
from __future__ import annotations

import datetime as dt
import io
import json
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import docx
import pytest

from advocacy_lab.core import plan as plan_mod
from advocacy_lab.core.catalogue import localized
from advocacy_lab.core.course import load_course
from advocacy_lab.core.drafts import FileDraftStore, MemoryDraftStore
from advocacy_lab.modules.campaign_message.plan import build_messages_section
from advocacy_lab.modules.campaign_message.schema import MESSAGE_BUILDER

MESSAGE_BUILDER_KEY = MESSAGE_BUILDER.key
from advocacy_lab.core.plan import (  # noqa: E402
    CampaignPlan,
    PlanEntry,
    PlanSection,
    SectionContent,
    build_plan,
    load_all_drafts,
    plan_sections,
    register_section,
    unregister_section,
)

# The seven parts of the original outline, and module 03's "What worked, and why" (#10) after the audiences.
PARTS_IN_ORDER = ("objectives", "audiences", "lessons", "messages", "calendar", "budget", "risks", "monitoring")

FULL_MESSAGE = {
    "problem": "Children in Hanoi breathe PM2.5 levels 4x the WHO limit.",
    "solution": "Move school buses to electric by 2028.",
    "ask": "Sign the petition to the People's Committee.",
    "post": "Our kids deserve clean air 🌱 Sign now: https://example.org/air\nShare with 3 friends!",
    "platforms": ["facebook", "x"],
}


def _modules() -> dict[str, dict]:
    data = json.loads(resources.files("advocacy_lab.data").joinpath("modules.json").read_text("utf-8"))
    return {m["id"]: m for m in data["modules"]}


class Tags(HTMLParser):
    """Start tags (with attributes) and text of an HTML fragment."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


# ---------------------------------------------------------------------------
# Declared parts and the registry
# ---------------------------------------------------------------------------


def test_the_plan_parts_are_declared_in_plan_order():
    assert tuple(s.id for s in plan_sections()) == PARTS_IN_ORDER
    orders = [s.order for s in plan_sections()]
    assert orders == sorted(orders)


def test_module_titles_and_links_come_from_the_course_outline():
    modules = _modules()
    declared = json.loads(resources.files("advocacy_lab.data").joinpath("plan_sections.json").read_text("utf-8"))
    module_of = {row["id"]: row["module"] for row in declared["sections"]}
    course = load_course()
    for section in plan_sections():
        module = modules[module_of[section.id]]
        for lang in ("en", "vi"):
            assert localized(section.module_title, lang) == course.module(module["id"]).title_in(lang)
        if module["status"] == "available":
            assert section.module_notebook == module["notebook"]
        else:
            assert section.module_notebook is None and section.coming_soon


def test_linked_modules_exist_in_notebooks(repo_root: Path):
    for section in plan_sections():
        if section.module_notebook is not None:
            assert (repo_root / "notebooks" / section.module_notebook).is_file(), section.module_notebook


def test_messages_section_reads_the_message_builder_draft():
    messages = next(s for s in plan_sections() if s.id == "messages")
    assert messages.draft_keys == (MESSAGE_BUILDER_KEY,)
    assert messages.module_notebook == "04-campaign-message.ipynb"
    assert messages.build is build_messages_section  # declared by its module, not by the core


def test_a_section_registered_by_a_later_module_appears_in_the_plan():
    def build_stakeholders(drafts):
        draft = drafts.get("stakeholders/map")
        if not draft:
            return None
        return SectionContent((PlanEntry({"en": "Allies", "vi": "Đồng minh"}, draft["allies"]),))

    section = PlanSection(
        id="stakeholders",
        title={"en": "Stakeholders", "vi": "Các bên liên quan"},
        order=25,
        module_notebook="02-audiences.ipynb",
        module_title="Knowing your audiences",
        draft_keys=("stakeholders/map",),
        build=build_stakeholders,
    )
    register_section(section)
    try:
        ids = [s.id for s in plan_sections()]
        assert ids.index("audiences") < ids.index("stakeholders") < ids.index("messages")

        empty = build_plan({})
        part = next(m for m in empty.missing if m.id == "stakeholders")
        assert (part.title, part.module_notebook) == ("Stakeholders", "02-audiences.ipynb")

        filled = build_plan({"stakeholders/map": {"allies": "Parents' associations"}}, lang="vi")
        got = next(s for s in filled.sections if s.id == "stakeholders")
        assert got.title == "Các bên liên quan"
        assert got.content.entries == (PlanEntry("Đồng minh", "Parents' associations"),)
        assert "stakeholders" not in [m.id for m in filled.missing]
    finally:
        unregister_section("stakeholders")
    assert "stakeholders" not in [s.id for s in plan_sections()]


def test_registering_a_declared_part_fills_it_and_unregistering_restores_it():
    section = PlanSection(
        id="budget",
        title="Budget",
        order=50,
        module_notebook="06-budget.ipynb",
        module_title="Budget and paid reach",
        draft_keys=("budget/table",),
        build=lambda drafts: SectionContent((PlanEntry("Total", str(drafts["budget/table"]["total"])),))
        if "budget/table" in drafts
        else None,
    )
    register_section(section)
    try:
        plan = build_plan({"budget/table": {"total": "1200 USD"}})
        assert [s.id for s in plan.sections] == ["budget"]
        assert plan.sections[0].content.entries[0].text == "1200 USD"
        assert len([s for s in plan_sections() if s.id == "budget"]) == 1
    finally:
        unregister_section("budget")
    budget = next(s for s in plan_sections() if s.id == "budget")
    assert budget.coming_soon and budget.build is plan_mod.not_filled_yet


def test_registering_the_same_id_twice_needs_replace():
    one = PlanSection("twice", "Twice", 99, None, "Later")
    two = PlanSection("twice", "Twice again", 99, None, "Later")
    register_section(one)
    try:
        with pytest.raises(ValueError, match="already registered"):
            register_section(two)
        register_section(two, replace=True)
        assert next(s for s in plan_sections() if s.id == "twice").title == "Twice again"
    finally:
        unregister_section("twice")


@pytest.mark.parametrize(
    "notebook",
    ["../solutions/04.ipynb", "javascript:alert(1)", "04 campaign", "/etc/passwd.ipynb", "x\".ipynb", ".hidden.ipynb"],
)
def test_a_section_links_only_to_a_notebook_file_name(notebook):
    with pytest.raises(ValueError, match="module_notebook"):
        PlanSection("bad", "Bad", 1, notebook, "Bad")


def test_a_section_needs_an_id_title_and_builder():
    with pytest.raises(ValueError, match="id"):
        PlanSection("", "T", 1, None, "M")
    with pytest.raises(ValueError, match="title"):
        PlanSection("x", "  ", 1, None, "M")
    with pytest.raises(ValueError, match="build"):
        PlanSection("x", "T", 1, None, "M", build="not a function")
    with pytest.raises(ValueError, match="PlanSection"):
        register_section({"id": "x"})


# ---------------------------------------------------------------------------
# build_plan
# ---------------------------------------------------------------------------


def test_an_empty_plan_lists_every_part_as_missing_with_its_module():
    plan = build_plan({}, today=dt.date(2026, 3, 8))
    assert isinstance(plan, CampaignPlan)
    assert plan.sections == () and not plan.complete
    assert tuple(m.id for m in plan.missing) == PARTS_IN_ORDER
    assert plan.title == "My campaign plan" and plan.created == dt.date(2026, 3, 8)
    by_id = {m.id: m for m in plan.missing}
    assert by_id["messages"].module_notebook == "04-campaign-message.ipynb"
    assert by_id["messages"].module_title == "Crafting the campaign message"
    assert by_id["budget"].coming_soon and by_id["budget"].module_notebook is None
    assert by_id["budget"].module_title == "Budget and paid reach"
    assert all(not m.started and m.details == () for m in plan.missing)


def test_a_full_message_draft_fills_the_messages_part():
    plan = build_plan({MESSAGE_BUILDER_KEY: FULL_MESSAGE}, title="  Clean air  ")
    assert plan.title == "Clean air"
    (messages,) = plan.sections
    assert messages.id == "messages" and messages.title == "Messages"
    texts = {e.label: e.text for e in messages.content.entries}
    assert texts["Problem"] == FULL_MESSAGE["problem"]
    assert texts["Call to action"] == FULL_MESSAGE["ask"]
    assert texts["Post"] == FULL_MESSAGE["post"]
    assert "messages" not in {m.id for m in plan.missing}
    assert tuple(m.id for m in plan.missing) == tuple(p for p in PARTS_IN_ORDER if p != "messages")


def test_platforms_are_shown_by_name():
    from advocacy_lab.checks import load_platforms

    plan = build_plan({MESSAGE_BUILDER_KEY: FULL_MESSAGE})
    texts = {e.label: e.text for e in plan.sections[0].content.entries}
    platforms = load_platforms()
    assert texts["Platforms"] == f"{platforms['facebook'].name}, {platforms['x'].name}"


def test_a_half_done_message_is_shown_and_listed_with_what_is_missing():
    draft = {"problem": "Air is dirty", "solution": "", "ask": "   ", "post": "", "platforms": []}
    plan = build_plan({MESSAGE_BUILDER_KEY: draft})
    (messages,) = plan.sections
    assert [e.text for e in messages.content.entries] == ["Air is dirty"]
    part = next(m for m in plan.missing if m.id == "messages")
    assert part.started
    assert part.details == ("Solution", "Call to action", "Post", "Platforms")
    assert part.module_notebook == "04-campaign-message.ipynb"


def test_vietnamese_plan_uses_vietnamese_titles_and_labels():
    plan = build_plan({MESSAGE_BUILDER_KEY: FULL_MESSAGE}, lang="vi")
    assert plan.title == "Kế hoạch chiến dịch của tôi"
    assert plan.sections[0].title == "Thông điệp"
    assert plan.sections[0].content.entries[0].label == "Vấn đề"
    assert plan.label("still_to_do") == "Việc còn phải làm"


@pytest.mark.parametrize(
    "draft",
    [
        {"problem": 5, "solution": None, "ask": ["x"], "post": {"a": 1}, "platforms": "x"},
        {"platforms": [None, 3, "x", "x"]},
        {},
        {"problem": "", "post": "\x00\x01"},
    ],
)
def test_malformed_message_drafts_never_break_the_plan(draft):
    plan = build_plan({MESSAGE_BUILDER_KEY: draft, "other": "not a dict"})
    assert {m.id for m in plan.missing} >= set(PARTS_IN_ORDER) - {"messages"}


def test_a_failing_builder_marks_only_its_part_unreadable():
    def broken(drafts):
        raise KeyError("boom")

    register_section(PlanSection("broken", "Broken part", 35, None, "Later", build=broken))
    register_section(PlanSection("wrong", "Wrong type", 36, None, "Later", build=lambda d: "text"), replace=True)
    try:
        plan = build_plan({MESSAGE_BUILDER_KEY: FULL_MESSAGE})
    finally:
        unregister_section("broken")
        unregister_section("wrong")
    assert [s.id for s in plan.sections] == ["messages"]
    by_id = {m.id: m for m in plan.missing}
    assert by_id["broken"].details == ("Your saved work for this part could not be read.",)
    assert by_id["wrong"].details == ("Your saved work for this part could not be read.",)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="lang"):
        build_plan({}, lang="fr")
    with pytest.raises(ValueError, match="mapping"):
        build_plan(["not", "drafts"])


# ---------------------------------------------------------------------------
# Reading drafts through the DraftStore protocol
# ---------------------------------------------------------------------------


def test_load_all_drafts_reads_a_file_store(tmp_path):
    store = FileDraftStore(tmp_path / "drafts.json")
    store.save(MESSAGE_BUILDER_KEY, FULL_MESSAGE)
    store.save("quiz/campaign-message", {"answers": {"q1": "b"}})
    drafts = load_all_drafts(store)
    assert drafts == {MESSAGE_BUILDER_KEY: FULL_MESSAGE, "quiz/campaign-message": {"answers": {"q1": "b"}}}
    assert build_plan(drafts).sections[0].id == "messages"


def test_load_all_drafts_skips_a_draft_that_cannot_be_read():
    class HalfBroken(MemoryDraftStore):
        def load(self, key):
            if key == "bad":
                raise ValueError("damaged record")
            return super().load(key)

    store = HalfBroken()
    store.save("bad", {"x": 1})
    store.save(MESSAGE_BUILDER_KEY, FULL_MESSAGE)
    assert load_all_drafts(store) == {MESSAGE_BUILDER_KEY: FULL_MESSAGE}


# ---------------------------------------------------------------------------
# The widget, headless
# ---------------------------------------------------------------------------

HOSTILE = '<img src=x onerror=alert(1)><script>alert("x")</script> [click](javascript:alert(1)) &amp; "\'`'


def _click(view, fmt: str, screen: dict | None = None) -> tuple[dict, list]:
    """What the page gets for a click on ``fmt``'s download: the anywidget command
    message plan_downloads.js sends (invoke "build"), through the widget's own
    message handler, and the answer the kernel sends back (JSON and buffers)."""
    sent: list[tuple[dict, list]] = []
    links = view._download_links
    links.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))
    try:
        request = {"format": fmt, "screen": screen or {}}
        links._handle_custom_msg({"kind": "anywidget-command", "id": "click-1", "name": "build", "msg": request}, [])
    finally:
        del links.send
    ((content, buffers),) = sent
    assert content["id"] == "click-1" and content["kind"] == "anywidget-command-response"
    return content["response"], buffers


def _download(view, fmt: str, screen: dict | None = None) -> tuple[str, str, bytes]:
    answer, buffers = _click(view, fmt, screen)
    assert answer["ok"] is True, answer
    (content,) = buffers
    return answer["name"], answer["mime"], bytes(content)


def test_view_shows_the_plan_missing_parts_and_working_downloads(tmp_path):
    from advocacy_lab.ui.plan import CampaignPlanView

    store = FileDraftStore(tmp_path / "drafts.json")
    store.save(MESSAGE_BUILDER_KEY, dict(FULL_MESSAGE, problem=HOSTILE))
    view = CampaignPlanView(store=store, today=dt.date(2026, 3, 8))

    assert "al-plan" in view._plan_html._dom_classes
    assert "al-plan-missing" in view._missing_html._dom_classes
    assert [f["format"] for f in view._download_links.formats] == ["md", "html", "docx"]

    shown = Tags(view._plan_html.value)
    assert not shown.named("script") and not shown.named("img") and not shown.named("a")
    assert HOSTILE in shown.all_text

    missing = Tags(view._missing_html.value)
    items = missing.named("li")
    assert [i["data-part"] for i in items] == [s for s in PARTS_IN_ORDER if s != "messages"]
    # Links only to modules that exist (module 03's lessons); the others are still coming soon.
    assert [a["href"] for a in missing.named("a")] == ["03-campaign-data.ipynb"]
    assert "Budget and paid reach" in missing.all_text and "coming soon" in missing.all_text

    name, mime, content = _download(view, "docx")
    assert name == "campaign-plan.docx"
    assert mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    paragraphs = [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
    assert HOSTILE in paragraphs and FULL_MESSAGE["post"] in paragraphs

    name, mime, content = _download(view, "html")
    assert (name, mime) == ("campaign-plan.html", "text/html;charset=utf-8")
    page = Tags(content.decode("utf-8"))
    assert not page.named("script") and not page.named("img")
    assert HOSTILE in page.all_text

    name, mime, content = _download(view, "md")
    assert (name, mime) == ("campaign-plan.md", "text/markdown;charset=utf-8")
    assert "\\<img src=x onerror=alert(1)\\>" in content.decode("utf-8")
    assert view.downloads["md"] == (name, content)


def test_view_links_a_missing_part_to_its_module(tmp_path):
    from advocacy_lab.ui.plan import CampaignPlanView

    view = CampaignPlanView(store=MemoryDraftStore())
    missing = Tags(view._missing_html.value)
    assert [a["href"] for a in missing.named("a")] == ["03-campaign-data.ipynb", "04-campaign-message.ipynb"]
    messages_item = next(i for i in missing.named("li") if i["data-part"] == "messages")
    assert messages_item is not None
    assert view.plan.sections == ()
    assert "empty so far" in view._plan_html.value


def test_view_title_is_its_draft_and_names_the_files():
    from advocacy_lab.ui.plan import CampaignPlanView

    view = CampaignPlanView(store=MemoryDraftStore())
    assert view.value == {"title": ""} and view.draft_key == "campaign-plan/plan"
    view._title.value = "Clean air for Hà Nội's schools <b>"
    assert view.value == {"title": "Clean air for Hà Nội's schools <b>"}
    assert view.plan.title == "Clean air for Hà Nội's schools <b>"
    name, _mime, _content = _download(view, "docx")
    assert name == "campaign-plan-clean-air-for-ha-noi-s-schools-b.docx"
    assert "&lt;b&gt;" in view._plan_html.value and "<b>" not in view._plan_html.value

    view.value = {"title": "Restored", "unknown": 1}
    assert view._title.value == "Restored" and view.plan.title == "Restored"
    assert view.value == {"title": "Restored", "unknown": 1}


def test_view_refresh_takes_drafts_or_rereads_the_store():
    from advocacy_lab.ui.plan import CampaignPlanView

    store = MemoryDraftStore()
    view = CampaignPlanView(store=store)
    assert view.plan.sections == ()
    store.save(MESSAGE_BUILDER_KEY, FULL_MESSAGE)
    assert view.plan.sections == ()  # nothing changes until the learner updates
    view._update.click()
    assert [s.id for s in view.plan.sections] == ["messages"]
    plan = view.refresh({})
    assert plan.sections == () and view.plan is plan


def test_view_refreshes_when_a_slow_store_becomes_ready():
    from advocacy_lab.ui.plan import CampaignPlanView

    class SlowStore(MemoryDraftStore):
        def __init__(self):
            super().__init__()
            self.callbacks = []

        def when_ready(self, callback):
            self.callbacks.append(callback)

    store = SlowStore()
    view = CampaignPlanView(store=store)
    store.save(MESSAGE_BUILDER_KEY, FULL_MESSAGE)
    assert view.plan.sections == ()
    for callback in store.callbacks:
        callback()
    assert [s.id for s in view.plan.sections] == ["messages"]


def test_view_shows_a_friendly_message_when_the_store_fails():
    from advocacy_lab.ui.plan import CampaignPlanView

    class Broken(MemoryDraftStore):
        def keys(self):
            raise OSError("/home/learner/.local/share/advocacy-lab/drafts.json: permission denied")

    view = CampaignPlanView(store=Broken())
    assert "something went wrong" in view.error_message
    assert "drafts.json" not in view.error_message and "Traceback" not in view.error_message
    assert view.refresh({MESSAGE_BUILDER_KEY: FULL_MESSAGE}).sections[0].id == "messages"
    assert view.error_message == ""


def test_view_refuses_a_download_too_large_for_the_page(monkeypatch):
    from advocacy_lab.ui import plan as ui_plan

    view = ui_plan.CampaignPlanView(store=MemoryDraftStore())
    sizes = {fmt: len(content) for fmt, (_name, content) in view.downloads.items()}
    assert set(sizes) == {"md", "html", "docx"}
    # Between the Markdown and the Word file: Markdown is handed over, Word is not.
    monkeypatch.setattr(ui_plan, "MAX_DOWNLOAD_BYTES", sizes["md"])
    assert set(view.downloads) == ({"md", "html"} if sizes["html"] <= sizes["md"] else {"md"})
    answer, buffers = _click(view, "docx")
    assert answer["ok"] is False and buffers == []
    assert "too large" in answer["message"] and "MB" in answer["message"]
    assert _click(view, "md")[0]["ok"] is True


def test_view_in_vietnamese():
    from advocacy_lab.ui.plan import CampaignPlanView

    view = CampaignPlanView(store=MemoryDraftStore(), drafts={MESSAGE_BUILDER_KEY: FULL_MESSAGE}, lang="vi")
    assert "Việc còn phải làm" in view._missing_html.value
    assert "Thông điệp" in view._plan_html.value
    (word,) = [f for f in view._download_links.formats if f["format"] == "docx"]
    assert word["label"] == "Tải về Word (.docx)"
    assert view._download_links.texts["preparing"].startswith("Đang chuẩn bị")
    name, mime, content = _download(view, "docx")
    assert "Việc còn phải làm" in [p.text for p in docx.Document(io.BytesIO(content)).paragraphs]
    assert docx.Document(io.BytesIO(content)).core_properties.language == "vi"
    answer, _ = _click(view, "pdf")
    assert answer["ok"] is False and answer["message"].startswith("Rất tiếc")


# ---------------------------------------------------------------------------
# The lesson notebook, run by a real kernel
# ---------------------------------------------------------------------------


def test_notebook_is_stored_clean_and_starts_with_what_you_will_have(repo_root: Path):
    import nbformat

    nb = nbformat.read(repo_root / "notebooks" / "09-campaign-plan.ipynb", as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and "By the end" in nb.cells[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.slow
def test_notebook_runs_and_shows_the_plan_from_saved_drafts(repo_root: Path, tmp_path, monkeypatch):
    import nbclient
    import nbformat

    monkeypatch.setenv("ADVOCACY_LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ADVOCACY_LAB_DRAFT_STORE", "file")
    FileDraftStore(tmp_path / "drafts.json").save(MESSAGE_BUILDER_KEY, FULL_MESSAGE)
    nb = nbformat.read(repo_root / "notebooks" / "09-campaign-plan.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print([s.id for s in plan.plan.sections], len(plan.plan.missing))"))
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(repo_root / "notebooks")}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if o.output_type == "display_data"]
    assert [o.data["text/plain"].split("(")[0] for o in views] == ["DraftKeeper", "CampaignPlanView"]
    assert outputs[-1].text.strip() == f"['messages'] {len(PARTS_IN_ORDER) - 1}"


def test_a_download_is_built_from_the_plan_on_screen_when_clicked(monkeypatch):
    """Nothing is built before the click; the click gets the plan as shown, with
    the title as the page shows it (typed, maybe not yet heard by the kernel)."""
    from advocacy_lab.core import export as core_export
    from advocacy_lab.ui.plan import CampaignPlanView

    store = MemoryDraftStore()
    store.save(MESSAGE_BUILDER_KEY, dict(FULL_MESSAGE, problem="Dirty air in Ha Noi schools"))
    view = CampaignPlanView(store=store)
    built: list[str] = []
    mime, to_bytes = core_export.EXPORT_FORMATS["md"]

    def counting(plan):
        built.append(plan.title)
        return to_bytes(plan)

    monkeypatch.setitem(core_export.EXPORT_FORMATS, "md", (mime, counting))
    view._title.value = "Clean air"
    view.refresh()
    assert built == []  # typing and refreshing build no file
    title_id = f"{view.draft_key}#title"
    name, _mime, content = _download(view, "md", {title_id: "Clean air for <Ha Noi>"})
    assert built == ["Clean air for <Ha Noi>"]
    markdown = content.decode("utf-8")
    assert name == "campaign-plan-clean-air-for-ha-noi.md"
    assert markdown.startswith("# Clean air for \\<Ha Noi\\>") and "Dirty air in Ha Noi schools" in markdown
    # A draft saved in the store after the plan was shown is not in the file until the plan shows it.
    store.save(MESSAGE_BUILDER_KEY, dict(FULL_MESSAGE, problem="Newer text"))
    assert "Newer text" not in _download(view, "md")[2].decode("utf-8")
    view._update.click()
    assert "Newer text" in _download(view, "md")[2].decode("utf-8")
    # No screen reading (or a field the page cannot have): the kernel's own title.
    assert _download(view, "md", {title_id: 42})[0] == "campaign-plan-clean-air.md"
    assert _download(view, "md", {title_id: "x" * 100_001})[0] == "campaign-plan-clean-air.md"


def test_a_download_that_fails_to_build_says_so_in_a_sentence(monkeypatch):
    from advocacy_lab.core import export as core_export
    from advocacy_lab.ui.plan import CampaignPlanView

    view = CampaignPlanView(store=MemoryDraftStore())

    def broken(plan):
        raise OSError("/tmp/secret/path: disk full")

    monkeypatch.setitem(core_export.EXPORT_FORMATS, "docx", (core_export.DOCX_MIME, broken))
    answer, buffers = _click(view, "docx")
    assert answer == {
        "ok": False,
        "message": "Sorry, your Word (.docx) file could not be made. Please try again. "
        "If it still fails, click “Update my plan”, then download again.",
    }
    assert buffers == []
    assert view.error_message == ""  # the page says it next to the links; the plan stays usable
    assert _click(view, "md")[0]["ok"] is True


def test_the_page_state_carries_no_file():
    """The widgets' state (what every visit downloads) holds no export, only what to ask for."""
    from ipywidgets.embed import dependency_state
    from advocacy_lab.ui.plan import CampaignPlanView

    view = CampaignPlanView(store=MemoryDraftStore(), drafts={MESSAGE_BUILDER_KEY: FULL_MESSAGE})
    view._title.value = "Clean air for Hanoi's schools"
    state = json.dumps(dependency_state([view]))
    assert "data:" not in state and "base64" not in state
    assert "UEsDB" not in state  # a zip (the .docx) in base64
    assert "Still to do" in state  # the plan is there, only the files are not
    markdown = _download(view, "md")[2].decode("utf-8")
    assert markdown.split("\n", 1)[0] not in state
