"""Drafts survive what a self-paced learner's page goes through (issue #3, section 1).

Under Voila the drafts live in the learner's own browser (localStorage), so a
reload, a dead kernel and a restarted server all bring them back. With the
file store (``ADVOCACY_LAB_DRAFT_STORE=file``) a corrupted drafts file is put
aside and the learner is told so on the page.
"""
from __future__ import annotations

import json
import os
import signal

import psutil
import pytest
from playwright.sync_api import expect

from browser_support import APP_TIMEOUT_MS, UPDATE_TIMEOUT_MS, open_notebook
from conftest import stop_server

pytestmark = pytest.mark.browser

MODULE = "04-campaign-message.ipynb"
BUILDER_KEY = "campaign-message/message-builder"
STORAGE_KEY = "advocacy-lab:drafts:" + BUILDER_KEY
PROBLEM = "Children in Hà Nội breathe dirty air on the way to school."
POST = "Hãy ký kiến nghị: clean air for every school by 30 June. #CleanAir"


def open_module(page, base_url: str):
    return open_notebook(page, base_url, MODULE, ".al-post-text textarea")


def type_draft(page) -> None:
    page.locator(".al-problem textarea").fill(PROBLEM)
    page.locator(".al-post-text textarea").fill(POST)


def wait_saved_in_browser(page) -> None:
    """Wait until localStorage holds this very draft (not just any record)."""
    page.wait_for_function(
        """([key, problem, post]) => {
            const text = localStorage.getItem(key);
            if (!text) return false;
            try {
                const record = JSON.parse(text);
                return record.data.problem === problem && record.data.post === post
                    && typeof record.schema_version === 'number';
            } catch (e) { return false; }
        }""",
        arg=[STORAGE_KEY, PROBLEM, POST],
        timeout=UPDATE_TIMEOUT_MS,
    )


def expect_draft_back(page) -> None:
    # Generous: the new kernel first has to hear from the browser, on a machine that may be busy.
    try:
        expect(page.locator(".al-problem textarea")).to_have_value(PROBLEM, timeout=APP_TIMEOUT_MS)
    except AssertionError as exc:
        state = page.evaluate(
            """(key) => ({
                saved: localStorage.getItem(key),
                status: (document.querySelector('.al-drafts-status') || {}).innerText,
                notice: (document.querySelector('.al-drafts-notice') || {}).innerText,
                kernel: JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId,
            })""",
            STORAGE_KEY,
        )
        raise AssertionError(f"draft not restored; page state: {state}") from exc
    expect(page.locator(".al-post-text textarea")).to_have_value(POST, timeout=UPDATE_TIMEOUT_MS)
    # Restored drafts are checked again, as if just typed.
    expect(page.locator(".al-feedback")).to_contain_text("Ready to post", timeout=UPDATE_TIMEOUT_MS)


def page_kernel_id(page) -> str:
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    return config["kernelId"]


