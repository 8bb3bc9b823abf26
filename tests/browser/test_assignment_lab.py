"""The graded exercise in real JupyterLab, where participants on a hosted Jupyter meet it (issue #9).

The environment's ``jupyter lab`` (tests/browser/lab_support.py) over an assignment folder
holding the released notebook, driven by Debian's Chromium:

- Run All reaches every part: no cell stops it, the test cells say "not yet" in words;
- the learner answers through a widget and saves; the answers file beside the notebook holds
  the answer (written by the widgets, in the drafts' versioned record format);
- the notebook reopened in a new kernel and run again: the widget shows the answer again.
"""
from __future__ import annotations

import json
import shutil

from playwright.sync_api import expect

from advocacy_lab.assignment import campaign_message as spec
from advocacy_lab.assignment.answers import Answers, answers_file_name
from advocacy_lab.core.catalogue import text
from assignment_support import SOLUTION_POST
from browser_support import http_get
from lab_support import LAB_PAGE_TIMEOUT_MS, jupyter_lab, run_all_cells
from server_support import ROOT, wait_for

NOTEBOOK = f"{spec.NOTEBOOK}.ipynb"
#: The notebook as Lab names it: in its assignment folder, as nbgrader's fetch leaves it.
IN_LAB = f"{spec.ASSIGNMENT}/{NOTEBOOK}"


def _shut_down_kernels(page, port: int) -> None:
    """Every kernel Lab runs, shut down through Lab's own service manager: the next run starts from nothing."""
    page.evaluate("async () => { await window.jupyterapp.serviceManager.sessions.shutdownAll(); }")
    wait_for(lambda: json.loads(http_get(port, "/api/kernels")[2]) == [], "every kernel shut down", timeout=60)


def test_answer_in_jupyterlab_save_and_find_it_again(browser, tmp_path):
    course = tmp_path / "home"
    assignment = course / spec.ASSIGNMENT
    assignment.mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / spec.ASSIGNMENT / NOTEBOOK, assignment / NOTEBOOK)
    answers_file = assignment / answers_file_name(spec.NOTEBOOK)

    with jupyter_lab(course, tmp_path) as url:
        port = int(url.rsplit(":", 1)[1])
        context = browser.new_context()
        context.set_default_timeout(LAB_PAGE_TIMEOUT_MS)
        try:
            page = context.new_page()
            run_all_cells(page, url, IN_LAB, tmp_path=tmp_path)  # fails on any cell that raises
            outputs = page.locator(".jp-OutputArea-output")
            # Every part's widgets are there, past the test cells of parts not answered yet.
            for selector in (".al-post-text textarea", ".al-link-url input", ".al-answer-number input",
                             "button.al-self-check-button"):
                expect(page.locator(selector)).to_have_count(1)
            expect(outputs.filter(has_text="Not yet (Part 1")).to_have_count(2)
            assert not answers_file.exists()  # nothing answered, nothing written

            # Answer through the widget, as in the lesson, and save the notebook.
            page.locator(".al-post-text textarea").fill(SOLUTION_POST)
            page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
            wait_for(lambda: answers_file.exists() and SOLUTION_POST in answers_file.read_text("utf-8"),
                     "the answers file to hold the post", timeout=60)
            # What the widgets wrote is what grading reads.
            read = Answers.read(answers_file)
            assert read.text(spec.POST_KEY, spec.PART_POST, "post", spec.PART_POST) == SOLUTION_POST
            record = json.loads(answers_file.read_text("utf-8"))
            assert record["schema_version"] == 1 and record["drafts"][spec.POST_KEY]["schema_version"] == 1
            assert not list(assignment.glob("*.tmp*")), "a temporary file was left beside the notebook"
            # Reopen: the kernel is gone, a new page runs the notebook again from nothing.
            _shut_down_kernels(page, port)
        finally:
            context.close()

        context = browser.new_context()
        context.set_default_timeout(LAB_PAGE_TIMEOUT_MS)
        try:
            page = context.new_page()
            run_all_cells(page, url, IN_LAB, tmp_path=tmp_path)
            expect(page.locator(".al-post-text textarea")).to_have_value(SOLUTION_POST)
            # The test cells of Part 1 now read that answer.
            expect(page.locator(".jp-OutputArea-output").filter(has_text=f"post: {SOLUTION_POST}")).to_have_count(2)
            expect(page.locator(".jp-OutputArea-output").filter(
                has_text=text("assignment.graded.visible_passes", "en"))).not_to_have_count(0)
        finally:
            context.close()
