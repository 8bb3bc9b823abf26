"""How the project drives Debian's Chromium headless (browser tests and benchmarks).

One place for these settings: without the background-networking flags Chromium
keeps trying hosts this closed network refuses; no browser build is ever downloaded.
"""
from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