def kernel_processes(server, kernel_id: str) -> list[psutil.Process]:
    """The kernel process(es) of ``kernel_id``: children of the server with its connection file."""
    found = []
    for proc in psutil.Process(server.proc.pid).children(recursive=True):
        try:
            cmdline = " ".join(proc.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if f"kernel-{kernel_id}.json" in cmdline:
            found.append(proc)
    return found


def test_draft_is_back_after_a_reload(page, server_url):
    open_module(page, server_url)
    type_draft(page)
    wait_saved_in_browser(page)

    page.reload()
    page.locator(".al-post-text textarea").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    expect_draft_back(page)


def test_draft_is_back_after_the_kernel_dies(page, server):
    open_module(page, server.url)
    type_draft(page)
    wait_saved_in_browser(page)

    kernel_id = page_kernel_id(page)
    victims = kernel_processes(server, kernel_id)
    assert len(victims) == 1, f"expected the page's kernel {kernel_id} among the server's children"
    victims[0].send_signal(signal.SIGKILL)
    victims[0].wait(timeout=30)

    page.reload()
    page.locator(".al-post-text textarea").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    assert page_kernel_id(page) != kernel_id  # a new kernel, which knew nothing of the draft
    expect_draft_back(page)


def test_draft_is_back_after_a_server_restart(page, start_advocacy_server):
    first = start_advocacy_server()
    open_module(page, first.url)
    type_draft(page)
    wait_saved_in_browser(page)
    stop_server(first)
    assert first.proc.returncode is not None

    # Same port, hence the same origin and the same localStorage.
    second = start_advocacy_server(port=first.port)
    assert second.proc.pid != first.proc.pid
    open_module(page, second.url)
    expect_draft_back(page)


def saved_in_file(drafts_file) -> bool:
    try:
        top = json.loads(drafts_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    data = top.get("drafts", {}).get(BUILDER_KEY, {}).get("data", {})
    return data.get("problem") == PROBLEM and data.get("post") == POST


def test_file_store_under_voila_brings_the_draft_back_after_a_reload(page, start_advocacy_server, tmp_path):
    """Voila preheats kernels: the page must show the file as it is when the learner
    arrives, not as it was when the kernel ran the notebook ahead of time."""
    srv = start_advocacy_server(env={"ADVOCACY_LAB_DRAFT_STORE": "file", "ADVOCACY_LAB_DATA_DIR": str(tmp_path)})
    open_module(page, srv.url)
    type_draft(page)
    wait_until(page, lambda: saved_in_file(tmp_path / "drafts.json"), UPDATE_TIMEOUT_MS)

    page.reload()
    page.locator(".al-post-text textarea").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    expect_draft_back(page)
    # Editing one field keeps the others (the file is not overwritten with a stale draft).
    page.locator(".al-ask textarea").fill("Sign by 30 June.")
    wait_until(page, lambda: saved_in_file(tmp_path / "drafts.json") and "30 June" in (tmp_path / "drafts.json").read_text(encoding="utf-8"), UPDATE_TIMEOUT_MS)


def test_corrupted_drafts_file_is_put_aside_and_the_learner_told(page, start_advocacy_server, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    drafts_file = data_dir / "drafts.json"
    corrupted = b'{"schema_version": 1, "drafts": {"campaign-message/message-builder": {"data": {"po'
    drafts_file.write_bytes(corrupted)

    srv = start_advocacy_server(env={"ADVOCACY_LAB_DRAFT_STORE": "file", "ADVOCACY_LAB_DATA_DIR": str(data_dir)})
    open_module(page, srv.url)

    notice = page.locator(".al-drafts-notice")
    expect(notice).to_contain_text("could not be read", timeout=UPDATE_TIMEOUT_MS)
    backups = sorted(data_dir.glob("drafts.json.corrupt-*"))
    assert len(backups) == 1, sorted(p.name for p in data_dir.iterdir())
    assert backups[0].read_bytes() == corrupted  # kept as it was, byte for byte
    expect(notice).to_contain_text(backups[0].name)
    # Plain language: no traceback, no exception name, no server path.
    notice_text = notice.inner_text()
    for leak in ("Traceback", "JSONDecodeError", "Error:", str(data_dir)):
        assert leak not in notice_text

    # The store keeps working: a new draft is written to a fresh, valid file.
    type_draft(page)
    wait_until(page, lambda: saved_in_file(drafts_file), UPDATE_TIMEOUT_MS)
    assert backups[0].read_bytes() == corrupted  # the backup is never overwritten
    assert os.stat(drafts_file).st_size > 0


def wait_until(page, condition, timeout_ms: int) -> None:
    """Poll a Python-side condition, letting the page's event loop run between polls."""
    waited = 0
    while not condition():
        if waited >= timeout_ms:
            raise AssertionError(f"condition not met within {timeout_ms} ms")
        page.wait_for_timeout(200)
        waited += 200
