"""The one-machine JupyterHub of deploy/jupyterhub/, end to end, with real Unix accounts (issue #12, part 2).

install.sh makes a trainer and three participants from a roster (into temporary places; the checkout's
.venv is the course's environment), the hub runs on loopback, and each step is run as its account:
the trainer releases through nbgrader's exchange; participants fetch, answer through the widgets and
submit; the trainer collects, grades (``advocacy-lab grade``), writes feedback and releases it;
participants fetch their feedback, with their score. Participants cannot list the exchange's inbound/
or feedback/, nor read anything in another participant's home. Through the hub, the trainer's server
has nbgrader's formgrader over the course folder and a participant's has not; a participant logs in
through the hub's page in Chromium and sees the assignment in nbgrader's Assignments panel, without
the trainer's tools. A last test runs install.sh without --venv: it makes the course's environment
with pip. Everything made is removed afterwards, even after a failure (hub_support.Hub.cleanup).

Wall time: 147 s on a quiet 2-core machine, 248 s on a busy one (``.venv/bin/python -m pytest
tests/test_hub.py -m hub``); the pip install of the environment test is 50 to 120 s of it.

Root only (CI runs as root); skipped with the reason elsewhere.
"""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from advocacy_lab.core.catalogue import text
from hub_support import (
    ANSWER, COURSE_ID, ROOT, VENV, free_port, get_json, logged_in, new_hub, open_as, probe, why_no_hub,
    write_roster,
)

pytestmark = [pytest.mark.hub, pytest.mark.slow]

ASSIGNMENT = NOTEBOOK = "campaign-message"
#: The autograded cells of campaign-message and their points (a written part, 6 points, is graded by hand).
FULL = {"post_passes_x_and_instagram": 2, "post_has_call_to_action": 1, "tracked_link_has_utm_parameters": 3,
        "weighted_length_of_vietnamese_post": 1, "vietnamese_post_fits_on_x": 1}
TOTAL = 14


@pytest.fixture(scope="module")
def hub(request):
    reason = why_no_hub()
    if reason:
        pytest.skip(reason)
    rig = new_hub()
    request.addfinalizer(rig.cleanup)  # first: whatever fails below, accounts and files go
    rig.let_accounts_run_the_environment()
    roster = write_roster(rig)
    rig.port = free_port()
    first = rig.install(roster)
    assert first.returncode == 0, first.stdout + first.stderr
    rig.passwords = {user: row["password"] for user, row in rig.read_sheet().items()}
    second = rig.install(roster)  # idempotent: test_install_twice_is_the_same checks what it kept
    assert second.returncode == 0, second.stdout + second.stderr
    rig.start()
    # The trainer releases the exercise into the exchange, as the guide says (advocacy-lab release).
    rig.release = rig.run_as(rig.trainer, str(VENV / "bin" / "advocacy-lab"), "release", ASSIGNMENT, cwd=rig.course)
    assert rig.release.returncode == 0, rig.release.stdout + rig.release.stderr
    return rig


def test_install_makes_private_accounts_a_sheet_and_the_exchange(hub):
    sheet = hub.read_sheet()
    assert set(sheet) == {hub.trainer, *hub.participants}
    assert {p: sheet[p]["name"] for p in hub.participants} == hub.names
    info = (hub.etc / "passwords.csv").stat()
    import pwd

    assert stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == pwd.getpwnam(hub.trainer).pw_uid
    assert info.st_gid == 0
    for user in (hub.trainer, *hub.participants):
        home = hub.home(user).stat()
        assert stat.S_IMODE(home.st_mode) == 0o700 and home.st_uid == pwd.getpwnam(user).pw_uid
    # A participant cannot read the sheet; the trainer can.
    seen = probe(hub, hub.participants[0], [("read", hub.etc / "passwords.csv")])
    assert seen == {str(hub.etc / "passwords.csv"): "PermissionError"}
    assert probe(hub, hub.trainer, [("read", hub.etc / "passwords.csv")]) == {str(hub.etc / "passwords.csv"): "ok"}
    # nbgrader's documented exchange: ugo+rw (and the sticky bit, as /tmp).
    assert stat.S_IMODE(hub.exchange.stat().st_mode) == 0o1777
    settings = json.loads((hub.etc / "hub.json").read_text())
    assert settings["trainer"] == hub.trainer and settings["participants"] == hub.participants
    assert text("trainer.release.in_exchange", assignment=ASSIGNMENT, exchange=hub.exchange) in hub.release.stdout


def test_install_twice_is_the_same(hub):
    first, second = hub.install_runs[:2]
    assert text("trainer.hub.accounts", participants=3, passwords=4, sheet=hub.etc / "passwords.csv") in first.stdout
    assert {user: row["password"] for user, row in hub.read_sheet().items()} == hub.passwords
    assert text("trainer.hub.accounts", participants=3, passwords=0, sheet=hub.etc / "passwords.csv") in second.stdout


def _fetched_feedback(hub, user: str) -> list[Path]:
    return sorted((hub.home(user) / ASSIGNMENT / "feedback").glob(f"*/{NOTEBOOK}.html"))


