"""The course's one stylesheet (``ui/course.css``), handed to the page template.

The Voilà template (``templates/advocacy/index.html.j2``) inlines it in the
page's ``<head>``: every page, the landing page included, is styled from its
first paint, before any widget has rendered, and without one more request (or
a route) for a few kilobytes that the page's gzip compresses anyway.

Registered in ``voila.json`` (``VoilaExporter.preprocessors``); it sets
``resources["advocacy_lab_stylesheet"]`` and leaves the notebook alone.
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from markupsafe import Markup
from nbconvert.preprocessors import Preprocessor

#: THE stylesheet (the connection watch also carries it as its anywidget ``_css``).
STYLESHEET = Path(__file__).resolve().parents[1] / "ui" / "course.css"


#: Comments, then runs of white space: every page carries the sheet, its comments are for us.
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SPACE = re.compile(r"\s+")
#: Spaces around these mean nothing in CSS (":" is left alone: "a :is(b)" differs from "a:is(b)").
_PUNCTUATION = re.compile(r" ?([{};,>]) ?")


def compact(css: str) -> str:
    """``css`` without comments, with single spaces and none around braces, semicolons, commas and
    child combinators, and no last semicolon in a block (the course's sheet has no strings)."""
    text = _SPACE.sub(" ", _COMMENT.sub("", css)).strip()
    return _PUNCTUATION.sub(r"\1", text).replace(";}", "}")


@functools.lru_cache(maxsize=4)
def _read(path: str, stamp: tuple[int, int]) -> str:
    text = Path(path).read_text(encoding="utf-8")
    if "</" in text:
        # Inlined in a <style> element: "</style" would end it early.
        raise ValueError(f"{path}: a stylesheet inlined in the page must not contain '</'")
    return compact(text)


def stylesheet_text(path: Path = STYLESHEET) -> str:
    """The stylesheet, compacted, read again only when the file changes (an edit shows on the next page)."""
    st = os.stat(path)
    return _read(str(path), (st.st_size, st.st_mtime_ns))


class CourseStylesheet(Preprocessor):
    """Puts the course stylesheet in ``resources`` for the page template."""

    def preprocess(self, nb, resources):
        resources["advocacy_lab_stylesheet"] = Markup(stylesheet_text())
        return nb, resources
