"""The pure core never imports the GUI stack, and the package import stays light."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = ("ipywidgets", "IPython", "matplotlib")


def _run(code: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_core_and_checks_do_not_import_gui_libraries():
    out = _run(
        """
        import importlib, json, pkgutil, sys
        import advocacy_lab.core as core
        names = ["advocacy_lab.checks"]
        names += [m.name for m in pkgutil.walk_packages(core.__path__, "advocacy_lab.core.")]
        for name in names:
            importlib.import_module(name)
        # Run a check too: lazily imported libraries must not drag the GUI in either.
        from advocacy_lab.checks import check_post
        check_post("Sign the petition to protect the Mekong Delta. " * 3, "x")
        check_post("Hãy ký kiến nghị #BảoVệSôngMêKông 👨‍👩‍👧", "bluesky", lang="vi")
        loaded = sorted({m.split(".")[0] for m in sys.modules})
        print(json.dumps({"modules": names, "loaded": loaded}))
        """
    )
    assert "advocacy_lab.core.message" in out["modules"]
    assert "advocacy_lab.core.rules" in out["modules"]
    for name in FORBIDDEN:
        assert name not in out["loaded"], f"{name} imported by the core"


def test_package_import_is_light():
    out = _run(
        """
        import json, sys
        import advocacy_lab, advocacy_lab.core
        print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
        """
    )
    loaded = set(out)
    for heavy in ("twitter_text", "grapheme", "textstat", *FORBIDDEN):
        assert heavy not in loaded, heavy
