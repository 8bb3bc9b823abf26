"""Constants and helpers shared by tests/browser/conftest.py and the browser tests."""
from __future__ import annotations

import http.client
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 120  # seconds; preheating kernels on 2 busy cores is slow
APP_TIMEOUT_MS = 90_000  # first render of a notebook may wait for a kernel
UPDATE_TIMEOUT_MS = 30_000  # a round trip to the kernel after typing


def http_get(port: int, path: str, headers: dict | None = None, timeout: float = 30):
    """GET ``path`` exactly as given (no client-side normalisation of '..' or %2e)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


