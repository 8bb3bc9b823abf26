"""The served pages make no request to any host but the server (issue #3).

Self-paced learners open the modules offline or on slow links: a stylesheet,
font or script from a CDN either fails (icons missing) or costs a third-party
request. Voila 0.5's "lab" template links Font Awesome from cdn.jsdelivr.net
(and nbconvert's imports mermaid.js from cdnjs); the course's template
(widgets/advocacy_lab/server/templates/advocacy) drops those, because Voila's own
bundle already carries Font Awesome 5 with the v4 shims.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from browser_support import PAGES as COURSE_PAGES, UPDATE_TIMEOUT_MS, http_get

pytestmark = pytest.mark.browser

#: Each page and the control that shows it is live.
#: Every page of the course and its main control, from the course outline (not a table kept here).
PAGES = COURSE_PAGES
#: Icons each page shows (ipywidgets Button(icon=...) -> <i class="fa fa-NAME">): none. A
#: glyph makes the page fetch Font Awesome's font, 77 KB of a phone's first visit (the budget
#: is 1.5 MB), for decoration: the course's buttons say what they do in words. Any icon that
#: comes back must still render from the server's own font (the checks below).
EXPECTED_ICONS = {
    "00-start-here.ipynb": set(),
    "03-campaign-data.ipynb": set(),
    "04-campaign-message.ipynb": set(),
    "09-campaign-plan.ipynb": set(),
}


def is_local(url: str, server_url: str) -> bool:
    """True for URLs on the server's own origin (http or ws), data: and blob:."""
    if url.startswith(("data:", "blob:")):
        return True
    parts, server = urlsplit(url), urlsplit(server_url)
    return parts.scheme in ("http", "ws") and parts.netloc == server.netloc


@pytest.mark.parametrize("url,local", [
    ("http://127.0.0.1:8866/voila/static/voila.js", True),
    ("ws://127.0.0.1:8866/api/kernels/x/channels", True),
    ("data:;base64,=", True),
    ("blob:http://127.0.0.1:8866/0b7e", True),
    ("https://cdn.jsdelivr.net/npm/font-awesome@4.5.0/css/font-awesome.min.css", False),
    ("http://127.0.0.1:9999/x.css", False),
    ("http://127.0.0.1.evil.example/x.css", False),
    ("http://localhost:8866/x.css", False),
])
def test_is_local(url, local):
    assert is_local(url, "http://127.0.0.1:8866") is local


ICONS_JS = """async () => {
    await document.fonts.ready;
    const faces = [...document.fonts]
        .filter((f) => f.status === 'loaded')
        .map((f) => [f.family.replace(/["']/g, ''), String(f.weight)]);
    const icons = [...document.querySelectorAll('i.fa')].filter((el) => el.offsetParent !== null);
    return icons.map((el) => {
        const before = getComputedStyle(el, '::before');
        const family = before.fontFamily.split(',')[0].replace(/["']/g, '').trim();
        const weight = String(before.fontWeight);
        return {
            classes: el.className,
            content: before.content,
            family,
            weight,
            width: el.getBoundingClientRect().width,
            font_loaded: faces.some(([f, w]) => f === family && w === weight),
        };
    });
}"""


