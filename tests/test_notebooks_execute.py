"""Notebooks: stored clean, shaped as the guide says, and run by a real kernel."""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))
EXECUTED = LESSONS + SOLUTIONS


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_notebooks_to_check():
    assert any(p.name == "00-start-here.ipynb" for p in LESSONS)
    assert any(p.name == "04-campaign-message.ipynb" for p in LESSONS)
    assert SOLUTIONS and EXERCISES


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS + EXERCISES, ids=_id)
def test_stored_without_outputs_and_with_python3_kernel(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{_id(path)}: clear the outputs before committing"
            )
    assert "widgets" not in nb.metadata  # no saved widget state either


def _plain_argument(node: ast.expr) -> bool:
    """A constant, a name, or a name's attribute (``plan.store``): no computation."""
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name)
    return isinstance(node, (ast.Constant, ast.Name))


def _allowed_statement(node: ast.stmt) -> bool:
    """Imports, `name = Constructor(...)`, and bare expressions (display)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(node, ast.Assign):
        return (
            all(isinstance(t, ast.Name) for t in node.targets)
            and isinstance(node.value, ast.Call)
            and all(_plain_argument(a) for a in node.value.args)
            and all(_plain_argument(k.value) for k in node.value.keywords)
        )
    if isinstance(node, ast.Expr):
        value = node.value
        if isinstance(value, ast.Name):
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            return all(_plain_argument(a) for a in value.args)
    return False


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_code_cells_only_import_and_display(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        bad = [ast.unparse(n) for n in tree.body if not _allowed_statement(n)]
        assert not bad, f"{_id(path)}: lesson code cells may only import and display, not {bad}"


def test_the_import_display_rule_can_fail():
    assert not _allowed_statement(ast.parse("x = 1 + 2").body[0])
    assert not _allowed_statement(ast.parse("for i in range(3): print(i)").body[0])
    assert not _allowed_statement(ast.parse("builder.value = {}").body[0])
    assert not _allowed_statement(ast.parse("b = MessageBuilder(draft_key=f(1))").body[0])
    assert _allowed_statement(ast.parse("builder = MessageBuilder(lang='vi')").body[0])


@pytest.mark.parametrize("path", [p for p in LESSONS if p.name != "00-start-here.ipynb"] + SOLUTIONS, ids=_id)
def test_learning_objectives_come_first(path: Path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert re.search(r"^## What you will (learn|practise|have)", first.source, re.M), _id(path)


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_links_between_notebooks_resolve(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for target in re.findall(r"\]\(([^)#?]+\.ipynb)", cell.source):
                # Relative links work both in JupyterLab and under /voila/render/.
                assert not target.startswith("/"), target
                assert (path.parent / target).is_file(), f"{_id(path)} links to missing {target}"


@pytest.mark.slow
@pytest.mark.parametrize("path", EXECUTED, ids=_id)
def test_notebook_executes_without_errors(path: Path, monkeypatch, tmp_path: Path):
    # The kernel inherits this; keeps drafts in memory, not in the real user's data folder.
    monkeypatch.setenv("ADVOCACY_LAB_DRAFT_STORE", "memory")
    nb = nbformat.read(path, as_version=4)
    folder = path.parent
    if path in SOLUTIONS:
        # A graded exercise is answered through its widgets (issue #9): the model answers, typed into
        # them, are saved beside a copy of the notebook, where its graded cells read them.
        from assignment_support import ANSWER_THROUGH_WIDGETS

        folder = tmp_path / path.parent.name
        shutil.copytree(path.parent, folder)
        ANSWER_THROUGH_WIDGETS[path.parent.name](folder)
    client = NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    if path in LESSONS:
        # Every display cell really produced a widget, not a text repr or a warning.
        for cell in nb.cells:
            if cell.cell_type == "code" and isinstance(ast.parse(cell.source).body[-1], ast.Expr):
                kinds = {
                    key for o in cell.outputs for key in o.get("data", {}) if o.output_type != "stream"
                }
                assert "application/vnd.jupyter.widget-view+json" in kinds, cell.source
                assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]


def _widget_html(nb) -> str:
    """Every HTML widget's value in the widget state saved by the kernel run."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return "".join(
        str(model.get("state", {}).get("value", ""))
        for model in state.get("state", {}).values()
        if model.get("model_name") == "HTMLModel"
    )


@pytest.mark.slow
def test_landing_page_shows_progress_from_the_learners_saved_drafts(tmp_path: Path, monkeypatch):
    """A real kernel runs the landing page against a drafts file saved by the modules."""
    from advocacy_lab.core.drafts import FileDraftStore

    store = FileDraftStore(tmp_path / "drafts.json")
    store.save("campaign-message/message-builder", {"problem": "Nobody can see the budget.", "platforms": ["x"]})
    monkeypatch.setenv("ADVOCACY_LAB_DRAFT_STORE", "file")
    monkeypatch.setenv("ADVOCACY_LAB_DATA_DIR", str(tmp_path))
    path = ROOT / "notebooks" / "00-start-here.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=180, kernel_name="python3", store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    html = _widget_html(nb)
    start = html.index('data-module="campaign-message"')
    item = html[start : html.index("</li>", start)]
    assert "al-progress-started" in item and ">Started<" in item
    start = html.index('data-module="campaign-plan"')
    assert "Not started" in html[start : html.index("</li>", start)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [p.name for p in LESSONS if p.name != "00-start-here.ipynb"], ids=lambda n: n
)
def test_module_page_ends_with_working_previous_next_links(name: str, monkeypatch):
    monkeypatch.setenv("ADVOCACY_LAB_DRAFT_STORE", "memory")
    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=180, kernel_name="python3", store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    html = _widget_html(nb)
    assert 'class="al-module-nav-links"' in html
    nav = html[html.index('class="al-module-nav-links"') :]
    nav = nav[: nav.index("</nav>")]
    targets = re.findall(r'href="([^"]+)"', nav)
    assert len(targets) == 2 and name not in targets
    for target in targets:
        assert not target.startswith("/") and (path.parent / target).is_file(), target
