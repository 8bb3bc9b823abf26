"""The server's own pages in the learner's language (server/error_pages.py).

Each page a learner can meet without a lesson (a mistyped address, a file that
is not there, an address that is not the course's, a request refused, a lesson
whose kernel does not start, a full room) is asked of a real server, in English
and in Vietnamese, the language chosen each way the server can know it:
``?lang=``, the ``advocacy_lab_lang`` cookie the course's pages set,
``Accept-Language``. Each answer must be a page in that language: ``<html
lang>``, the catalogue's sentences, the course stylesheet, a phone viewport,
no script, and nothing of the server (paths, tracebacks, the address asked for).
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine

from advocacy_lab.core.catalogue import text
from advocacy_lab.server.error_pages import (
    LANG_COOKIE,
    error_page,
    request_language,
    server_page,
)
from advocacy_lab.server.stylesheet import stylesheet_text
from server_support import ROOT, request, start_server, stop_server, wait_for

VI_BROWSER = {"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}

#: (language expected, headers, query): every way the server learns the language.
LANGUAGE_WAYS = [
    ("en", {}, ""),
    ("vi", VI_BROWSER, ""),
    ("vi", {}, "?lang=vi"),
    ("vi", {"Cookie": f"{LANG_COOKIE}=vi"}, ""),
    # The address wins over the cookie and the browser; the cookie over the browser.
    ("en", {**VI_BROWSER, "Cookie": f"{LANG_COOKIE}=vi"}, "?lang=en"),
    ("en", {**VI_BROWSER, "Cookie": f"{LANG_COOKIE}=en"}, ""),
]
LANGUAGE_IDS = ["en-default", "vi-accept-language", "vi-query", "vi-cookie", "en-query-wins", "en-cookie-wins"]


def shown(key: str, lang: str, **values) -> str:
    """A catalogue sentence as a page shows it (escaped)."""
    return html.escape(text(key, lang, **values))


def _request(uri: str, headers: dict | None = None) -> HTTPServerRequest:
    return HTTPServerRequest(start_line=RequestStartLine("GET", uri, "HTTP/1.1"), headers=HTTPHeaders({"Host": "127.0.0.1", **(headers or {})}))


# -- the language, without a server -----------------------------------------------------------


@pytest.mark.parametrize("expected,headers,query", LANGUAGE_WAYS, ids=LANGUAGE_IDS)
def test_request_language_takes_the_address_then_the_cookie_then_the_browser(expected, headers, query):
    assert request_language(_request(f"/somewhere{query}", headers)) == expected


@pytest.mark.parametrize("uri,headers", [
    ("/x?lang=xx", {}),
    ("/x?lang=%3Cscript%3E", {}),
    ("/x?lang=%FF%FE", {}),
    ("/x", {"Cookie": f"{LANG_COOKIE}=<b>"}),
    ("/x", {"Cookie": "=;;;\x7f"}),
    ("/x", {"Accept-Language": "fr-FR,de;q=0.8"}),
    ("/x", {"Accept-Language": "vi;q=abc"}),
])
def test_request_language_ignores_what_it_does_not_know(uri, headers):
    assert request_language(_request(uri, headers)) == "en"


def test_server_page_escapes_everything_it_is_given():
    page = server_page("en", "<b>Title</b>", ["a & <i>b</i>"], link=('"><script>', "<u>go</u>"), code=404)
    assert "<b>Title" not in page and "&lt;b&gt;Title&lt;/b&gt;" in page
    assert "<i>b</i>" not in page and "a &amp; &lt;i&gt;b&lt;/i&gt;" in page
    assert "<script>" not in page and 'href="&quot;&gt;&lt;script&gt;"' in page
    assert "<u>go</u>" not in page


@pytest.mark.parametrize("status,kind", [(404, "not_found"), (403, "forbidden"), (405, "refused"),
                                         (400, "refused"), (500, "error"), (502, "error")])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_error_page_says_what_happened_in_the_language(status, kind, lang):
    page = error_page(status, lang)
    assert f"<h1>{shown(f'server.{kind}.title', lang)}</h1>" in page
    assert shown(f"server.{kind}.body", lang) in page
    assert shown("server.page.code", lang, status=status) in page
    assert (shown("server.page.trainer", lang) in page) == (status >= 500)


def test_a_lesson_whose_kernel_fails_says_so():
    page = error_page(500, "vi", lesson=True)
    assert shown("server.kernel.title", "vi") in page and shown("server.kernel.body", "vi") in page
    assert shown("server.error.title", "vi") not in page


# -- the real server ----------------------------------------------------------------------------

#: Things of the server a page must never show.
LEAKS = re.compile(r"Traceback|site-packages|\.venv|/tmp/|/work/|/root/|/home/|File \"|Errno|no-such", re.I)


def assert_learner_page(status, headers, body, expected_status, lang, kind, link=True):
    page = body.decode("utf-8")
    assert status == expected_status, page[:300]
    assert headers["Content-Type"].startswith("text/html"), headers["Content-Type"]
    assert headers["Content-Language"] == lang
    assert f'<html lang="{lang}">' in page
    title = shown(f"server.{kind}.title", lang)
    assert f"<h1>{title}</h1>" in page
    assert re.search(rf"<title>{re.escape(title)} · ", page)
    body_key = "serve.host_refused_page" if kind == "host" else f"server.{kind}.body"
    assert shown(body_key, lang) in page
    # Styled as the course, readable on a phone, nothing run, nothing of the server.
    assert stylesheet_text() in page and 'data-voila="voila"' in page
    assert 'name="viewport" content="width=device-width' in page
    assert "<script" not in page.lower()
    assert str(ROOT) not in page
    leak = LEAKS.search(page)
    assert leak is None, page[max(0, leak.start() - 80):leak.end() + 80]
    home = f'href="/?lang={lang}"' if lang != "en" else 'href="/"'
    assert (home in page) == link


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course served as a learner's `make start` does."""
    srv = start_server(tmp_path_factory.mktemp("error-pages"))
    yield srv
    stop_server(srv)