def test_the_whole_cycle_each_step_as_its_account(hub):
    solved, blank, third = hub.participants
    trainer, course = hub.trainer, hub.course
    nbgrader = str(VENV / "bin" / "nbgrader")
    advocacy_lab = str(VENV / "bin" / "advocacy-lab")

    def ok(proc):
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    for user in hub.participants:
        ok(hub.run_as(user, nbgrader, "fetch_assignment", ASSIGNMENT))
        assert (hub.home(user) / ASSIGNMENT / f"{NOTEBOOK}.ipynb").is_file()
    for user in (solved, third):  # the blank one submits the exercise as fetched
        ok(hub.python_as(user, ANSWER, str(hub.home(user) / ASSIGNMENT), PYTHONPATH=str(ROOT / "tests")))
        assert (hub.home(user) / ASSIGNMENT / f"{NOTEBOOK}.answers.json").is_file()
    for user in hub.participants:
        ok(hub.run_as(user, nbgrader, "submit", ASSIGNMENT))

    ok(hub.run_as(trainer, nbgrader, "collect", ASSIGNMENT, cwd=course))
    ok(hub.run_as(trainer, advocacy_lab, "grade", ASSIGNMENT, cwd=course))
    ok(hub.run_as(trainer, advocacy_lab, "feedback", ASSIGNMENT, cwd=course))
    ok(hub.run_as(trainer, nbgrader, "release_feedback", ASSIGNMENT, cwd=course))
    for user in hub.participants:
        ok(hub.run_as(user, nbgrader, "fetch_feedback", ASSIGNMENT))

    # Real scores, in the trainer's gradebook.
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        auto = {
            user: {g.name: g.score for g in gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, user).grades
                   if g.cell.cell_type == "code"}
            for user in hub.participants
        }
    assert auto[solved] == FULL and auto[third] == FULL
    assert auto[blank] == {name: 0 for name in FULL}

    # Each participant has their own page, in their language, with their score (nobody wrote the
    # written part: nbgrader scores an untouched written answer 0 itself).
    for user, score in ((solved, sum(FULL.values())), (blank, 0), (third, sum(FULL.values()))):
        (page,) = _fetched_feedback(hub, user)
        shown = page.read_text(encoding="utf-8")
        assert text("trainer.feedback.total", hub.langs[user], score=str(score), max_score=str(TOTAL)) in shown
        assert f'<html lang="{hub.langs[user]}">' in shown


def test_a_participant_cannot_see_the_others_work(hub):
    """After the cycle: what another participant could reach of a submission or a feedback page.

    nbgrader's exchange hides by folder permissions and unguessable names: inbound/ is write-only
    and feedback/ traverse-only for participants (the files in them are named with a random part
    and a hash of the submission's secret), and each home folder is private (0700).
    """
    solved, blank, _ = hub.participants
    inbound = hub.exchange / COURSE_ID / "inbound"
    feedback = hub.exchange / COURSE_ID / "feedback"
    submissions = sorted(inbound.glob(f"{solved}+{ASSIGNMENT}+*"))
    if not submissions or not _fetched_feedback(hub, solved):
        pytest.skip("needs the cycle of test_the_whole_cycle_each_step_as_its_account")
    submitted = submissions[0]
    guessed = inbound / "+".join(submitted.name.split("+")[:3])  # the name without its random part
    released = sorted(feedback.glob("*.html"))
    page = _fetched_feedback(hub, solved)[0]
    seen = probe(hub, blank, [
        ("list", inbound), ("list", feedback), ("read", guessed / f"{NOTEBOOK}.ipynb"),
        ("list", hub.home(solved)), ("read", hub.home(solved) / ASSIGNMENT / f"{NOTEBOOK}.ipynb"),
        ("list", page.parent), ("read", page),
    ])
    assert seen == {
        str(inbound): "PermissionError",
        str(feedback): "PermissionError",
        str(guessed / f"{NOTEBOOK}.ipynb"): "FileNotFoundError",
        str(hub.home(solved)): "PermissionError",
        str(hub.home(solved) / ASSIGNMENT / f"{NOTEBOOK}.ipynb"): "PermissionError",
        str(page.parent): "PermissionError",
        str(page): "PermissionError",
    }
    # The trainer, who collects, can list inbound/; feedback pages are there, one per participant.
    assert probe(hub, hub.trainer, [("list", inbound)]) == {str(inbound): "ok"}
    assert len(released) == 3


def test_the_trainer_has_the_formgrader_over_the_course_and_a_participant_has_not(hub):
    """Through the hub, as each logs in: the trainer's server runs nbgrader's formgrader on the
    course folder (the released assignment is there); a participant's has no formgrader."""
    trainer = logged_in(hub, hub.trainer, hub.passwords[hub.trainer])
    status = get_json(hub, trainer, f"/user/{hub.trainer}/api/status")
    assert "started" in status
    assignments = get_json(hub, trainer, f"/user/{hub.trainer}/formgrader/api/assignments")
    assert ASSIGNMENT in [a["name"] for a in assignments]
    user = hub.participants[1]
    participant = logged_in(hub, user, hub.passwords[user])
    get_json(hub, participant, f"/user/{user}/api/status")
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as refused:
        open_as(hub, participant, f"/user/{user}/formgrader/api/assignments")
    assert refused.value.code == 404
    # The Assignments panel's own API answers the participant, with the course's assignment.
    listed = get_json(hub, participant, f"/user/{user}/assignments?course_id={COURSE_ID}")
    assert ASSIGNMENT in json.dumps(listed)


