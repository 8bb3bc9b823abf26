#!/usr/bin/env python3
"""A room of learners on one machine: kernel memory, 35 at once, check latency, page weight.

A script, not a test. It starts `advocacy-lab serve`'s launcher (the project's
voila.json) on a loopback port and drives Debian's Chromium with Playwright:

1. page weight and compression of 04-campaign-message (one cold visit,
   ``_common.visit``, the measurement of voila_tti.py);
2. kernel memory per learner: one page of each app open, its kernel found by
   the page's kernel id, RSS and USS (psutil) after the page is interactive and
   again after 04's check has been used; goal <= 150 MB per learner;
3. check latency on 04: text put into the post box (an ``input`` event, what
   typing sends) or a platform box clicked, until the feedback area's content
   changes on screen, timed inside the page; median and 95th percentile.
   The message builder checks live, so a later click on "Check" re-renders the
   same feedback and changes nothing on screen: the input-to-feedback time is
   the time of the check a learner sees;
4. 35 learners at once on 04: ``--browsers`` of them (default 5) in Chromium
   contexts, the others as protocol learners (``_learner.py``: the page, every
   asset a Chromium visit fetched, the kernel websocket and the widgets' state,
   then one typed check), so that the load generator does not take the
   server's two cores away from it. Each learner's time to interactive is
   compared with one learner alone, measured the same two ways in the same run
   (goal p95 <= 4x, no errors); also the kernels' memory with all 35 open and
   the CPU used by the server and by the load generator.

Step 4 runs for each server setup given by --setups: ``default`` (voila.json:
one preheated kernel per notebook) and ``room`` (``advocacy-lab serve
--learners N --pool-size 04-campaign-message.ipynb=N``: a kernel ready for every
learner of the room on 04, and the kernel caps for a room of N). ``--ip 0.0.0.0`` starts both as a workshop room's
server is started (listening on every interface); the learners still connect
through loopback, each protocol learner from a loopback address of its own
(127.0.0.10, 127.0.0.11, ...: the server caps kernels per client address).

Results: printed, saved to benchmarks/results/room.json, and written into
docs/performance.md between markers with the command that produced them.

    .venv/bin/python benchmarks/room.py [--ip 0.0.0.0] [--learners 35] [--budget 900]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from _learner import ProtocolLearner, learner_address, record_assets  # noqa: E402 - benchmarks/ is on sys.path
from _common import (  # noqa: E402 - benchmarks/ is on sys.path when run as a script
    CHROMIUM,
    CHROMIUM_ARGS,
    READY_SELECTORS,
    RESULTS_DIR,
    ROOT,
    Budget,
    OutOfTime,
    Server,
    close_like_a_learner,
    command_line,
    cpu_seconds,
    kernel_id_of,
    kernel_processes,
    memory_of,
    process_tree,
    settle,
    stats,
    visit,
    write_doc,
)

APP = "04-campaign-message.ipynb"
APPS = ["00-start-here.ipynb", APP, "09-campaign-plan.ipynb"]
GOAL_MEMORY_MB = 150
GOAL_RATIO = 4.0
MARK_START = "<!-- room:start -->"
MARK_END = "<!-- room:end -->"
KERNEL_ID_JS = "(() => { try { return JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId } catch (e) { return null } })()"

#: Sets the post box's text as typing does (an input event) and resolves with the
#: milliseconds until the feedback area's content changes on screen.
INPUT_TO_FEEDBACK_JS = """
async ([text, timeoutMs]) => {
  const area = document.querySelector('.al-post-text textarea');
  const feedback = document.querySelector('.al-feedback');
  const before = feedback.innerHTML;
  return await new Promise((resolve) => {
    let t0;
    const obs = new MutationObserver(() => {
      if (feedback.innerHTML !== before) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(feedback, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); resolve(null); }, timeoutMs);
    t0 = performance.now();
    area.value = text;
    area.dispatchEvent(new Event('input', {bubbles: true}));
  });
}
"""
#: The same for a click on a platform check box.
CLICK_TO_FEEDBACK_JS = """
async ([selector, timeoutMs]) => {
  const box = document.querySelector(selector);
  const feedback = document.querySelector('.al-feedback');
  const before = feedback.innerHTML;
  return await new Promise((resolve) => {
    let t0;
    const obs = new MutationObserver(() => {
      if (feedback.innerHTML !== before) { obs.disconnect(); resolve(performance.now() - t0); }
    });
    obs.observe(feedback, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); resolve(null); }, timeoutMs);
    t0 = performance.now();
    box.click();
  });
}
"""


def post_text(i: int) -> str:
    # A different length each time, so the length bar (and the feedback) changes.
    return "Clean air now: join the city council hearing on Friday and ask for bus lanes." + " Act" * (i + 1)


# -- memory and check latency (sync Playwright) ---------------------------------------------


def kernel_of_page(server: Server, page) -> object | None:
    kid = page.evaluate(KERNEL_ID_JS)
    for proc in server.kernels():
        if kid and kernel_id_of(proc) == kid:
            return proc
    return None


def memory_and_latency(browser, server: Server, budget: Budget, checks: int, timeout_ms: float) -> dict:
    context = browser.new_context()
    context.set_default_timeout(timeout_ms)
    out: dict = {"pages": {}, "latency": {}}
    try:
        pages = {}
        for name in APPS:
            budget.check()
            page = context.new_page()
            page.goto(f"{server.url}/voila/render/{name}", wait_until="commit")
            page.locator(READY_SELECTORS[name]).first.wait_for(state="visible")
            pages[name] = page
        settle(budget, timeout=20)
        for name, page in pages.items():
            proc = kernel_of_page(server, page)
            out["pages"][name] = {"interactive": memory_of([proc]) if proc else None}

        # Check latency on 04 (and the memory of its kernel after use).
        page = pages[APP]
        page.locator(".al-feedback").first.wait_for(state="attached")
        typed, clicked, lost = [], [], 0
        for i in range(checks):
            budget.check()
            ms = page.evaluate(INPUT_TO_FEEDBACK_JS, [post_text(i), 15_000])
            if ms is None:
                lost += 1
            else:
                typed.append(ms / 1000)
        boxes = [s for s in (".al-platform-facebook input", ".al-platform-x input", ".al-platform-linkedin input")
                 if page.locator(s).count()]
        if not boxes:
            boxes = [".al-platforms input[type=checkbox]"]
        for i in range(max(2, checks // 3)):
            budget.check()
            ms = page.evaluate(CLICK_TO_FEEDBACK_JS, [boxes[i % len(boxes)], 15_000])
            if ms is None:
                lost += 1
            else:
                clicked.append(ms / 1000)
        out["latency"] = {"input_to_feedback_s": stats(typed), "click_to_feedback_s": stats(clicked),
                          "no_change_within_15s": lost, "samples_input": typed, "samples_click": clicked}
        proc = kernel_of_page(server, page)
        out["pages"][APP]["after_checks"] = memory_of([proc]) if proc else None
        out["all_kernels_with_3_pages_open"] = memory_of(server.kernels())
    finally:
        close_like_a_learner(context)
    return out


# -- learners at once: protocol learners plus a few real browsers ------------------------------


async def browser_learner(browser, url: str, selector: str, timeout_s: float) -> dict:
    """A learner in Chromium: navigation start until the post box is visible."""
    context = await browser.new_context()
    page = await context.new_page()
    t0 = time.monotonic()
    try:
        await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        left = max(1.0, timeout_s - (time.monotonic() - t0))
        await page.locator(selector).first.wait_for(state="visible", timeout=left * 1000)
        tti = await page.evaluate("performance.now()") / 1000
        return {"context": context, "tti_s": tti}
    except Exception as exc:  # a learner whose page never became interactive
        return {"context": context, "error": str(exc).splitlines()[0][:200], "wall_s": time.monotonic() - t0}


async def protocol_learner(base_url: str, assets: list[str], timeout_s: float, check: bool,
                           source_ip: str | None = None) -> dict:
    """A learner in HTTP and the kernel protocol (see _learner.py), from ``source_ip``; then one typed check."""
    learner = ProtocolLearner(base_url, APP, assets, timeout_s, source_ip=source_ip)
    t0 = time.monotonic()
    try:
        out = {"learner": learner, **await learner.arrive()}
        if check:
            out["check_s"] = await learner.type_and_wait(post_text(0))
        return out
    except Exception as exc:
        return {"learner": learner, "error": f"{type(exc).__name__}: {str(exc)[:160]}",
                "wall_s": time.monotonic() - t0}


def learners_at_once(server: Server, assets: list[str], learners: int, browsers: int,
                     timeout_s: float, check: bool = True) -> dict:
    return asyncio.run(_learners_at_once(server.url, server.proc.pid, assets, learners, browsers, timeout_s, check))


async def _learners_at_once(server_url: str, server_pid: int, assets: list[str], learners: int, browsers: int,
                            timeout_s: float, check: bool = True) -> dict:
    """``learners`` arrive together: ``browsers`` of them in Chromium, the rest as protocol learners.

    Everyone stays until all are measured, then leaves like a closed tab.
    """
    from playwright.async_api import async_playwright
    from tornado.httpclient import AsyncHTTPClient

    # Six connections per learner, as a browser opens to one host.
    AsyncHTTPClient.configure(None, max_clients=6 * learners + 10)
    url = f"{server_url}/voila/render/{APP}"
    browsers = min(browsers, learners)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS) if browsers else None
        try:
            server_pids = {p.pid for p in process_tree(server_pid)}

            def client():
                return [p for p in process_tree(os.getpid()) if p.pid not in server_pids]

            peak = {"kernels": 0, "rss_mb": 0.0}
            done = asyncio.Event()

            async def sample():
                while not done.is_set():
                    mem = memory_of(kernel_processes(server_pid))
                    peak["kernels"] = max(peak["kernels"], mem["count"])
                    peak["rss_mb"] = max(peak["rss_mb"], mem["rss_total_mb"])
                    try:
                        await asyncio.wait_for(done.wait(), timeout=1.0)
                    except asyncio.TimeoutError:
                        pass

            before = memory_of(kernel_processes(server_pid))
            cpu_server0 = cpu_seconds(process_tree(server_pid))
            cpu_client0 = cpu_seconds(client())
            sampler = asyncio.create_task(sample())
            t0 = time.monotonic()
            visits = await asyncio.gather(
                *(browser_learner(browser, url, READY_SELECTORS[APP], timeout_s) for _ in range(browsers)),
                # Each from a loopback address of its own: one client each, as on the room's wifi.
                *(protocol_learner(server_url, assets, timeout_s, check, learner_address(i))
                  for i in range(learners - browsers)),
            )
            elapsed = time.monotonic() - t0
            # Measure before closing: closed renderers take their CPU counts with them.
            cpu_server = cpu_seconds(process_tree(server_pid)) - cpu_server0
            cpu_client = cpu_seconds(client()) - cpu_client0
            done.set()
            await sampler
            open_memory = memory_of(kernel_processes(server_pid))
            for v in visits:
                if "context" in v:
                    context = v.pop("context")
                    for page in context.pages:  # like a closed tab: the kernel-shutdown beacon goes
                        await page.close(run_before_unload=True)
                    await asyncio.sleep(0.2)
                    await context.close()
                else:
                    await v.pop("learner").leave()
        finally:
            if browser is not None:
                await browser.close()
    in_browser = visits[:browsers]
    by_protocol = visits[browsers:]
    ok_b = [v for v in in_browser if "error" not in v]
    ok_p = [v for v in by_protocol if "error" not in v]
    return {
        "learners": learners,
        "browsers": browsers,
        "interactive": len(ok_b) + len(ok_p),
        "errors": [v["error"] for v in visits if "error" in v],
        "browser_tti_s": stats([v["tti_s"] for v in ok_b]),
        "protocol": {key: stats([v[key] for v in ok_p if key in v])
                     for key in ("document_s", "assets_s", "interactive_s", "check_s")},
        "burst_elapsed_s": round(elapsed, 2),
        "cpu_seconds": {"server_and_kernels": round(cpu_server, 1), "load_generator": round(cpu_client, 1)},
        "peak_kernels": peak["kernels"],
        "peak_kernel_rss_mb": round(peak["rss_mb"], 1),
        "kernels_before": {k: v for k, v in before.items() if k != "processes"},
        "kernels_with_all_open": {k: v for k, v in open_memory.items() if k != "processes"},
        "samples_browser": [v.get("tti_s") for v in in_browser],
        "samples_protocol": [{k: v[k] for k in ("interactive_s", "check_s", "error") if k in v} for v in by_protocol],
    }


def single_then_room(server: Server, budget: Budget, assets: list[str], learners: int, browsers: int,
                     singles: int, bursts: int, timeout_s: float) -> dict:
    """One learner at a time (in Chromium, then by protocol), then the room at once, ``bursts`` times.

    The goal compares each learner's time to interactive with one learner alone. A
    protocol learner's page would still need a browser to draw it; that part runs on
    the learner's own device and does not grow with the room, so their time is
    estimated as their server-side time plus what the single Chromium learner needed
    beyond the single protocol learner. Browser learners in the room are measured whole.
    Between bursts the pool is refilled (paced, as in a session).
    """
    single_b, single_p = [], []
    for kind in ("browser", "protocol"):
        for _ in range(singles):
            budget.check()
            settle(budget)
            fills = server.pool_fills(APP)
            r = learners_at_once(server, assets, 1, 1 if kind == "browser" else 0,
                                 min(timeout_s, max(1.0, budget.left())), check=False)
            if r["interactive"]:
                (single_b if kind == "browser" else single_p).append(
                    r["browser_tti_s"]["median"] if kind == "browser" else r["protocol"]["interactive_s"]["median"])
            server.wait_refill(APP, fills, timeout=min(120, max(0, budget.left())))
    result: dict = {"single_browser": stats(single_b), "single_protocol": stats(single_p), "bursts": []}
    base_b = result["single_browser"].get("median")
    base_p = result["single_protocol"].get("median")
    for i in range(bursts):
        budget.check()
        if i:  # every learner of the last burst took a pool kernel: wait until they are all back
            end = time.monotonic() + min(400, max(0, budget.left()))
            while server.pool_fills(APP) < fills + learners and time.monotonic() < end:
                time.sleep(1)
        settle(budget)
        fills = server.pool_fills(APP)
        room = learners_at_once(server, assets, learners, browsers, min(timeout_s, max(1.0, budget.left())))
        burst: dict = {"room": room}
        if base_b and base_p:
            drawing = max(0.0, base_b - base_p)
            estimated = [v["interactive_s"] + drawing for v in room["samples_protocol"] if "interactive_s" in v]
            measured = [t for t in room["samples_browser"] if t is not None]
            everyone = stats(estimated + measured)
            burst.update({
                "drawing_s": round(drawing, 3),
                "learner_tti_s": everyone,
                "p95_ratio": round(everyone["p95"] / base_b, 2) if everyone.get("n") else None,
                "server_p95_ratio": (round(room["protocol"]["interactive_s"]["p95"] / base_p, 2)
                                     if room["protocol"]["interactive_s"].get("n") else None),
                "browser_in_room_ratio": (round(room["browser_tti_s"]["max"] / base_b, 2)
                                          if room["browser_tti_s"].get("n") else None),
            })
        burst["goal_met"] = bool(burst.get("p95_ratio") is not None and burst["p95_ratio"] <= GOAL_RATIO
                                 and not room["errors"] and room["interactive"] == learners)
        result["bursts"].append(burst)
        print(f"burst {i + 1}: p95 ratio {burst.get('p95_ratio')}, errors {len(room['errors'])}", flush=True)
    result["goal_met"] = bool(result["bursts"]) and all(b["goal_met"] for b in result["bursts"])
    return result


def wait_pool(server: Server, notebook: str, size: int, budget: Budget, timeout: float) -> None:
    """Until the log says the notebook's pool holds ``size`` kernels (bounded)."""
    end = time.monotonic() + min(timeout, max(0.0, budget.left()))
    needle = f"Kernel pool of {notebook} is filled with {size} kernel(s)"
    while time.monotonic() < end:
        if needle in server.log_text():
            return
        time.sleep(0.5)
    raise RuntimeError(f"pool of {notebook} not filled with {size} in time")


