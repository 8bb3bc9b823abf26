"""Keep learners' drafts: the one import for lessons and tests.

The work is split by job:

- ``advocacy_lab.ui.stores``: the stores (``BrowserDraftStore`` and its page
  half ``BrowserStorage``, ``VoilaFileDraftStore``, ``default_store``);
- ``advocacy_lab.ui.keeper``: the ``DraftKeeper`` widget and ``keep_drafts``;
- ``advocacy_lab.ui.connection``: the ``ConnectionWatch``;
- ``advocacy_lab.ui.session``: the page session that owns the page's store
  and language and hands them to the keeper, the plan and the course map;
- ``advocacy_lab.core.drafts``: records, the file and memory stores, merging
  changes and the page journal, transfers in parts, ``read_all_drafts``.
"""
from __future__ import annotations

from advocacy_lab.core.drafts import read_all_drafts  # noqa: F401 - the one way to read all drafts
from advocacy_lab.ui.connection import ConnectionWatch  # noqa: F401
from advocacy_lab.ui.keeper import DraftKeeper, keep_drafts  # noqa: F401
from advocacy_lab.ui.stores import (  # noqa: F401
    _VOILA_ENV,
    JOURNAL_PREFIX,
    NAMESPACE,
    STORE_ENV,
    BrowserDraftStore,
    BrowserStorage,
    PageSignal,
    VoilaFileDraftStore,
    default_store,
    running_under_voila,
)
