"""Helpers for headless widget tests: find child widgets by the DOM classes the browser tests use."""
from __future__ import annotations

import ipywidgets as widgets

HOSTILE = "<img src=x onerror=alert(1)>"


def walk(widget):
    """The widget and every widget inside it."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def one(root, css: str):
    """The one widget under ``root`` with the DOM class ``css``."""
    found = [w for w in walk(root) if css in w._dom_classes]
    assert len(found) == 1, f"expected one .{css}, found {len(found)}"
    return found[0]


def all_html(root) -> str:
    """The HTML of every HTML widget under ``root``."""
    return "".join(w.value for w in walk(root) if isinstance(w, widgets.HTML))
