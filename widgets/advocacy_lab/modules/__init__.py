"""The course's modules, one package each: ``advocacy_lab/modules/<package>/``.

A module's package holds all that module owns: its draft schema (``schema.py``),
its part of the campaign plan, its quiz, its texts (``locales/<lang>.json``,
merged into the one catalogue per language) and the widgets only it uses.
Its ``__init__.py`` is pure (no GUI import) and names what it owns in
``PARTS`` (an ``advocacy_lab.core.schema.ModuleParts``); widget files are
imported only by the pages that show them.

A module id may hold "-" (``campaign-message``), which a Python package name
cannot: ``package_name`` is the one place that maps an id to its folder.
"""
from __future__ import annotations

import importlib
import importlib.util
import re
from typing import Any

_MODULE_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def package_name(module_id: str) -> str:
    """The folder (Python package) of module ``module_id``: "-" becomes "_" (``campaign-message`` -> ``campaign_message``)."""
    if not isinstance(module_id, str) or not _MODULE_ID.match(module_id):
        raise ValueError(f"a module id is lower-case words joined by '-', such as 'campaign-message', not {module_id!r}")
    return module_id.replace("-", "_")


def module_package(module_id: str) -> Any:
    """The imported package of module ``module_id``, or None while it has no folder (a planned module)."""
    name = f"{__name__}.{package_name(module_id)}"
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def module_parts(module_id: str) -> Any:
    """The ``ModuleParts`` a module declares (``PARTS`` in its package), or None without a folder."""
    package = module_package(module_id)
    if package is None:
        return None
    parts = getattr(package, "PARTS", None)
    from advocacy_lab.core.schema import ModuleParts

    if not isinstance(parts, ModuleParts) or parts.id != module_id:
        raise ValueError(f"advocacy_lab/modules/{package_name(module_id)} must declare PARTS = ModuleParts(id={module_id!r}, ...)")
    return parts