@pytest.mark.parametrize("notebook", list(PAGES))
def test_page_requests_nothing_from_another_host_and_its_icons_render(page, open_app, server_url, notebook):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    open_app(page, notebook, PAGES[notebook])
    # Fonts load when first used; let the page finish what it started.
    page.evaluate("document.fonts.ready.then(() => true)")
    try:
        page.wait_for_load_state("networkidle", timeout=UPDATE_TIMEOUT_MS)
    except Exception:  # a busy machine: the requests made so far are still checked
        pass

    assert any(u.startswith(server_url + "/voila/render/") for u in requests), requests
    outside = [u for u in requests if not is_local(u, server_url)]
    assert outside == [], f"{notebook} requested other hosts: {outside}"

    icons = page.evaluate(ICONS_JS)
    shown = {cls for icon in icons for cls in icon["classes"].split() if cls.startswith("fa-")}
    assert shown == EXPECTED_ICONS[notebook], f"{notebook} icons: {icons}"
    for icon in icons:
        # The class maps to a glyph (Font Awesome's CSS, with the v4 shims) ...
        assert icon["content"] not in ("none", "normal", '""'), icon
        assert icon["family"].startswith("Font Awesome"), icon
        # ... drawn with a Font Awesome font that really loaded, from the server.
        assert icon["font_loaded"], icon
        assert icon["width"] > 0, icon
    fonts = [u for u in requests if re.search(r"\.(?:woff2?|ttf|eot)(?:\?|$)", u)]
    if icons:
        assert fonts and all(is_local(u, server_url) for u in fonts), fonts
    else:
        assert fonts == [], f"{notebook} fetched a font it shows nothing with: {fonts}"


# -- the HTML as served (no browser) ------------------------------------------------------


class _Links(HTMLParser):
    """Every src/href (and similar URL attribute) of the document."""

    URL_ATTRS = {"src", "href", "srcset", "action", "data", "poster", "formaction"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self.URL_ATTRS and value:
                self.urls.extend(v.strip().split()[0] for v in value.split(",") if v.strip())

    handle_startendtag = handle_starttag


def outside_urls(html: str, port: int) -> list[str]:
    """Absolute URLs in the document that point to another host than the server."""
    parser = _Links()
    parser.feed(html)
    found = [u for u in parser.urls if re.match(r"(?:[a-z][a-z0-9+.-]*:)?//", u, re.IGNORECASE)]
    # Scripts and styles inside the page: import("https://..."), url(//...).
    found += re.findall(r"""(?:import\(|url\()\s*["']?((?:https?:)?//[^"')\s]+)""", html)
    return [u for u in found if urlsplit(u).netloc != f"127.0.0.1:{port}"]


def test_outside_urls_finds_cdn_links():
    """The checker itself: it sees the links Voila's own templates carry."""
    html = (
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/font-awesome@4.5.0/css/font-awesome.min.css">'
        '<script src="//cdn.example.org/x.js"></script><img src="/voila/files/a.png">'
        '<a href="#top">top</a><link rel="icon" href="data:;base64,=">'
        '<script type="module">const m = (await import("https://cdnjs.cloudflare.com/m.mjs")).default;</script>'
        '<style>@font-face{src:url(https://fonts.example.com/f.woff2)}</style>'
        '<a href="http://127.0.0.1:8866/voila/render/00-start-here.ipynb">home</a>'
    )
    assert outside_urls(html, 8866) == [
        "https://cdn.jsdelivr.net/npm/font-awesome@4.5.0/css/font-awesome.min.css",
        "//cdn.example.org/x.js",
        "https://cdnjs.cloudflare.com/m.mjs",
        "https://fonts.example.com/f.woff2",
    ]


@pytest.mark.parametrize("notebook", list(PAGES))
def test_rendered_html_links_nothing_on_another_host(server, notebook):
    status, _, body = http_get(server.port, f"/voila/render/{notebook}")
    assert status == 200
    html = body.decode("utf-8", "replace")
    # Still the configured page: light theme, Voila's own bundle, no notebook source.
    assert "theme-light.css" in html and "/voila/static/voila.js" in html
    assert outside_urls(html, server.port) == []


def test_error_page_links_nothing_on_another_host(server):
    """The error page of a mistyped module link (Voila's base/page.html linked a CDN; the course's own now)."""
    status, _, body = http_get(server.port, "/voila/render/no-such-module.ipynb")
    assert status == 404
    html = body.decode("utf-8", "replace")
    # The course's error page (server/error_pages.py), styled by the inlined course stylesheet.
    assert "404" in html and 'id="al-course-stylesheet"' in html
    assert outside_urls(html, server.port) == []