#: (method, path, extra headers, status, kind of page).
COURSE_PAGES = [
    ("GET", "/no-such-page", {}, 404, "not_found"),  # no route at all
    ("GET", "/voila/render/no-such-module.ipynb", {}, 404, "not_found"),  # a mistyped module
    ("GET", "/voila/render/00-start-here.ipynb/no-such", {}, 404, "not_found"),
    ("GET", "/voila/files/no-such-picture.png", {}, 404, "not_found"),
    ("GET", "/voila/templates/lab/static/no-such.css", {}, 404, "not_found"),
    ("GET", "/voila/static/no-such.js", {}, 403, "forbidden"),
    ("POST", "/voila/render/00-start-here.ipynb", {"Content-Type": "application/x-www-form-urlencoded"},
     403, "forbidden"),  # no _xsrf
    ("GET", "/voila/render/00-start-here.ipynb", {"Host": "evil.example"}, 403, "host"),
]


@pytest.mark.slow
@pytest.mark.parametrize("method,path,extra,status,kind", COURSE_PAGES, 
                         ids=[f"{m} {p}{' foreign-Host' if 'Host' in e else ''}" for m, p, e, _, _ in COURSE_PAGES])
@pytest.mark.parametrize("lang,headers,query", LANGUAGE_WAYS, ids=LANGUAGE_IDS)
def test_the_servers_own_pages_speak_the_learners_language(course, method, path, extra, status, kind, lang, headers, query):
    if "Host" in extra:
        extra = {"Host": f"{extra['Host']}:{course.port}"}
    answer = request(course, method, path + query, headers={**headers, **extra},
                     body=b"" if method == "POST" else None)
    assert_learner_page(*answer, status, lang, kind, link=kind != "host")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_404_pages_link_leads_to_the_start_in_the_same_language(course, lang):
    status, _, body = request(course, "GET", "/voila/render/no-such-module.ipynb", headers={"Accept-Language": lang})
    href = re.search(r'<a href="([^"]*)">' + re.escape(shown("server.page.home", lang)), body.decode()).group(1)
    status, headers, _ = request(course, "GET", href)
    assert status in (301, 302)
    landing = "/voila/render/00-start-here.ipynb" + ("" if lang == "en" else f"?lang={lang}")
    assert headers["Location"] == landing


@pytest.mark.slow
def test_a_hostile_language_is_not_echoed(course):
    status, headers, body = request(course, "GET", "/no-such-page?lang=%3Cscript%3Ealert(1)%3C/script%3E",
                                    headers={"Cookie": f'{LANG_COOKIE}="<img src=x>"'})
    assert_learner_page(status, headers, body, 404, "en", "not_found")
    assert b"alert" not in body and b"<img" not in body


@pytest.mark.slow
def test_json_apis_keep_their_json_errors(course):
    # The page's scripts read these: they stay JSON, not a page.
    status, headers, body = request(course, "GET", "/api/kernels/0b0e6a52-7a1c-4d4b-9d8e-2f4c1a9e5b01",
                                    headers=VI_BROWSER)
    assert status == 404 and headers["Content-Type"].startswith("application/json")
    json.loads(body)


# -- a lesson whose kernel does not start, and a full room ----------------------------------------

BROKEN_KERNEL = "broken-kernel.ipynb"
WORKING = "working.ipynb"


