"""tests/browser/lab_support.py itself: the real JupyterLab runs every cell, in order, with a
kernel (running before the kernel is there silently ran nothing), says which cell failed,
shows no news toast, and fetches nothing from another host."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lab_support import LAB_PAGE_TIMEOUT_MS, jupyter_lab, run_all_cells, write_notebook

pytestmark = pytest.mark.browser


def test_run_all_cells_runs_every_cell_and_reports_a_failing_one(browser, tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    write_notebook(folder, "fine.ipynb", "words = ['first']", "words.append('second')\nprint(' then '.join(words))")
    write_notebook(folder, "broken.ipynb", "print('before')", "raise ValueError('the cell that fails')")
    with jupyter_lab(folder, tmp_path) as url:
        context = browser.new_context()
        context.set_default_timeout(LAB_PAGE_TIMEOUT_MS)
        elsewhere: list[str] = []
        context.on("request", lambda r: None if r.url.startswith(url) else elsewhere.append(r.url))
        try:
            page = context.new_page()
            run_all_cells(page, url, "fine.ipynb", tmp_path=tmp_path)
            expect(page.locator(".jp-OutputArea-output").last).to_have_text("first then second")
            assert page.locator(".jp-toast-container, .Toastify__toast").filter(has_text="news").count() == 0
            assert not elsewhere, elsewhere

            with pytest.raises(AssertionError, match="ValueError: the cell that fails"):
                run_all_cells(page, url, "broken.ipynb", tmp_path=tmp_path)
        finally:
            context.close()