# -- report ------------------------------------------------------------------------------------


def fmt(v, digits=2):
    return "–" if v is None else f"{v:.{digits}f}"


def markdown(r: dict) -> str:
    lines = [
        MARK_START,
        "## A room of learners: memory, 35 at once, check latency (`benchmarks/room.py`)",
        "",
        f"Measured {r['date']} on {r['machine']}, Voila {r['voila']}, {r['browser']}, served by "
        "`advocacy-lab serve`'s launcher with the project's `voila.json`; everything on loopback, "
        "the load generator (Chromium and the protocol learners) runs on the same machine as the server."
        + (f" The servers listened on {r['ip']}, as a workshop room's does; the learners connected through "
           "loopback, each protocol learner from a loopback address of its own (127.0.0.10, 127.0.0.11, ...), "
           "so that the server counted them as separate clients under its per-client kernel cap."
           if r.get("ip") else ""),
        "",
        "Command:",
        "",
        "```",
        r["command"],
        "```",
        "",
    ]
    weight = r.get("page_weight")
    mem = r.get("memory") or {}
    lines += ["### Kernel memory per learner (goal: at most 150 MB)", ""]
    if mem.get("pages"):
        lines += ["| Page | Kernel RSS (MB) | Kernel USS (MB) | Goal met |", "|---|---|---|---|"]
        for name, m in mem["pages"].items():
            after = f" after {r.get('checks', 0)} typed checks and platform clicks"
            for label, snap in (("", m.get("interactive")), (after, m.get("after_checks"))):
                if snap is None and label:
                    continue
                if snap is None:
                    lines.append(f"| {name} | kernel not found | | no |")
                    continue
                rss = snap["rss_total_mb"]
                lines.append(f"| {name}{label} | {rss:.0f} | {snap['uss_total_mb']:.0f} | "
                             f"{'yes' if rss <= GOAL_MEMORY_MB else 'no'} |")
        lines += ["", "RSS counts shared library pages in every kernel; USS is what each kernel alone "
                  "holds, i.e. what one more learner adds."]
    room_runs = r.get("setups", {})
    for name, s in room_runs.items():
        first = (s.get("bursts") or [{}])[0].get("room", {})
        k = first.get("kernels_with_all_open")
        b = first.get("kernels_before")
        if k and b and k.get("count"):
            n = first["learners"]
            lines.append(
                f"With {n} learners on 04 (`{name}` setup): {k['count']} kernels in all (pools included; "
                f"{b['count']} before they arrived), {k['rss_total_mb']:.0f} MB RSS; the learners added "
                f"{(k['uss_total_mb'] - b['uss_total_mb']) / n:.0f} MB USS "
                f"({(k['rss_total_mb'] - b['rss_total_mb']) / n:.0f} MB RSS) each."
            )
    lines += ["", f"### {r['learners']} learners open 04-campaign-message at once "
              f"(goal: p95 at most {GOAL_RATIO:.0f}x the single-learner time, no errors)", ""]
    if room_runs:
        lines += [
            f"Each burst: {r.get('browsers', 0)} learners in Chromium pages and the others as protocol "
            "learners (`benchmarks/_learner.py`): the page, every script and style a Chromium visit of "
            "the page fetched (gzip, six at a time), the kernel's websocket and the widget manager's "
            "`request_states`, as a browser sends them, then one typed check. That is all the work a "
            "learner gives the server, without 35 browsers drawing pages on the server's own two cores "
            "(in the earlier all-Chromium runs the browsers used about 80% of the CPU). A protocol "
            "learner's time to interactive is estimated as their server-side time plus the drawing "
            "time: what one Chromium learner alone needed beyond one protocol learner alone (the "
            "learner's own device does that part, and it does not grow with the room). Browser "
            "learners in the room are measured whole, while sharing the server's cores.",
            "",
            "| Setup, burst | One learner: Chromium / protocol (s) | Room, every learner: median / p95 / max (s) | p95 / one learner | Interactive | Errors | Goal met |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, s in room_runs.items():
            if not s.get("bursts"):
                lines.append(f"| {name} | not run: {s.get('error', '')} | | | | | no |")
                continue
            for i, burst in enumerate(s["bursts"], 1):
                room = burst["room"]
                t = burst.get("learner_tti_s") or {}
                lines.append(
                    f"| {name} (`{s['serve']}`), {i} | {fmt(s['single_browser'].get('median'))} / "
                    f"{fmt(s['single_protocol'].get('median'))} | {fmt(t.get('median'))} / {fmt(t.get('p95'))} / "
                    f"{fmt(t.get('max'))} | {fmt(burst.get('p95_ratio'))} | {room['interactive']}/{room['learners']} | "
                    f"{len(room['errors'])} | {'yes' if burst['goal_met'] else 'no'} |"
                )
        lines += ["", "Inside each burst:", "",
                  "| Setup, burst | Server side, protocol learners: page / assets / interactive, p95 (s) | Server-side p95 / one protocol learner | Chromium learners in the room: median / max (s) | Their max / one Chromium learner | Typed check under load: median / p95 (ms) | CPU s: server+kernels / load generator |",
                  "|---|---|---|---|---|---|---|"]
        for name, s in room_runs.items():
            for i, burst in enumerate(s.get("bursts") or [], 1):
                room = burst["room"]
                pr = room["protocol"]
                b = room["browser_tti_s"]
                cpu = room["cpu_seconds"]
                chk = pr.get("check_s") or {}
                lines.append(
                    f"| {name}, {i} | {fmt(pr['document_s'].get('p95'))} / {fmt(pr['assets_s'].get('p95'))} / "
                    f"{fmt(pr['interactive_s'].get('p95'))} | {fmt(burst.get('server_p95_ratio'))} | "
                    f"{fmt(b.get('median'))} / {fmt(b.get('max'))} | {fmt(burst.get('browser_in_room_ratio'))} | "
                    f"{fmt(chk.get('median', 0) * 1000, 0)} / {fmt(chk.get('p95', 0) * 1000, 0)} | "
                    f"{cpu['server_and_kernels']:.0f} / {cpu['load_generator']:.0f} |"
                )
        lines += [
            "",
            "The server-side ratio compares with a protocol learner alone, whose whole visit is about "
            "0.2 s of server work: 35 arrivals in the same second need at least 35 times that work from "
            "two cores, so that ratio measures queueing, not what a learner waits for. Drawing time used: "
            + ", ".join(f"`{n}` {fmt(s['bursts'][0].get('drawing_s'))} s" for n, s in room_runs.items()
                        if s.get("bursts")) + ". Between bursts the server refilled its pool (paced) and the "
            "machine settled.",
        ]
        for name, s in room_runs.items():
            if s.get("pool_fill_s") is not None:
                lines.append(f"The `{name}` server took {s['pool_fill_s']:.0f} s from its start to preheat its "
                             f"{r['learners']} kernels for 04 (once, before the session).")
        errs = [e for s in room_runs.values() for b in s.get("bursts") or [] for e in b["room"]["errors"]]
        if errs:
            lines += ["", "Errors: " + "; ".join(sorted(set(errs))[:5])]
    lat = mem.get("latency") or {}
    lines += ["", "### Check latency on 04-campaign-message (reported, no goal)", ""]
    if lat:
        i, c = lat["input_to_feedback_s"], lat["click_to_feedback_s"]
        lines += [
            "| Action | Samples | Median (ms) | p95 (ms) | Max (ms) |",
            "|---|---|---|---|---|",
            f"| Text in the post box → feedback on screen | {i.get('n', 0)} | {fmt(i.get('median', 0) * 1000, 0)} | "
            f"{fmt(i.get('p95', 0) * 1000, 0)} | {fmt(i.get('max', 0) * 1000, 0)} |",
            f"| Click on a platform box → feedback on screen | {c.get('n', 0)} | {fmt(c.get('median', 0) * 1000, 0)} | "
            f"{fmt(c.get('p95', 0) * 1000, 0)} | {fmt(c.get('max', 0) * 1000, 0)} |",
            "",
            "The message builder checks as the learner types (and when a platform is picked), so the "
            "\"Check\" button re-renders feedback already on screen; the time above is that of the check "
            f"the learner sees. Timed inside the page, one learner, idle machine. Actions without a change "
            f"within 15 s: {lat['no_change_within_15s']}.",
        ]
    lines += ["", "### Page weight and compression of 04-campaign-message", ""]
    if weight:
        lines.append(
            f"Cold visit: {weight['bytes_transferred'] / 1024:.0f} KB on the wire for "
            f"{weight['bytes_decoded'] / 1024:.0f} KB of content, {weight['requests']} requests; document "
            f"encoding {weight['document_encoding'] or 'none'}, compressed JS/CSS "
            f"{weight['assets_compressed']}/{weight['assets_total']} (measured as in `voila_tti.py`)."
        )
    if r.get("incomplete"):
        lines += ["", f"**Incomplete run:** {r['incomplete']}"]
    lines.append(MARK_END)
    return "\n".join(lines) + "\n"


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=35,
                        help="learners of the room; the room setup is served with --learners N")
    parser.add_argument("--ip", default=None,
                        help="serve as a room does: 0.0.0.0 (every interface); the learners still "
                        "connect through loopback (default: loopback only, as make start)")
    parser.add_argument("--singles", type=int, default=3, help="single-learner visits per setup and kind")
    parser.add_argument("--bursts", type=int, default=2, help="times the room arrives at once, per setup")
    parser.add_argument("--browsers", type=int, default=1,
                        help="learners of the room played by Chromium pages (the rest by protocol)")
    parser.add_argument("--checks", type=int, default=30, help="texts typed for the check latency")
    parser.add_argument("--setups", default="default,room", help="default and/or room (comma-separated)")
    parser.add_argument("--budget", type=float, default=900, help="overall time limit in seconds")
    parser.add_argument("--visit-timeout", type=float, default=180, help="seconds per learner")
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "room.json")
    args = parser.parse_args(argv)
    if not 1 <= args.learners <= 100:
        parser.error("--learners must be 1..100")
    if not 0 <= args.browsers <= args.learners:
        parser.error("--browsers must be 0..--learners")
    if args.ip is not None:
        import ipaddress

        try:
            bound = ipaddress.ip_address(args.ip)
        except ValueError:
            parser.error(f"--ip {args.ip!r} is not an IP address")
        # The learners connect to 127.0.0.1: the server must listen there too.
        if not (str(bound) == "0.0.0.0" or (bound.version == 4 and bound.is_loopback)):
            parser.error("--ip must be 0.0.0.0 or a 127.x address (the learners connect through loopback)")
    budget = Budget(args.budget)
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]

    from playwright.sync_api import sync_playwright
    import voila

    result: dict = {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": command_line("benchmarks/room.py", argv),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "voila": voila.__version__,
        "learners": args.learners,
        "ip": args.ip,
        "browsers": args.browsers,
        "bursts": args.bursts,
        "checks": args.checks,
        "goals": {"memory_mb": GOAL_MEMORY_MB, "p95_ratio": GOAL_RATIO},
        "setups": {},
        "incomplete": "",
    }
    with tempfile.TemporaryDirectory(prefix="room-") as tmp:
        tmp = Path(tmp)
        try:
            for setup in setups:
                if setup == "default":
                    options, serve_txt = {}, "advocacy-lab serve"
                elif setup == "room":
                    # The room opens 04 together (pinned: the course's first module may be another one).
                    options = {"learners": args.learners, "pool_sizes": {APP: args.learners}}
                    serve_txt = f"advocacy-lab serve --learners {args.learners} --pool-size {APP}={args.learners}"
                else:
                    parser.error(f"unknown setup {setup!r}")
                if args.ip is not None:
                    options["ip"] = args.ip
                    serve_txt = serve_txt.replace("serve", f"serve --ip {args.ip}", 1)
                budget.check()
                t_server = time.monotonic()
                server = Server(setup, ROOT, tmp, serve_options=options)
                entry: dict = {"serve": serve_txt}
                result["setups"][setup] = entry
                try:
                    server.wait_ready(APPS, budget)
                    if setup == "room":
                        wait_pool(server, APP, args.learners, budget, timeout=300)
                        entry["pool_fill_s"] = round(time.monotonic() - t_server, 1)
                    entry["kernels_at_rest"] = memory_of(server.kernels())
                    if setup == setups[0]:
                        with sync_playwright() as pw:
                            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                            result["browser"] = f"Chromium {browser.version}"
                            try:
                                settle(budget)
                                fills = server.pool_fills(APP)
                                result["page_weight"] = visit(browser, f"{server.url}/voila/render/{APP}",
                                                              READY_SELECTORS[APP], args.visit_timeout * 1000)
                                server.wait_refill(APP, fills, timeout=min(120, max(0, budget.left())))
                                settle(budget)
                                result["memory"] = memory_and_latency(browser, server, budget, args.checks,
                                                                      args.visit_timeout * 1000)
                            finally:
                                browser.close()
                        print(json.dumps({k: result[k] for k in ("page_weight",)}, default=str)[:400], flush=True)
                    with sync_playwright() as pw:
                        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                        try:
                            fills = server.pool_fills(APP)
                            assets = record_assets(browser, f"{server.url}/voila/render/{APP}",
                                                   READY_SELECTORS[APP], args.visit_timeout * 1000)
                            server.wait_refill(APP, fills, timeout=min(120, max(0, budget.left())))
                        finally:
                            browser.close()
                    entry["assets"] = len(assets)
                    entry.update(single_then_room(server, budget, assets, args.learners, args.browsers,
                                                  args.singles, args.bursts, args.visit_timeout))
                    print(f"{setup}: single {entry['single_browser']} / {entry['single_protocol']}, "
                          f"goal met {entry['goal_met']}", flush=True)
                except OutOfTime:
                    raise
                except Exception as exc:
                    entry["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
                    traceback.print_exc()
                    # Keep the server's log for the post-mortem (the temporary folder goes).
                    kept = args.out.parent / f"room-{setup}-server.log"
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    kept.write_text(server.log_text(), encoding="utf-8")
                    print(f"{setup}: server log kept in {kept}", flush=True)
                    print(f"{setup}: FAILED {entry['error']}", flush=True)
                finally:
                    server.stop()
        except OutOfTime:
            result["incomplete"] = f"the {args.budget:.0f} s budget ran out; figures are from the steps done."

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    block = markdown(result)
    print(block)
    if not args.no_doc:
        write_doc(block, MARK_START, MARK_END)
        print(f"written: {args.out}, docs/performance.md")
    return 0 if result["setups"] and not any("error" in s for s in result["setups"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
