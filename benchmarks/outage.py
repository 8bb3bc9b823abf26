#!/usr/bin/env python3
"""Outage banner latency: how soon a page tells the learner its link is gone, and back.

A script, not a test. The course server is started as ``advocacy-lab serve``
starts it (the launcher with the project's voila.json) and Chromium (Debian's,
with ``advocacy_lab.server.chromium``'s settings) opens 04-campaign-message.
For each of --trials trials, on a fresh server:

1. **kernel killed**: the page's own kernel (found by the kernel id in the
   page's ``#jupyter-config-data``) gets SIGKILL; seconds until the page's
   connection banner (connection.js) is in state ``ended`` ("lost its link");
2. the page is reloaded; **server stopped**: the server gets SIGTERM; seconds
   from the SIGTERM until the banner is in state ``lost``;
3. **server restarted** on the same port: seconds from starting it until the
   banner is in state ``back`` (and from when it answers HTTP again).

Each time is taken by the page itself: an init script records every
``advocacy-lab:connection`` event (state and ``Date.now()``, the same system
clock as this script's ``time.time()``), then the banner
(``.al-connection[data-state=...]``) is checked to show the catalogue's
sentence for that state.

Baseline, same run: the page's fallback detection, its pings. Every
``ping_every_ms`` the page pings its kernel; the values are read from the
ConnectionWatch widget this run's pages use. The ratio is the latency over
the ping interval. The pings-only bound (ping interval, plus the unanswered
wait before the page asks the server, plus the page's 1 s check tick, plus the
probe's own timeout for a server that does not answer) is given too.

Writes benchmarks/results/outage.json and its section of docs/performance.md
(between the ``outage`` markers), with the command that produced them.

    .venv/bin/python benchmarks/outage.py [--trials 3] [--budget 900]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import _common
from _common import (  # noqa: E402 - benchmarks/ is on sys.path when run as a script
    CHROMIUM,
    CHROMIUM_ARGS,
    READY_SELECTORS,
    RESULTS_DIR,
    ROOT,
    Budget,
    OutOfTime,
    Server,
    command_line,
    kernel_id_of,
    stats,
    write_doc,
)

APP = "04-campaign-message.ipynb"
MARK_START = "<!-- outage:start -->"
MARK_END = "<!-- outage:end -->"
CONNECTION_JS = ROOT / "widgets" / "advocacy_lab" / "ui" / "connection.js"
#: Records the page's connection events with the system clock, from the first script on.
RECORDER = """
window.__alConnectionEvents = [];
window.addEventListener("advocacy-lab:connection", (e) => {
  window.__alConnectionEvents.push({ state: e.detail.state, t: Date.now() });
});
"""
#: What each measured moment waits for: (event, banner state).
MOMENTS = {"kernel_killed": "ended", "server_stopped": "lost", "server_restarted": "back"}


def ping_settings() -> dict:
    """The page's ping timings: the ConnectionWatch widget's values (synced to the page)
    and connection.js's own constants."""
    from advocacy_lab.ui.drafts import ConnectionWatch

    watch = ConnectionWatch.class_traits()
    settings = {name: watch[name].default_value
                for name in ("ping_every_ms", "probe_after_ms", "lost_after_ms")}
    script = CONNECTION_JS.read_text(encoding="utf-8")
    for name in ("CHECK_EVERY_MS", "PROBE_EVERY_MS", "PROBE_TIMEOUT_MS"):
        m = re.search(rf"const {name} = (\d+);", script)
        settings[name.lower()] = int(m.group(1)) if m else None
    return settings


def pings_only_bounds(s: dict) -> dict:
    """Seconds within which the pings alone must tell, for each banner state."""
    tick = s["check_every_ms"] or 0
    return {
        # a ping is sent at most ping_every after the kill; the kernel gone or silent
        # for lost_after_ms (the server still answers), seen on the next tick
        "ended": (s["ping_every_ms"] + max(s["probe_after_ms"], s["lost_after_ms"]) + tick) / 1000,
        # the same, then a probe the server does not answer (at most its timeout)
        "lost": (s["ping_every_ms"] + s["probe_after_ms"] + tick + (s["probe_timeout_ms"] or 0)) / 1000,
        # while lost, the page asks the server every PROBE_EVERY_MS
        "back": ((s["probe_every_ms"] or 0) + tick) / 1000,
    }


@contextmanager
def on_port(port: int):
    """Start a _common.Server on ``port`` (a restart keeps the page's address)."""
    chosen = _common.free_port
    _common.free_port = lambda: port
    try:
        yield
    finally:
        _common.free_port = chosen


