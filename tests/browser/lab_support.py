"""The environment's real ``jupyter lab`` for the browser tests, and running a notebook in it.

Trainers and hosted users open the course's widgets in JupyterLab, which has no
Voila template: what must hold there is tested against the ``jupyter lab`` of
the environment running the tests (never a mock), over a temporary folder.

* :func:`write_notebook` writes a notebook of code cells into a folder.
* :func:`jupyter_lab` starts ``jupyter lab`` over that folder: loopback only,
  a free port, no token or password, its runtime files, workspaces and user
  settings in the test's ``tmp_path`` (so neither a trainer's Lab nor another
  test is touched), no Voila variables inherited, drafts kept in memory; the
  log is ``tmp_path / "lab.log"`` (:func:`lab_log`). It yields the base URL and
  stops the whole process group (the kernels too) at the end.
* :func:`run_all_cells` opens a notebook in a Playwright page and runs every
  cell through JupyterLab's own command (``runmenu:run-all``, Run > Run All
  Cells), then waits until each code cell has run; an error in a cell fails
  at once with the cell's error text and the log's tail.

The user settings turn off the "Would you like to get notified about official
Jupyter news?" toast and the update check (nothing fetched from the internet,
nothing drawn over the notebook), and draw every cell (no windowing), so the
cells' outputs are in the page for the tests to read.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import nbformat

from browser_support import http_get
from server_support import free_port, wait_for

#: Starting Lab and its first kernel on a busy 2-core machine (seconds).
LAB_START_TIMEOUT = 120
#: Opening a notebook, or running its cells (ms): a failure is reported within about two minutes.
LAB_PAGE_TIMEOUT_MS = 60_000

#: Variables a Voila kernel or server would have set: a Lab kernel must not believe it is under Voila.
VOILA_VARIABLES = ("SERVER_SOFTWARE", "VOILA_KERNEL_ID", "VOILA_PREHEAT", "VOILA_BASE_URL", "VOILA_SERVER_URL",
                   "VOILA_APP_PORT")

#: User settings for a quiet, complete notebook page (JupyterLab 4 plugin ids -> settings).
LAB_SETTINGS = {
    # No news consent toast over the notebook and no update check: nothing is fetched.
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # Every cell in the DOM (Lab 4 draws only the visible ones by default).
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def write_notebook(folder: Path, name: str, *cells: str) -> Path:
    """``folder/name``: a Python 3 notebook of the given code cells, stored without outputs."""
    path = Path(folder) / name
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def lab_log(tmp_path: Path) -> Path:
    """Where :func:`jupyter_lab` writes Lab's log (and its kernels' stderr)."""
    return Path(tmp_path) / "lab.log"


def log_tail(tmp_path: Path, n: int = 4000) -> str:
    try:
        return lab_log(tmp_path).read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _write_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        path = settings_dir / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM lets Lab shut its kernels down; the process group is killed if it hangs (or left a kernel)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever of the group is left (a kernel Lab did not stop)
    except (ProcessLookupError, PermissionError):
        pass
    if proc.poll() is None:
        proc.wait(timeout=10)


@contextmanager
def jupyter_lab(folder: Path, tmp_path: Path, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``jupyter lab`` over ``folder``; yield its base URL (``http://127.0.0.1:<port>``).

    ``env`` adds to the environment Lab and its kernels get (e.g. ``ADVOCACY_LAB_LANG``).
    """
    tmp_path = Path(tmp_path)
    settings = tmp_path / "lab-settings"
    _write_settings(settings)
    port = free_port()
    cmd = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
        "--IdentityProvider.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={Path(folder).resolve()}",
        f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}", f"--LabApp.user_settings_dir={settings}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run JupyterLab's own commands
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    lab_env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "lab-runtime"),
        "ADVOCACY_LAB_DRAFT_STORE": "memory",  # nothing written for a test's drafts
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    for name in VOILA_VARIABLES:
        lab_env.pop(name, None)
    with lab_log(tmp_path).open("wb") as log:  # Lab has its own copy of the file
        proc = subprocess.Popen(cmd, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=lab_env,
                                start_new_session=True)

    def answers() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"jupyter lab exited with {proc.returncode}:\n{log_tail(tmp_path)}")
        try:
            return http_get(port, "/api/status", timeout=5)[0] == 200
        except OSError:
            return False

    try:
        try:
            wait_for(answers, "jupyter lab to answer", timeout=LAB_START_TIMEOUT)
        except AssertionError as failed:
            raise AssertionError(f"{failed}\n{log_tail(tmp_path)}") from None
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


# -- a notebook in the browser ------------------------------------------------------------------

#: JavaScript: the state of the current notebook's code cells, from JupyterLab's own model.
_CELLS_STATE = """(path) => {
    const app = window.jupyterapp;
    const panel = app && app.shell.currentWidget;
    if (!panel || !panel.content || !panel.sessionContext || !panel.context || panel.context.path !== path) return null;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    const cells = panel.content.widgets.filter((cell) => cell.model.type === 'code');
    return {
        kernel: kernel ? kernel.status : null,
        counts: cells.map((cell) => cell.model.executionCount),
        running: cells.some((cell) => cell.promptNode && cell.promptNode.textContent.includes('*')),
        errors: cells.flatMap((cell) => {
            const found = [];
            const outputs = cell.model.outputs;
            for (let i = 0; i < outputs.length; i++) {
                const out = outputs.get(i).toJSON();
                if (out.output_type === 'error') found.push(`${out.ename}: ${out.evalue}`);
            }
            return found;
        }),
    };
}"""


def open_lab_notebook(page, url: str, notebook_name: str, *, timeout_ms: int = LAB_PAGE_TIMEOUT_MS) -> None:
    """Open ``notebook_name`` (relative to Lab's folder) in ``page``; return once its kernel is idle."""
    page.goto(f"{url}/lab/tree/{notebook_name}", timeout=timeout_ms)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(state="visible", timeout=timeout_ms)
    # The kernel itself idle: the toolbar's indicator says "idle" before there is a kernel, and
    # running cells then runs nothing.
    page.wait_for_function(
        f"(path) => {{ const s = ({_CELLS_STATE})(path); return s && s.kernel === 'idle'; }}",
        arg=notebook_name, timeout=timeout_ms,
    )


def run_all_cells(page, url: str, notebook_name: str, *, timeout_ms: int = LAB_PAGE_TIMEOUT_MS,
                  tmp_path: Path | None = None) -> None:
    """Open the notebook, run all its cells with JupyterLab's Run All command, wait until all have run.

    Fails with the cells' error (and, given ``tmp_path``, the tail of Lab's log) if a cell raised.
    """
    open_lab_notebook(page, url, notebook_name, timeout_ms=timeout_ms)
    page.evaluate("() => window.jupyterapp.commands.execute('runmenu:run-all')")
    try:
        page.wait_for_function(
            f"""(path) => {{
                const s = ({_CELLS_STATE})(path);
                return s && (s.errors.length > 0
                    || (s.kernel === 'idle' && !s.running && s.counts.every((n) => n !== null)));
            }}""",
            arg=notebook_name, timeout=timeout_ms,
        )
    except Exception as failed:  # noqa: BLE001 - say what the notebook and the log show
        state = page.evaluate(_CELLS_STATE, notebook_name)
        raise AssertionError(
            f"{notebook_name}: its cells did not all run ({state}):\n{log_tail(tmp_path) if tmp_path else ''}"
        ) from failed
    state = page.evaluate(_CELLS_STATE, notebook_name)
    assert not state["errors"], f"{notebook_name}: a cell raised: {state['errors']}"
