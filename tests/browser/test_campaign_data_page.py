"""Module 03's page in Debian's Chromium: charts visible with their text alternatives, a new
choice redraws them, the learner's own export through the upload (and a bad or oversized
file), in English and Vietnamese, at a phone's width. (axe and the phone layout of this page:
tests/browser/test_accessibility.py and test_phone_layout.py, which take every page of the outline.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, open_notebook

pytestmark = pytest.mark.browser

PAGE = "03-campaign-data.ipynb"
UCI = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uci-facebook-metrics" / "dataset_Facebook.csv"
PHONE = {"width": 390, "height": 844}


def _alt(page, css: str) -> str:
    return page.locator(f".{css} img").get_attribute("alt") or ""


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_charts_show_with_their_alternatives_and_a_new_choice_redraws_them(page, server_url, lang):
    page.set_viewport_size(PHONE)
    open_notebook(page, server_url, f"{PAGE}?lang={lang}")
    # A preheated kernel drew the charts before the page said its language; they are drawn again in it.
    first_words = "Bar chart" if lang == "en" else "Biểu đồ cột"
    expect(page.locator(".al-case-explorer .al-chart-bars img")).to_have_attribute(
        "alt", re.compile("^" + first_words), timeout=UPDATE_TIMEOUT_MS
    )
    for css in ("al-chart-bars", "al-chart-heat", "al-chart-cascade"):
        image = page.locator(f".{css} img")
        expect(image).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
        assert len(_alt(page, css)) > 40
        # Never wider than the phone's screen.
        assert image.bounding_box()["width"] <= PHONE["width"]
    bars = _alt(page, "al-chart-bars")
    expect(page.locator(".al-illustrative")).to_be_visible()
    expect(page.locator(".al-observations li").first).to_be_visible()
    by = page.locator(".al-explorer-by select")
    by.select_option(label="platform" if lang == "en" else "nền tảng")
    expect(page.locator(".al-chart-bars img")).not_to_have_attribute("alt", bars, timeout=UPDATE_TIMEOUT_MS)
    assert ("platform" if lang == "en" else "nền tảng") in _alt(page, "al-chart-bars")


@pytest.mark.skipif(not UCI.exists(), reason="../shared is not beside the repository")
def test_the_learners_own_export_a_bad_file_and_an_oversized_one(page, server_url, tmp_path):
    open_notebook(page, server_url, PAGE)
    bars = _alt(page, "al-chart-bars")
    status = page.locator(".al-upload-status")
    upload = page.locator(".al-upload-input")
    # A file with no column of a post export: a sentence, and the charts stay.
    bad = tmp_path / "people.csv"
    bad.write_text("name,colour\nAn,blue\n", encoding="utf-8")
    upload.set_input_files(str(bad))
    expect(status).to_contain_text("people.csv has none of the columns", timeout=UPDATE_TIMEOUT_MS)
    assert _alt(page, "al-chart-bars") == bars
    # Too large for the page's connection: refused in the browser, and the page stays live.
    big = tmp_path / "big.csv"
    big.write_bytes(b"Type,Reach\n" + b"Photo,1\n" * 200_000)
    upload.set_input_files(str(big))
    expect(status).to_contain_text("big.csv is 1.5 MB", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator("body")).not_to_have_class("al-connection-lost")
    # The real Page Insights export: the charts now show the learner's page.
    upload.set_input_files(str(UCI))
    expect(status).to_contain_text("500 posts read", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".al-explorer-summary")).to_contain_text("dataset_Facebook.csv", timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".al-chart-bars img")).not_to_have_attribute("alt", bars, timeout=UPDATE_TIMEOUT_MS)
    page.locator(".al-explorer-by select").select_option(label="post type")
    expect(page.locator(".al-chart-bars img")).to_have_attribute("alt", re.compile("post type, 4 groups"), timeout=UPDATE_TIMEOUT_MS)