def start_server(name: str, tmp: Path, budget: Budget, port: int | None = None, pools: bool = True) -> tuple:
    if port is None:
        server = Server(name, ROOT, tmp)
    else:
        with on_port(port):
            server = Server(name, ROOT, tmp)
    started = time.time()
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    server.wait_ready(notebooks if pools else [], budget, pools=pools)
    return server, started, time.time()


def open_page(context, url: str, timeout_ms: float):
    page = context.new_page()
    page.goto(url, wait_until="commit", timeout=timeout_ms)
    page.locator(READY_SELECTORS[APP]).first.wait_for(state="visible", timeout=timeout_ms)
    # The drafts keeper has loaded (its status line is written) and the watch runs.
    page.locator(".al-drafts-status-text").first.wait_for(state="attached", timeout=timeout_ms)
    page.wait_for_function("() => globalThis.__advocacyLabConnection && "
                           "globalThis.__advocacyLabConnection.state === 'ok'", timeout=timeout_ms)
    return page


def wait_state(page, state: str, since: float, sentence: str, timeout_ms: float) -> float:
    """Seconds from ``since`` (time.time()) to the page's first ``state`` event after it;
    the banner must then show the catalogue's sentence for that state."""
    since_ms = since * 1000
    handle = page.wait_for_function(
        "([state, since]) => (window.__alConnectionEvents || [])"
        ".find((e) => e.state === state && e.t >= since - 50)",
        arg=[state, since_ms], timeout=timeout_ms, polling=100,
    )
    event = handle.json_value()
    banner = page.locator(f'.al-connection[data-state="{state}"]')
    banner.wait_for(state="visible", timeout=5000)
    shown = banner.locator(".al-connection-text").text_content()
    if shown != sentence:
        raise RuntimeError(f"banner in state {state} says {shown!r}, not the catalogue's {sentence!r}")
    return round(max(0.0, event["t"] / 1000 - since), 2)


def page_kernel(page, server: Server):
    kernel_id = json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]
    for proc in server.kernels():
        if kernel_id_of(proc) == kernel_id:
            return proc
    raise RuntimeError(f"no kernel process with the page's kernel id {kernel_id}")


def trial(browser, n: int, tmp: Path, budget: Budget, timeout_ms: float, sentences: dict) -> dict:
    out: dict = {}
    server, _, _ = start_server(f"course-outage-{n}", tmp, budget)
    restarted = None
    context = browser.new_context()
    context.add_init_script(RECORDER)
    try:
        url = f"{server.url}/voila/render/{APP}"
        page = open_page(context, url, timeout_ms)
        victim = page_kernel(page, server)
        t_kill = time.time()
        victim.send_signal(signal.SIGKILL)
        out["kernel_killed"] = wait_state(page, "ended", t_kill, sentences["ended"], timeout_ms)
        budget.check()

        page.close()
        page = open_page(context, url, timeout_ms)
        t_term = time.time()
        server.stop()  # SIGTERM, waits for the server to exit
        out["server_stop_took_s"] = round(time.time() - t_term, 2)
        out["server_stopped"] = wait_state(page, "lost", t_term, sentences["lost"], timeout_ms)
        budget.check()

        restarted, t_start, t_answers = start_server(f"course-outage-{n}-restarted", tmp, budget,
                                                     port=server.port, pools=False)
        out["server_restarted"] = wait_state(page, "back", t_start, sentences["back"], timeout_ms)
        out["restart_answers_after_s"] = round(t_answers - t_start, 2)
        out["back_after_it_answers_s"] = round(max(0.0, out["server_restarted"] - out["restart_answers_after_s"]), 2)
        page.close()
    finally:
        try:
            context.close()
        except Exception:
            pass
        server.stop()
        if restarted is not None:
            restarted.stop()
    return out