def test_a_participant_logs_in_and_sees_the_assignment(hub):
    """Chromium (Debian's, never a downloaded build) through the hub's login page to JupyterLab's
    Assignments panel. Playwright's async API in its own loop: the session's sync Playwright of the
    browser tests must not be started before tests that run their own loop (tests/conftest.py)."""
    import asyncio

    from advocacy_lab.server.chromium import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing: scripts/ensure-chromium installs Debian's chromium")
    user = hub.participants[2]
    password = hub.passwords[user]

    async def visit() -> tuple[str, list[str]]:
        from playwright.async_api import async_playwright, expect

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
            try:
                page = await browser.new_page()
                await page.goto(f"{hub.url}/hub/login")
                await page.fill("#username_input", user)
                await page.fill("#password_input", password)
                await page.click("#login_submit")
                # The hub starts the participant's server, then JupyterLab opens (default URL /lab).
                await page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
                menu = page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")
                await expect(menu).to_be_visible(timeout=180_000)
                await menu.click()
                items = await page.locator(".lm-Menu-itemLabel").all_inner_texts()
                await page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
                # Released (or, after the cycle, downloaded and submitted) assignments of the course.
                panel = page.locator("#nbgrader-assignment-list")
                await expect(panel).to_contain_text(ASSIGNMENT, timeout=120_000)
                return await panel.inner_text(), items
            finally:
                await browser.close()

    shown, menu_items = asyncio.run(visit())
    assert ASSIGNMENT in shown
    assert "Assignment List" in menu_items
    assert not any("Formgrader" in item or "Create Assignment" in item for item in menu_items), menu_items


def test_install_makes_the_course_environment_every_account_can_run():
    """install.sh without --venv: the course's environment made with pip from this checkout (which
    stays as it was), runnable by the trainer's account. Its own accounts and places, removed after."""
    reason = why_no_hub()
    if reason:
        pytest.skip(reason)
    import subprocess

    rig = new_hub()
    rig.participants = []
    try:
        rig.let_accounts_run_the_environment()
        rig.port = free_port()
        before = subprocess.run(["git", "status", "--porcelain", "--ignored", "--", "build", "widgets"],
                                cwd=ROOT, capture_output=True, text=True).stdout
        proc = rig.install(None, venv=None)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        venv = rig.base / "opt" / "venv"
        assert json.loads((rig.etc / "hub.json").read_text())["venv"] == str(venv)
        for command in ("jupyterhub", "jupyterhub-singleuser", "advocacy-lab", "nbgrader"):
            assert (venv / "bin" / command).is_file(), command
        run = rig.run_as(rig.trainer, str(venv / "bin" / "python"), "-c",
                         "import advocacy_lab, nbgrader, jupyterhub; print(advocacy_lab.__file__)")
        assert run.returncode == 0, run.stdout + run.stderr
        assert run.stdout.strip().startswith(str(venv))  # the installed package, not the checkout's
        after = subprocess.run(["git", "status", "--porcelain", "--ignored", "--", "build", "widgets"],
                               cwd=ROOT, capture_output=True, text=True).stdout
        assert after == before
    finally:
        rig.cleanup()


def test_install_stops_when_other_accounts_cannot_run_the_environment(tmp_path: Path):
    """An environment in a folder only root can enter (pyenv's Python under /root is the common case):
    install.sh says why and stops before it makes any account or folder."""
    import subprocess

    reason = why_no_hub()
    if reason:
        pytest.skip(reason)
    private = tmp_path / "private"  # pytest's tmp_path is root's alone (0700) as well
    (private / "venv" / "bin").mkdir(parents=True)
    private.chmod(0o700)
    for command in ("python", "jupyterhub", "jupyterhub-singleuser", "advocacy-lab", "nbgrader"):
        (private / "venv" / "bin" / command).symlink_to(VENV / "bin" / command)
    places = tmp_path / "places"
    proc = subprocess.run(
        ["bash", str(ROOT / "deploy" / "jupyterhub" / "install.sh"), "--trainer", "al-never-made",
         "--venv", str(private / "venv"), "--etc", str(places / "etc"), "--jupyter-etc", str(places / "jupyter"),
         "--exchange", str(places / "exchange"), "--state", str(places / "state"), "--home-base", str(places / "home")],
        cwd="/", capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    assert f"other accounts cannot run {private / 'venv' / 'bin' / 'python'}" in proc.stderr
    assert "--python /usr/bin/python3" in proc.stderr
    assert not places.exists()
    import pwd

    with pytest.raises(KeyError):
        pwd.getpwnam("al-never-made")
