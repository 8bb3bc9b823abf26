"""Smoke check of a fresh install, run by ``scripts/smoke-check`` with the new venv's Python.

A new Python breaks a fresh install first where the dependencies do (issue #7: setuptools
82+ has no ``pkg_resources``, which twitter-text-parser and textstat import). So this checks,
from the environment it runs in:

- the checks: ``check_post`` on a few posts in English and Vietnamese, which loads
  twitter-text-parser (X's weighted length) and textstat (reading ease), with no warning;
- every module of the ``advocacy_lab`` package imports;
- the ``advocacy-lab`` command of this environment runs;
- every lesson notebook in ``notebooks/`` runs in a real kernel of this same Python, with
  no error and nothing on stderr.

Ends with ``smoke: N passed, N failed`` and exits 1 when anything failed.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
KERNEL_TIMEOUT = 300  # seconds per cell; a loaded CI machine starts kernels slowly


def check_posts() -> None:
    from advocacy_lab.checks import check_post, weighted_length

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        post = ("Our city budget hides 2 billion in road repairs. Ask your councillor to "
                "publish it: https://example.org/budget #OpenBudget")
        en = check_post(post, "x", "en")
        # X counts every link as 23 characters (twitter-text-parser's weighted length)
        expected = len(post) - len("https://example.org/budget") + 23
        assert en.metrics["length"] == expected, dict(en.metrics)
        assert en.metrics["links"] == 1 and en.metrics["hashtags"] == 1, dict(en.metrics)
        assert isinstance(en.metrics["reading_ease"], float), dict(en.metrics)  # textstat
        assert "link.untracked" in en.rule_ids, en.rule_ids

        vi_post = ("Ngân sách thành phố có 2 tỷ cho sửa đường. Hãy hỏi đại biểu của bạn! "
                   "https://example.org/ngan-sach #MinhBach")
        vi = check_post(vi_post, "facebook", "vi")
        untracked = [f for f in vi.findings if f.rule_id == "link.untracked"]
        assert untracked and "utm_" in untracked[0].message, vi.findings
        assert untracked[0].message != check_post(vi_post, "facebook", "en").findings[0].message

        too_long = check_post("Budget " * 50, "x", "vi")
        assert "length.over_limit" in too_long.rule_ids and not too_long.passed, too_long.rule_ids

        assert weighted_length("👋🏽", "x") == 2
        assert weighted_length("日本", "x") == 4
    # A UserWarning here (setuptools 80.9-81 on importing pkg_resources) would show under
    # a learner's widget; DeprecationWarnings stay hidden outside __main__.
    shown = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not shown, shown


def every_module() -> list[str]:
    import advocacy_lab

    failed: list[str] = []
    names = [
        m.name
        for m in pkgutil.walk_packages(advocacy_lab.__path__, "advocacy_lab.", onerror=failed.append)
    ]
    assert not failed, f"packages that could not be walked: {failed}"
    return ["advocacy_lab", *names]


def import_module(name: str) -> Callable[[], None]:
    return lambda: importlib.import_module(name)


def run_the_command() -> None:
    exe = Path(sys.executable).parent / "advocacy-lab"
    proc = subprocess.run([str(exe), "rules"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "length.over_limit" in proc.stdout, proc.stdout[:500]


def execute_lesson(path: Path) -> Callable[[], None]:
    def run() -> None:
        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read(path, as_version=4)
        lesson_cells = len(nb.cells)
        # One cell more, to prove the kernel is this environment's Python.
        nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
        NotebookClient(
            nb,
            timeout=KERNEL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
        errors = [
            (i, o.get("ename"), o.get("text", o.get("evalue", ""))[:300])
            for i, cell in enumerate(nb.cells[:lesson_cells])
            if cell.cell_type == "code"
            for o in cell.outputs
            if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")
        ]
        assert not errors, f"errors or stderr output (cell, name, text): {errors}"
        prefix = "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip()
        assert Path(prefix).resolve() == Path(sys.prefix).resolve(), (
            f"the kernel ran in {prefix}, not in this environment ({sys.prefix})"
        )

    return run


def _fails(message: str) -> Callable[[], None]:
    def check() -> None:
        raise AssertionError(message)

    return check


def main() -> int:
    print(f"smoke check with Python {sys.version.split()[0]} ({sys.executable})", flush=True)
    # Kernels inherit these: drafts stay in memory, never in a real learner's data folder.
    os.environ["ADVOCACY_LAB_DRAFT_STORE"] = "memory"
    os.environ["ADVOCACY_LAB_DATA_DIR"] = tempfile.mkdtemp(prefix="advocacy-lab-smoke-")

    items: list[tuple[str, Callable[[], None]]] = [("check_post, en and vi", check_posts)]
    try:
        modules = every_module()
    except Exception as exc:  # noqa: BLE001 - reported as a failed item below
        modules = []
        items.append(("walk the advocacy_lab package", _fails(repr(exc))))
    items += [(f"import {name}", import_module(name)) for name in modules]
    items.append(("advocacy-lab rules", run_the_command))
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not lessons:
        items.append(("find the lesson notebooks", _fails(f"no notebook in {ROOT / 'notebooks'}")))
    items += [(f"execute notebooks/{p.name}", execute_lesson(p)) for p in lessons]

    passed = failed = 0
    for label, check in items:
        start = time.monotonic()
        try:
            check()
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAILED  {label}\n{traceback.format_exc()}", flush=True)
        else:
            passed += 1
            print(f"ok      {label} ({time.monotonic() - start:.1f} s)", flush=True)
    started = float(os.environ.get("SMOKE_CHECK_STARTED") or 0)
    if started:
        print(f"smoke check: {time.time() - started:.0f} s in all, the install included", flush=True)
    print(f"smoke: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