def markdown(r: dict) -> str:
    s, bounds = r["ping_settings"], r["pings_only_bound_s"]
    ping_s = s["ping_every_ms"] / 1000
    lines = [
        MARK_START,
        "## Outage banner latency (`benchmarks/outage.py`)",
        "",
        f"Measured {r['date']} on {r['machine']}, Voila {r['voila']}, Chromium (`/usr/bin/chromium`); "
        f"{r['trials_done']} trial(s), each on a fresh course server started as `advocacy-lab serve` starts it "
        f"(voila.json), the page {APP}. Times are taken by the page itself (its `advocacy-lab:connection` "
        "events, system clock) and the banner (`.al-connection[data-state=…]`) is checked to show the "
        "catalogue's sentence: kernel killed → `ended` (`connection.ended`, \"lost its link\"), server "
        "stopped → `lost` (`connection.lost`), server restarted on the same port → `back` (`connection.back`). "
        "Kernel killed: from SIGKILL of the page's kernel. Server stopped: from SIGTERM. Server restarted: from "
        "starting the new server process (it needs a few seconds before it answers; the time after it answers "
        "is given too).",
        "",
        f"Baseline, same run: the page's fallback detection, its pings, every {ping_s:g} s "
        f"(`ping_every_ms`, from the ConnectionWatch widget these pages use); ratio = latency / ping interval. "
        f"Bound with the pings alone: ended {bounds['ended']:g} s, lost {bounds['lost']:g} s, back "
        f"{bounds['back']:g} s after the server answers (ping interval + unanswered wait of "
        f"`probe_after_ms` {s['probe_after_ms'] / 1000:g} s or `lost_after_ms` {s['lost_after_ms'] / 1000:g} s + the "
        f"page's {s['check_every_ms'] / 1000:g} s check tick + a probe's {s['probe_timeout_ms'] / 1000:g} s timeout; "
        f"while lost the page asks the server every {s['probe_every_ms'] / 1000:g} s).",
        "",
        "Command:",
        "",
        "```",
        r["command"],
        "```",
        "",
    ]
    if r.get("small_run"):
        lines += [f"**Small check run** ({r['small_run']}), not the default configuration.", ""]
    summary = r.get("summary", {})
    if summary:
        lines += [
            "| Moment | Banner state | Median (s) | min–max (s) | Ratio to the ping interval (median) | Pings-only bound (s) |",
            "|---|---|---|---|---|---|",
        ]
        for moment, state in MOMENTS.items():
            st = summary.get(moment)
            if not st or not st.get("n"):
                continue
            lines.append(f"| {moment.replace('_', ' ')} | `{state}` | {st['median']:.2f} | {st['min']:.2f}–{st['max']:.2f} | "
                         f"{st['median'] / ping_s:.2f}x | {bounds[state]:g}"
                         f"{' after it answers' if state == 'back' else ''} |")
        after = summary.get("back_after_it_answers_s")
        if after and after.get("n"):
            lines.append(f"| server restarted, from when it answers | `back` | {after['median']:.2f} | "
                         f"{after['min']:.2f}–{after['max']:.2f} | {after['median'] / ping_s:.2f}x | {bounds['back']:g} |")
    for n, t in enumerate(r.get("trials", []), 1):
        if t.get("error"):
            lines += ["", f"Trial {n} failed: {t['error']}"]
    if r.get("incomplete"):
        lines += ["", f"**Incomplete run:** {r['incomplete']}"]
    lines.append(MARK_END)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--wait-timeout", type=float, default=120, help="seconds to wait for a page or banner")
    parser.add_argument("--budget", type=float, default=900, help="overall time limit in seconds")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "outage.json")
    args = parser.parse_args(argv)
    if not 1 <= args.trials <= 20:
        parser.error("--trials 1..20")
    budget = Budget(args.budget)
    import voila
    from playwright.sync_api import sync_playwright

    from advocacy_lab.core.catalogue import texts

    sentences = texts("connection", "en")
    settings = ping_settings()
    result: dict = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": command_line("benchmarks/outage.py", argv),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "voila": voila.__version__,
        "ping_settings": settings,
        "pings_only_bound_s": pings_only_bounds(settings),
        "small_run": "" if args.trials == 3 else f"--trials {args.trials}",
        "trials": [],
        "incomplete": "",
    }
    with tempfile.TemporaryDirectory(prefix="outage-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            for n in range(1, args.trials + 1):
                try:
                    budget.check()
                    result["trials"].append(trial(browser, n, Path(tmp), budget, args.wait_timeout * 1000, sentences))
                except OutOfTime:
                    result["incomplete"] = f"the {args.budget:.0f} s budget ran out in trial {n}."
                    break
                except Exception as exc:
                    result["trials"].append({"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"})
                print(n, json.dumps(result["trials"][-1]), flush=True)
        finally:
            browser.close()
    done = [t for t in result["trials"] if "error" not in t]
    result["trials_done"] = len(done)
    result["summary"] = {key: stats([t[key] for t in done if key in t], 2)
                         for key in (*MOMENTS, "back_after_it_answers_s")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    block = markdown(result)
    print(block)
    if not args.no_doc:
        write_doc(block, MARK_START, MARK_END)
        print(f"written: {args.out}, docs/performance.md")
    return 0 if len(done) == args.trials and not result["incomplete"] else 1


if __name__ == "__main__":
    sys.exit(main())
