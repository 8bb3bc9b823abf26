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
        import advocacy_lab.analysis as analysis
        names += ["advocacy_lab.analysis"]
        names += [m.name for m in pkgutil.walk_packages(analysis.__path__, "advocacy_lab.analysis.")]
        for name in names:
            importlib.import_module(name)
        # Module 03's analysis too, on a real table.
        import pandas as pd
        from advocacy_lab.analysis import load_insights, rates_by
        rates_by(pd.DataFrame({"post_type": ["Photo"], "interactions": [3], "reach": [10]}), "engagement_rate_reach", "post_type")
        load_insights("Type,Reach|Photo,10".replace("|", chr(10)).encode())
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
    assert "advocacy_lab.analysis.metrics" in out["modules"] and "advocacy_lab.analysis.insights" in out["modules"]
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
    for heavy in ("twitter_text", "grapheme", "textstat", "pandas", *FORBIDDEN):
        assert heavy not in loaded, heavy


MODULES_DIR = __import__("pathlib").Path(__file__).resolve().parents[1] / "widgets" / "advocacy_lab" / "modules"
GUI_IMPORTS = ("ipywidgets", "IPython", "matplotlib", "anywidget", "advocacy_lab.ui")


def _imports(path) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _widget_file(path) -> bool:
    return any(name == gui or name.startswith(gui + ".") for name in _imports(path) for gui in GUI_IMPORTS)


def test_each_module_folder_keeps_pure_parts_apart_from_its_widgets():
    """A module's package (schema, plan part, quiz, texts) imports no GUI; only its widget files do."""
    import ast

    folders = [p for p in MODULES_DIR.iterdir() if (p / "__init__.py").is_file()]
    assert {p.name for p in folders} >= {"campaign_message", "campaign_plan"}
    pure_names = []
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            if _widget_file(path):
                # A widget file holds the module's widgets: a LearnerComponent subclass.
                tree = ast.parse(path.read_text(encoding="utf-8"))
                bases = {getattr(b, "id", getattr(b, "attr", "")) for n in ast.walk(tree) if isinstance(n, ast.ClassDef) for b in n.bases}
                assert "LearnerComponent" in bases, f"{path.relative_to(MODULES_DIR)} imports a GUI library but holds no widget"
                assert path.name != "__init__.py", f"{folder.name}/__init__.py must stay pure"
            else:
                stem = "" if path.name == "__init__.py" else "." + path.stem
                pure_names.append(f"advocacy_lab.modules.{folder.name}{stem}")
    assert "advocacy_lab.modules.campaign_message.schema" in pure_names
    assert "advocacy_lab.modules.campaign_message.plan" in pure_names
    out = _run(
        f"""
        import importlib, json, sys
        names = {pure_names!r}
        for name in names:
            importlib.import_module(name)
        from advocacy_lab.core.course import load_course
        from advocacy_lab.core.plan import build_plan
        course = load_course()  # every module's parts, found through its package
        build_plan({{"campaign-message/message-builder": {{"problem": "x", "platforms": ["x"]}}}}, lang="vi")
        print(json.dumps(sorted(sys.modules)))
        """
    )
    for name in GUI_IMPORTS:
        assert not any(m == name or m.startswith(name + ".") for m in out), f"{name} imported by a module's pure parts"


def test_the_core_plan_does_not_import_the_public_facade():
    # The facade (advocacy_lab.checks) sits above the core: the import runs the other way.
    core = MODULES_DIR.parent / "core"
    for path in core.glob("*.py"):
        assert "advocacy_lab.checks" not in _imports(path), path.name


def test_each_draft_key_is_written_once_in_the_package():
    """Declared once in its module's schema; everything else derives it from there."""
    from advocacy_lab.core.course import load_course

    package = MODULES_DIR.parent
    files = [p for p in package.rglob("*") if p.suffix in (".py", ".json", ".js", ".j2", ".html") and p.is_file()]
    keys = [d.key for d in load_course().drafts]
    assert "campaign-message/message-builder" in keys
    for key in keys:
        where = [str(p.relative_to(package)) for p in files for _ in range(p.read_text(encoding="utf-8").count(key))]
        assert len(where) == 1 and where[0].startswith("modules/"), (key, where)
