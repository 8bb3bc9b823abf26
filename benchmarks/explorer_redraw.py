"""Module 03: how long a new choice takes to redraw its charts, in the kernel (goal: median at most 300 ms).

Builds the lesson's ``CaseStudyExplorer`` headlessly (as a kernel does) and times each
change of breakdown, metric and case over every case study: the whole ``check()`` that
follows a choice (rates, text alternatives, observations with their bootstrap, and the
PNGs drawn with matplotlib), until the new chart is in the widget's value, ready to be
sent. The page's own part (the websocket message and the image swap) is not in it.
Baseline, in the same run: drawing one bar of a bare matplotlib Figure to PNG (what any
chart costs), so the ratio shows what the course adds.

    .venv/bin/python benchmarks/explorer_redraw.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS_DIR, command_line, percentile, write_doc  # noqa: E402

MARK_START, MARK_END = "<!-- explorer_redraw:start -->", "<!-- explorer_redraw:end -->"
GOAL_MS = 300


def bare_chart_ms() -> float:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    start = time.perf_counter()
    figure = Figure(figsize=(6.4, 3.6), dpi=80)
    FigureCanvasAgg(figure)
    figure.add_subplot().bar([0], [1])
    figure.savefig(io.BytesIO(), format="png")
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args(argv)
    os.environ["ADVOCACY_LAB_DRAFT_STORE"] = "memory"
    from advocacy_lab.modules.campaign_data import BREAKDOWNS, CASES
    from advocacy_lab.modules.campaign_data.explorer import FIRST_METRICS, CaseStudyExplorer

    explorer = CaseStudyExplorer()
    bare_chart_ms()  # warm matplotlib's font cache, as a preheated kernel has
    timings: dict[str, list[float]] = {"breakdown": [], "metric": [], "case": []}
    baseline: list[float] = []
    for _ in range(args.rounds):
        for case in CASES:
            start = time.perf_counter()
            explorer._case.value = case
            timings["case"].append((time.perf_counter() - start) * 1000)
            for by in BREAKDOWNS:
                start = time.perf_counter()
                explorer._by.value = by
                timings["breakdown"].append((time.perf_counter() - start) * 1000)
                baseline.append(bare_chart_ms())
            for metric in FIRST_METRICS[:4]:
                start = time.perf_counter()
                explorer._metric.value = metric
                timings["metric"].append((time.perf_counter() - start) * 1000)
            explorer._metric.value = FIRST_METRICS[0]
    base = statistics.median(baseline)
    rows = []
    for kind, values in timings.items():
        med = statistics.median(values)
        rows.append({"choice": kind, "n": len(values), "median_ms": round(med, 1), "p95_ms": round(percentile(values, 95), 1),
                     "ratio": round(med / base, 1), "goal_met": med <= GOAL_MS})
    result = {"command": command_line("benchmarks/explorer_redraw.py", argv), "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "python": sys.version.split()[0], "bare_chart_ms": round(base, 1), "rows": rows}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "explorer_redraw.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        print(f"{row['choice']}: median {row['median_ms']} ms, p95 {row['p95_ms']} ms, {row['ratio']}x a bare chart, goal met {row['goal_met']}")
    if not args.no_doc:
        lines = [MARK_START, "## Module 03: a new choice redraws its charts (`benchmarks/explorer_redraw.py`)", "",
                 f"Measured {result['date']} (Python {result['python']}), in the kernel: the whole redraw that follows a "
                 "choice (rates, text alternatives, observations, the PNGs drawn with matplotlib) until the chart is in the "
                 "widget's value; the websocket message and the browser's image swap are not in it. "
                 f"Baseline in the same run: one bar of a bare matplotlib figure to PNG, {result['bare_chart_ms']} ms. "
                 f"Goal: median at most {GOAL_MS} ms.", "", "Command:", "", "```", result["command"], "```", "",
                 "| Choice | Samples | Median (ms) | p95 (ms) | Median / bare chart | Goal met |", "|---|---|---|---|---|---|"]
        for r in rows:
            lines.append(f"| {r['choice']} | {r['n']} | {r['median_ms']} | {r['p95_ms']} | {r['ratio']}x | {'yes' if r['goal_met'] else 'no'} |")
        lines += ["", "A new breakdown redraws the bars only; a new metric the bars and the heat map; a new case all three "
                  "charts (the spread of shares depends on the data alone).", MARK_END, ""]
        write_doc("\n".join(lines), MARK_START, MARK_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
