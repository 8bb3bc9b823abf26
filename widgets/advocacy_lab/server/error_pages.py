"""The server's own pages, in the learner's language: errors, "the room is full", a refused address.

Before, a learner who mistyped a module's address got Voilà's English "404 :
Not Found" (or Tornado's bare one outside Voilà's routes), a refused address
got a line of English plain text, and every one of them looked unlike the
course. Now each is one small page built here:

* in the learner's language (:func:`request_language`): ``?lang=`` when the
  address carries it, else the choice the course's pages remember in the
  ``advocacy_lab_lang`` cookie (set by the page script in
  ``templates/advocacy/index.html.j2`` beside its localStorage copy, which the
  server cannot read), else the browser's ``Accept-Language``, else English;
* with ``<html lang>``, the course stylesheet inlined (``stylesheet.py``), a
  phone viewport, no script, nothing fetched from anywhere;
* every sentence from the catalogue (``server.*``), escaped; never the
  request's path, an exception's message or a traceback (those stay in the
  server's log).

:class:`LearnerErrorPages` gives a handler these pages for its errors;
:func:`with_learner_error_pages` puts it in front of the handlers that answer
a browser's page or file requests (JSON APIs and websockets keep their own
answers); :class:`NotFoundPage` answers the addresses no route matches.
"""
from __future__ import annotations

import html
import logging

import tornado.web
import tornado.websocket
from jupyter_server.base.handlers import APIHandler

from advocacy_lab.core.catalogue import REFERENCE, languages, text
from advocacy_lab.server.stylesheet import stylesheet_text

log = logging.getLogger(__name__)

#: The cookie the course's pages keep the learner's language in (a copy of their localStorage choice).
LANG_COOKIE = "advocacy_lab_lang"

#: The page's own layout, beside the course stylesheet (which styles text, links and focus).
_FRAME_CSS = (
    "body[data-voila]{margin:0}"
    ".al-server-page{box-sizing:border-box;max-width:40rem;margin:0 auto;padding:1.5rem 1rem}"
    ".al-server-page h1{font-size:1.5rem;line-height:1.3;margin:0 0 1rem}"
    ".al-server-page p{line-height:1.6;margin:0 0 1rem}"
    ".al-server-page .al-server-code{color:var(--al-muted)}"
)


def preferred_language(accept_language: str | None) -> str:
    """The catalogue language the browser prefers most (``Accept-Language``), else English."""
    best, best_q = REFERENCE, 0.0
    available = languages()
    for item in (accept_language or "").split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        # Earlier entries win ties, as browsers list them in order of preference.
        if primary in available and q > best_q:
            best, best_q = primary, q
    return best


def request_language(request) -> str:
    """The language to answer ``request`` (a Tornado request) in: ``?lang=``, the cookie, the browser, English."""
    available = languages()
    try:
        asked = (request.query_arguments.get("lang") or [b""])[-1].decode("ascii", "replace").strip().lower()
    except (AttributeError, TypeError):
        asked = ""
    if asked in available:
        return asked
    try:
        kept = request.cookies.get(LANG_COOKIE)
    except Exception:  # a malformed Cookie header must not turn an error page into a 500
        kept = None
    if kept is not None and kept.value.strip().lower() in available:
        return kept.value.strip().lower()
    return preferred_language(request.headers.get("Accept-Language"))


def server_page(lang: str, title: str, paragraphs: list[str], *, code: int | None = None,
                link: tuple[str, str] | None = None) -> str:
    """A page of the server's own: a heading, paragraphs, an optional link ``(href, label)``.

    Every argument is plain text and escaped here.
    """
    lang_attr = html.escape(lang)
    heading = html.escape(title)
    tab = html.escape(text("page.title_other", lang, page=title, course=text("page.course_name", lang)))
    body = "".join(f"<p>{html.escape(p)}</p>\n" for p in paragraphs)
    if link is not None:
        href, label = link
        body += f'<p><a href="{html.escape(href)}">{html.escape(label)}</a></p>\n'
    if code is not None:
        body += f'<p class="al-server-code">{html.escape(text("server.page.code", lang, status=code))}</p>\n'
    return (
        f'<!DOCTYPE html>\n<html lang="{lang_attr}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{tab}</title>\n"
        f'<style id="al-course-stylesheet">{stylesheet_text()}</style>\n'
        f"<style>{_FRAME_CSS}</style>\n</head>\n"
        # data-voila: the course stylesheet styles Voilà's pages only (body[data-voila]).
        f'<body data-voila="voila">\n<main class="al-server-page jp-RenderedHTMLCommon">\n'
        f"<h1>{heading}</h1>\n{body}</main>\n</body>\n</html>\n"
    )


