"""Shared test fixtures."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session", autouse=True)
def _isolated_learner_data(tmp_path_factory: pytest.TempPathFactory):
    """Keep the suite away from the real learner's drafts file.

    Components default to the file store in the user's data directory; a test
    run must never read, move aside or overwrite a real learner's work. Tests
    (and servers they start) that want their own folder set the variable again.
    """
    import os

    previous = os.environ.get("ADVOCACY_LAB_DATA_DIR")
    os.environ["ADVOCACY_LAB_DATA_DIR"] = str(tmp_path_factory.mktemp("learner-data"))
    yield
    if previous is None:
        os.environ.pop("ADVOCACY_LAB_DATA_DIR", None)
    else:
        os.environ["ADVOCACY_LAB_DATA_DIR"] = previous


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # Browser tests run last: the session's sync Playwright keeps an asyncio loop
    # running in the main thread from its first use on, and tests that run their own
    # loop (Tornado's AsyncHTTPTestCase, asyncio.run) cannot start one beside it.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