@pytest.fixture(scope="module")
def fragile(tmp_path_factory):
    """A server whose one lesson asks for a kernel that cannot start, and whose room fills at one page.

    The kernel's program does not exist, so starting it fails as a broken
    installation would; pages from 127.0.0.2 (not this machine's own browser)
    are capped at one kernel each.
    """
    base = tmp_path_factory.mktemp("fragile")
    spec = base / "jupyter" / "kernels" / "broken"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(base / "no-such-program"), "-f", "{connection_file}"],
        "display_name": "Broken", "language": "python",
    }))
    notebooks = base / "notebooks"
    notebooks.mkdir()
    for name, kernel in ((BROKEN_KERNEL, "broken"), (WORKING, "python3")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
        nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
        nbformat.write(nb, notebooks / name)
    srv = start_server(
        base, notebooks=notebooks, env={"JUPYTER_PATH": str(base / "jupyter")},
        traits=["--VoilaConfiguration.preheat_kernel=False", "--AdvocacyVoila.max_kernels_per_client=1",
                "--AdvocacyVoila.unconnected_timeout=600"],
    )
    yield srv
    stop_server(srv)


@pytest.mark.slow
@pytest.mark.parametrize("lang,headers,query", LANGUAGE_WAYS[:4], ids=LANGUAGE_IDS[:4])
def test_a_lesson_whose_kernel_cannot_start_says_so_in_the_language(fragile, lang, headers, query):
    answer = request(fragile, "GET", f"/voila/render/{BROKEN_KERNEL}{query}", headers=headers)
    assert_learner_page(*answer, 500, lang, "kernel")
    assert shown("server.page.trainer", lang) in answer[2].decode()
    # The trainer's log has the reason.
    wait_for(lambda: "no-such-program" in fragile.log_text(), "the kernel's failure in the server's log")


@pytest.mark.slow
def test_the_full_room_page_speaks_the_learners_language(fragile):
    # A device from the room takes its one kernel; its next page finds the room full.
    status, _, _ = request(fragile, "GET", f"/voila/render/{WORKING}", source="127.0.0.2")
    assert status == 200
    for lang, headers, query in LANGUAGE_WAYS:
        status, answer_headers, body = request(fragile, "GET", f"/voila/render/{WORKING}{query}",
                                               headers=headers, source="127.0.0.2")
        assert_learner_page(status, answer_headers, body, 503, lang, "full", link=False)
        assert answer_headers["Retry-After"] == "60"
        assert f'<a href="">{shown("server.full.retry", lang)}</a>' in body.decode()


# -- a lesson cell that fails -------------------------------------------------------------------

FAILING = "failing-cell.ipynb"
DEAD_KERNEL = "dead-kernel.ipynb"
#: What the failing cell raises: none of it may reach the page.
SECRET = "ValueError", "the-secret-detail", "/srv/private/course"
#: Each way a lesson cell fails: the cell raises (Voila puts an error output in its place), or the
#: kernel dies under it (Voila writes its own stderr message at the server's failure).
FAILURES = {
    FAILING: "raise ValueError('the-secret-detail in /srv/private/course')",
    DEAD_KERNEL: "import os\nos._exit(1)",
}


def write_failing_lessons(folder: Path) -> None:
    """A lesson per way of failing, its second code cell the one that fails."""
    for name, failing in FAILURES.items():
        nb = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_markdown_cell("# A lesson"),
            nbformat.v4.new_code_cell("print('the cell before ran')"),
            nbformat.v4.new_code_cell(failing),
        ])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / name)


@pytest.fixture(scope="module")
def failing_lesson(tmp_path_factory):
    """The course's server (its template and preheated kernels) over a folder holding the failing lessons."""
    base = tmp_path_factory.mktemp("failing-lesson")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    write_failing_lessons(notebooks)
    srv = start_server(base, notebooks=notebooks, traits=[])
    yield srv
    stop_server(srv)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", list(FAILURES))
def test_a_failing_cell_says_so_in_every_language_and_nothing_of_the_error(failing_lesson, lesson):
    status, _, body = request(failing_lesson, "GET", f"/voila/render/{lesson}?lang=vi")
    page = body.decode("utf-8")
    assert status == 200, page[:300]
    assert "the cell before ran" in page
    # One block per language, shown for that language only (the page's language picks it in the browser).
    for lang in ("en", "vi"):
        block = re.search(rf'<div class="al-lesson-text" lang="{lang}" data-al-shown-for="{lang}">(.*?)</div>',
                          page, re.S)
        assert block, f"no {lang} block for the failed cell"
        assert shown("server.cell_error.title", lang) in block.group(1)
        assert shown("server.cell_error.body", lang) in block.group(1)
    # Neither the error, nor Voila's English instruction to whoever runs the server, nor a path.
    for leak in (*SECRET, "Traceback", "ExecutionError", "There was an error", "An exception occurred",
                 "show_tracebacks", str(failing_lesson.notebooks)):
        assert leak not in page, leak
    # The trainer's log has the error.
    assert ("the-secret-detail" if lesson == FAILING else "DeadKernelError") in failing_lesson.log_text()
