"""The trainer's dashboard for real: ``advocacy-lab trainer`` started as a trainer starts it, in Chromium.

Over a course graded by the real ``nbgrader autograde`` (two learners, a roster of three): the
page at 390 px shows the report's views (a chart per part, the checks that failed, who has not
submitted, manual grading), learner text as text, no serious or critical axe-core violation, and
the views change by themselves when a manual grade is saved in the gradebook. The learners'
server (``advocacy-lab serve``) does not serve the dashboard, by any path.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from advocacy_lab.assignment import campaign_message
from advocacy_lab.course import nbgrader_env, release_exercises
from assignment_support import SOLUTION_LINK, answer_through_widgets, nbgrader, submit
from browser_support import ROOT, blocking_violations, http_get
from server_support import advocacy_lab_command, free_port, wait_for

pytestmark = pytest.mark.browser

MESSAGE = campaign_message.ASSIGNMENT
WRITTEN = "message_box_own_coalition"
PHONE = {"width": 390, "height": 844}
HOSTILE_POST = "Write to binh@example.org or @binh_ng <b>now</b> & sign: https://example.org/petition/binh"
ROSTER = [
    {"id": "an", "name": "Nguyễn Văn An", "organisation": "Green Hanoi", "language": "en"},
    {"id": "binh", "name": "Trần Thị Bình", "organisation": "Youth & Co", "language": "vi"},
    {"id": "dung", "name": "Đỗ Văn Dũng", "organisation": "Open Budget Now", "language": "en"},
]


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    course = tmp_path_factory.mktemp("dashboard-course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    release_exercises(course, (MESSAGE,))
    (course / "roster.json").write_text(json.dumps({"schema_version": 1, "participants": ROSTER}), encoding="utf-8")
    release = nbformat.read(course / "exercises" / MESSAGE / f"{MESSAGE}.ipynb", as_version=4)
    for cell in release.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == WRITTEN:
            cell.source = "- **Problem:** the district budget is not published."
    submit(course, MESSAGE, MESSAGE, "an", release, answer_through_widgets)
    submit(course, MESSAGE, MESSAGE, "binh", release, lambda folder: answer_through_widgets(
        folder, post=HOSTILE_POST, link={**SOLUTION_LINK, "source": "twitter"}))
    proc = nbgrader(course, "autograde", MESSAGE, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return course


@pytest.fixture(scope="module")
def dashboard_url(course: Path, tmp_path_factory):
    """``advocacy-lab trainer`` on a free loopback port, as a trainer starts it; stopped after the tests."""
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard-log") / "trainer.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*advocacy_lab_command(), "trainer", "--course", str(course), "--port", str(port), "--no-browser"],
            cwd=course, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=nbgrader_env(),
        )

    def listening():
        if proc.poll() is not None:
            raise RuntimeError(f"advocacy-lab trainer exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        return "is running at" in log.read_text(errors="replace")

    try:
        # Voila says when it listens; a page load runs the dashboard in a new kernel, so it is not polled.
        wait_for(listening, "the trainer's dashboard listening", timeout=120)
        said = log.read_text(errors="replace")
        assert f"http://127.0.0.1:{port}/" in said  # the address the trainer is told
        yield f"http://127.0.0.1:{port}/"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the command stops Voila and its kernel with it
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def test_the_dashboard_shows_the_views_on_a_phone_and_follows_the_gradebook(page, course: Path, dashboard_url: str):
    page.set_viewport_size(PHONE)
    page.goto(dashboard_url)
    views = page.locator(".al-report-views")
    expect(views).to_be_visible(timeout=90_000)
    expect(page.locator(".al-dashboard-picker select")).to_have_value(MESSAGE)
    for heading in ("Scores of each part", "Checks that failed most", "Not submitted", "Manual grading"):
        expect(views.get_by_role("heading", name=heading)).to_be_visible()
    charts = views.locator(".al-report-part svg")
    expect(charts).to_have_count(6)  # five autograded parts and the written one
    assert charts.first.bounding_box()["width"] <= PHONE["width"]
    expect(views.locator(".al-report-absent")).to_contain_text("Đỗ Văn Dũng")
    expect(views.locator(".al-report-absent")).to_contain_text("Open Budget Now")
    # The learner's markup is shown as text, and her address and handle are masked.
    example = views.locator(".al-report-example", has_text="now</b>").first
    expect(example).to_be_visible()
    expect(example.locator("b")).to_have_count(0)
    expect(views).not_to_contain_text("binh@example.org")
    expect(views).not_to_contain_text("@binh_ng")
    expect(views).not_to_contain_text("/petition/binh")
    expect(views.locator(".al-report-manual")).to_contain_text("0 of 2 graded")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert blocking_violations(page) == []

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # as formgrader saves a manual grade
        grade = gb.find_grade(WRITTEN, MESSAGE, MESSAGE, "an")
        grade.manual_score = 5
        grade.needs_manual_grade = False
        gb.db.commit()
    # No reload: the dashboard sees the gradebook change and shows the views again.
    expect(views.locator(".al-report-manual")).to_contain_text("1 of 2 graded", timeout=30_000)


def test_the_learners_server_does_not_serve_the_dashboard(server):
    paths = (
        "/voila/render/dashboard.ipynb",
        "/voila/render/trainer/dashboard.ipynb",
        "/voila/render/../widgets/advocacy_lab/trainer/dashboard.ipynb",
        "/voila/render/%2e%2e/widgets/advocacy_lab/trainer/dashboard.ipynb",
        "/voila/files/../widgets/advocacy_lab/trainer/dashboard.ipynb",
        "/voila/files/dashboard.ipynb",
        "/voila/tree/trainer",
    )
    for path in paths:
        status, _, body = http_get(server.port, path)
        assert status != 200 and b"Trainer's dashboard" not in body and b"al-dashboard" not in body, (path, status)
    # And no learner's page links to it.
    status, headers, _ = http_get(server.port, "/")
    landing = headers.get("Location") or headers.get("location")
    status, _, body = http_get(server.port, landing)
    assert status == 200 and b"dashboard.ipynb" not in body and b"al-dashboard" not in body, landing
    assert b":8867" not in body and b"advocacy-lab trainer" not in body
