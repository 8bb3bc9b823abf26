"""Module 03's lesson in the environment's real JupyterLab (trainers, hosted use), in Debian's
Chromium: Run All draws the explorer's charts with their text alternatives, and a new breakdown
draws the bars again, as under Voila."""
from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from browser_support import UPDATE_TIMEOUT_MS
from lab_support import LAB_PAGE_TIMEOUT_MS, jupyter_lab, run_all_cells
from server_support import ROOT

pytestmark = pytest.mark.browser

LESSON = "03-campaign-data.ipynb"


def test_the_lesson_runs_in_jupyterlab_and_redraws_on_a_new_choice(browser, tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / LESSON, folder / LESSON)
    with jupyter_lab(folder, tmp_path, env={"ADVOCACY_LAB_DRAFT_STORE": "memory"}) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(LAB_PAGE_TIMEOUT_MS)
        try:
            page = context.new_page()
            run_all_cells(page, url, LESSON, tmp_path=tmp_path)
            bars = page.locator(".al-case-explorer .al-chart-bars img")
            expect(bars).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
            for css in ("al-chart-heat", "al-chart-cascade"):
                expect(page.locator(f".{css} img")).to_be_visible()
            first = bars.get_attribute("alt")
            assert first.startswith("Bar chart of engagement rate by reach for each format")
            page.locator(".al-explorer-by select").select_option(label="platform")
            expect(bars).not_to_have_attribute("alt", first, timeout=UPDATE_TIMEOUT_MS)
            assert "for each platform" in bars.get_attribute("alt")
            # The course's look reaches Lab too (ui/course_style.py): the illustrative label is styled.
            edge = page.locator(".al-illustrative").evaluate("el => getComputedStyle(el).borderLeftStyle")
            assert edge == "solid"
        finally:
            context.close()