def home_link(lang: str, base_url: str = "/") -> tuple[str, str]:
    """The course's start (``/`` redirects there, keeping ``?lang=``), in ``lang``."""
    href = base_url if lang == REFERENCE else f"{base_url}?lang={lang}"
    return href, text("server.page.home", lang)


def error_page(status: int, lang: str, base_url: str = "/", *, lesson: bool = False) -> str:
    """The page for an error ``status``; ``lesson``: the error came while opening a lesson (a 5xx there
    is its kernel failing to start)."""
    if status == 404:
        kind = "not_found"
    elif status == 403:
        kind = "forbidden"
    elif status < 500:
        kind = "refused"
    else:
        kind = "kernel" if lesson else "error"
    paragraphs = [text(f"server.{kind}.body", lang)]
    if status >= 500:
        paragraphs.append(text("server.page.trainer", lang))
    return server_page(lang, text(f"server.{kind}.title", lang), paragraphs, code=status,
                       link=home_link(lang, base_url))


def room_full_page(lang: str) -> str:
    """The 503 of the kernel caps (caps.py): the room is full, try again in a minute."""
    return server_page(
        lang, text("server.full.title", lang),
        [text("server.full.body", lang), text("server.full.trainer", lang)],
        # An empty href is this same address: reloading needs no script.
        link=("", text("server.full.retry", lang)),
    )


def refused_host_page(lang: str) -> str:
    """The 403 of the Host check (hosts.py). No link: this address is the wrong one."""
    return server_page(lang, text("server.host.title", lang), [text("serve.host_refused_page", lang)])


def answer_with_page(handler: tornado.web.RequestHandler, status: int, page_html: str, lang: str) -> None:
    """Write ``page_html`` as the whole answer (not cached: the same address works again later)."""
    handler.set_status(status)
    handler.clear_header("Pragma")
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Content-Language", lang)
    handler.set_header("Cache-Control", "no-store")
    handler.finish(page_html)


class LearnerErrorPages:
    """For a request handler: its error pages are the course's (``error_page``), in the learner's language.

    ``lesson_page``: the handler opens lessons (its 5xx means the kernel did not start).
    """

    lesson_page = False

    def write_error(self, status_code: int, **kwargs) -> None:
        try:
            lang = request_language(self.request)
            base_url = self.settings.get("base_url") or "/"
            page = error_page(status_code, lang, base_url, lesson=self.lesson_page)
        except Exception:  # never a traceback for a learner: the plainest page instead
            log.exception("Could not build the error page for %s", status_code)
            lang, page = REFERENCE, f"{status_code}\n"
        answer_with_page(self, status_code, page, lang)


def with_learner_error_pages(cls: type) -> type:
    """``cls`` with :class:`LearnerErrorPages` in front, if a browser may show its errors as a page.

    JSON APIs (their errors are JSON for the page's scripts), websockets and redirects are
    left as they are.
    """
    if (not isinstance(cls, type) or not issubclass(cls, tornado.web.RequestHandler)
            or issubclass(cls, (APIHandler, tornado.websocket.WebSocketHandler, tornado.web.RedirectHandler,
                                LearnerErrorPages))):
        return cls
    return type(cls.__name__, (LearnerErrorPages, cls), {})


class NotFoundPage(LearnerErrorPages, tornado.web.RequestHandler):
    """Every address no route matches: the course's 404 page (Tornado's default is a bare English one)."""

    def prepare(self) -> None:
        raise tornado.web.HTTPError(404)

    def check_xsrf_cookie(self) -> None:
        # A POST to nowhere is a 404 too, not a 403 about a missing token.
        return None


__all__ = [
    "LANG_COOKIE",
    "LearnerErrorPages",
    "NotFoundPage",
    "answer_with_page",
    "error_page",
    "home_link",
    "preferred_language",
    "refused_host_page",
    "request_language",
    "room_full_page",
    "server_page",
    "with_learner_error_pages",
]
