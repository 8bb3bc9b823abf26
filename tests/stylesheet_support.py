"""Reading the course stylesheet (ui/course.css) in tests: which declarations a selector gets."""
from __future__ import annotations

import re

from advocacy_lab.server.stylesheet import STYLESHEET, compact


def split_selectors(group: str) -> list[str]:
    """A selector list split at its commas outside brackets (``:is(a, b)`` stays whole)."""
    found, depth, start = [], 0, 0
    for i, ch in enumerate(group):
        depth += 1 if ch in "([" else (-1 if ch in ")]" else 0)
        if ch == "," and depth == 0:
            found.append(group[start:i].strip())
            start = i + 1
    found.append(group[start:].strip())
    return found


def rules(css: str | None = None) -> list[tuple[str, dict[str, str]]]:
    """Every (selector, declarations) of the sheet, one entry per selector of each rule, in order.
    Rules inside an at-rule (@media) are read as if outside it."""
    css = compact(STYLESHEET.read_text(encoding="utf-8") if css is None else css)
    found = []
    for group, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        group = re.sub(r"^.*\{", "", group).strip()
        declarations = {}
        for declaration in body.split(";"):
            name, colon, value = declaration.partition(":")
            if colon:
                declarations[name.strip()] = value.strip()
        for selector in split_selectors(group):
            if not selector.startswith("@"):
                found.append((selector, declarations))
    return found


def _same_selector(selector: str) -> str:
    # The page's sheet is compacted ("a>b", "a,b"); a test may write "a > b".
    return re.sub(r"\s*>\s*", ">", " ".join(selector.split()))


def declarations(selector: str, css: str | None = None) -> dict[str, str]:
    """What the rules written exactly for ``selector`` declare, later rules winning."""
    merged: dict[str, str] = {}
    wanted = _same_selector(selector)
    for found, values in rules(css):
        if _same_selector(found) == wanted:
            merged.update(values)
    return merged
