"""What every widget that shows fixed text shares: the page's language, and redrawing in it.

The page session (``advocacy_lab.ui.session``) sets ``lang`` on the widgets it
follows; each says how it draws itself again in ``_in_language``.
"""
from __future__ import annotations

from typing import Any, Mapping

import traitlets

from advocacy_lab.core.catalogue import REFERENCE, check_language


class InPageLanguage(traitlets.HasTraits):
    """Mixin: a ``lang`` trait (a code of ``core.catalogue.languages()``) and a redraw when it changes."""

    lang = traitlets.Unicode(REFERENCE)

    def _first_language(self, lang: str) -> None:
        """Take the language a widget is built in, quietly: it draws its texts in it as it builds them."""
        self._trait_values["lang"] = check_language(lang)

    @traitlets.validate("lang")
    def _valid_lang(self, proposal: Mapping[str, Any]) -> str:
        return check_language(proposal["value"])

    @traitlets.observe("lang")
    def _lang_changed(self, change: Mapping[str, Any]) -> None:
        if change["old"] != change["new"]:
            self._in_language()

    def _in_language(self) -> None:
        """Draw every fixed text again in ``self.lang``."""
        raise NotImplementedError
