"""The "room is full" page (503) on a phone: readable at 390 px, nothing serious for axe.

The page is static HTML with no script (server/caps.py ``room_full_page``), the same
function the render handler answers with (tests/test_server_caps.py checks that), so
it is drawn here from that function in each catalogue language.
"""
from __future__ import annotations

import pytest

from advocacy_lab.core.catalogue import languages, text
from advocacy_lab.server.caps import room_full_page
from browser_support import blocking_violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("lang", languages())
def test_room_full_page_fits_a_phone_and_passes_axe(browser, lang):
    context = browser.new_context(viewport=PHONE, java_script_enabled=True)
    try:
        page = context.new_page()
        page.set_content(room_full_page(lang))
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == text("server.full.title", lang)
        # Nothing wider than the screen: no sideways scrolling on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than a 390px phone"
        assert blocking_violations(page) == []
    finally:
        context.close()
