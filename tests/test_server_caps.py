"""Kernel caps (server/caps.py): a GET flood meets a 503 and the server gets back to its pool.

* Unit tests: the language of the "room is full" page, the page itself, the
  client address (never ``X-Forwarded-For``), the default total cap.
* Against one real server (``AdvocacyVoila`` started as a subprocess with small
  caps: 8 kernels in all with its pool kernels (one per lesson), 2 per client, pages that never
  connect culled after 8 s), page loads from other loopback addresses
  (127.0.0.2, ...) play other clients. Every test starts from the server at
  rest (its pool only) and leaves it so.
"""
from __future__ import annotations

import asyncio
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from advocacy_lab.core.catalogue import text
from advocacy_lab.server.caps import (
    MAX_DEFAULT_KERNELS,
    MIN_DEFAULT_KERNELS,
    RETRY_AFTER,
    KernelCapsMixin,
    RoomFull,
    client_address,
    default_max_kernels,
    preferred_language,
    room_full_page,
)
from server_support import ROOT, Page, pools_warm, request, start_server, stop_server, wait_for

NB = "04-campaign-message.ipynb"
#: One preheated kernel per lesson (voila.json): counted, not kept by hand (module 03 made it 4).
POOL = len(list((ROOT / "notebooks").glob("*.ipynb")))
MAX_KERNELS = 8
PER_CLIENT = 2
UNCONNECTED = 8  # seconds
GiB = 1024**3


# -- unit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header,lang",
    [
        (None, "en"),
        ("", "en"),
        ("vi", "vi"),
        ("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7", "vi"),
        ("en-US,en;q=0.9,vi;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,vi;q=0.5", "vi"),
        ("fr,de", "en"),
        ("en;q=0.2,vi;q=0.6", "vi"),
        ("vi;q=0", "en"),
        ("vi;q=abc,en", "en"),
        ("*", "en"),
    ],
)
def test_room_full_page_language_follows_accept_language(header, lang):
    assert preferred_language(header) == lang


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_room_full_page_is_plain_html_from_the_catalogue(lang):
    page = room_full_page(lang)
    assert f'<html lang="{lang}">' in page
    for key in ("server.full.title", "server.full.body", "server.full.trainer", "server.full.retry"):
        assert text(key, lang) in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:href|src)=["']?(?:https?:)?//""", page)


def test_client_address_is_the_peer_never_a_forwarded_header():
    def request_from(peer, remote_ip):
        context = SimpleNamespace(address=(peer, 5555), remote_ip=remote_ip)
        return SimpleNamespace(connection=SimpleNamespace(context=context), remote_ip=remote_ip)

    # With xheaders on, Tornado puts X-Forwarded-For into remote_ip; the peer stays.
    assert client_address(request_from("192.168.1.20", "10.9.8.7")) == "192.168.1.20"
    assert client_address(request_from("::ffff:192.168.1.20", "::ffff:192.168.1.20")) == "192.168.1.20"
    assert client_address(SimpleNamespace(remote_ip="192.168.1.21")) == "192.168.1.21"


def test_default_total_cap_is_half_the_memory_in_kernels():
    assert default_max_kernels(8 * GiB) == 40
    assert default_max_kernels(16 * GiB) == 81
    assert default_max_kernels(1 * GiB) == MIN_DEFAULT_KERNELS
    assert default_max_kernels(4096 * GiB) == MAX_DEFAULT_KERNELS
    assert MIN_DEFAULT_KERNELS <= default_max_kernels() <= MAX_DEFAULT_KERNELS


class _Ledger(KernelCapsMixin):
    """The caps' ledger over a stand-in for Voila's kernel manager: real kernel-like processes."""

    def __init__(self, processes):
        self.kernels = {kernel_id: SimpleNamespace(provisioner=SimpleNamespace(process=proc))
                        for kernel_id, proc in processes.items()}
        self.max_kernels, self.max_kernels_per_client = 3, 2

    def __contains__(self, kernel_id):
        return kernel_id in self.kernels

    def get_kernel(self, kernel_id):
        return self.kernels[kernel_id]


def test_a_kernel_whose_process_ended_gives_its_place_back():
    import subprocess
    import sys

    procs = {k: subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for k in ("k1", "k2")}
    try:
        ledger = _Ledger(procs)
        for kernel_id in procs:
            load = ledger.admit("192.0.2.7")
            ledger._give(load, kernel_id)
        with pytest.raises(RoomFull) as full:
            ledger.admit("192.0.2.7")
        assert (full.value.which, full.value.held) == ("client", 2)
        assert full.value.counted == "0 pool, 2 learners, 0 loading"
        # A shutdown that failed, or a crash before a restart: the manager still lists k1,
        # but its process is gone and holds no memory.
        procs["k1"].kill()
        procs["k1"].wait()
        assert "k1" in ledger
        assert ledger.kernels_of("192.0.2.7") == 1 and ledger.kernels_held() == 1
        ledger.admit("192.0.2.7")
        # The total cap counts the same way: k2 and the page load under way, one place left.
        assert ledger.kernels_held() == 2
        ledger.admit("192.0.2.8")
        with pytest.raises(RoomFull) as full:
            ledger.admit("192.0.2.9")
        assert full.value.which == "total"
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait()


# -- a real server ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(
        tmp_path_factory.mktemp("caps"),
        traits=[
            f"--AdvocacyVoila.max_kernels={MAX_KERNELS}",
            f"--AdvocacyVoila.max_kernels_per_client={PER_CLIENT}",
            f"--AdvocacyVoila.unconnected_timeout={UNCONNECTED}",
        ],
        ready=pools_warm,
    )
    yield srv
    stop_server(srv)


@pytest.fixture
def at_rest(server):
    """The server holds its pool only, before and after the test."""
    wait_for(lambda: len(server.kernels()) == POOL, f"the server back to its {POOL} pool kernels", 180)
    yield server
    wait_for(lambda: len(server.kernels()) == POOL, f"the server back to its {POOL} pool kernels", 180)


def load(server, source, headers=None):
    return request(server, "GET", f"/voila/render/{NB}", source=source, headers=headers or {})


def assert_room_full(status, headers, body, lang="en"):
    assert status == 503
    assert headers["Retry-After"] == str(RETRY_AFTER)
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode("utf-8")
    assert text("server.full.title", lang) in page
    assert "<script" not in page.lower()
    assert "kernelId" not in page


@pytest.mark.slow
def test_one_client_gets_its_share_then_a_room_full_page(at_rest):
    server = at_rest
    rooms_full = server.log_text().count("Room full")
    # A different X-Forwarded-For each time: were it trusted, each would be a new client.
    for i in range(PER_CLIENT):
        status, _, _ = load(server, "127.0.0.2", {"X-Forwarded-For": f"10.0.0.{i}"})
        assert status == 200
    status, headers, body = load(server, "127.0.0.2", {"X-Forwarded-For": "10.0.0.99",
                                                       "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert_room_full(status, headers, body, "vi")
    assert headers["Content-Language"] == "vi"
    # The refusal started no kernel: the pool (refilled) and the client's two.
    assert len(server.kernels()) <= POOL + PER_CLIENT
    wait_for(lambda: server.log_text().count("Room full") == rooms_full + 1, "one log line for the refusal")
    # Another client still gets in: that was the per-client cap, not the total.
    status, _, _ = load(server, "127.0.0.3")
    assert status == 200


@pytest.mark.slow
def test_a_page_that_never_connects_gives_its_kernel_back_early_and_pool_kernels_stay(at_rest):
    server = at_rest
    pool_before = server.kernel_ids()
    abandoned = Page.load(server, NB, source="127.0.0.2")
    kept = Page.load(server, "09-campaign-plan.ipynb", source="127.0.0.2")

    async def connect_and_wait_for_the_cull():
        await kept.connect()
        await kept.kernel_info()
        # Culled long before the 300 s idle cull; the connected page's kernel is not.
        wait_for(lambda: f"Culling kernel {abandoned.kernel_id}" in server.log_text(),
                 "the never-connected page's kernel culled", 150)
        wait_for(lambda: abandoned.kernel_id not in server.kernel_ids(), "its process gone", 60)
        assert kept.kernel_id in server.kernel_ids()
        # The connection still works.
        await kept.kernel_info()
        await kept.close()

    asyncio.run(connect_and_wait_for_the_cull())
    assert f"Culling kernel {kept.kernel_id}" not in server.log_text()
    # The pool kernels of the other lessons were never taken and waited all along: never culled.
    untaken = pool_before - {abandoned.kernel_id, kept.kernel_id}
    assert len(untaken) == POOL - 2 and untaken <= server.kernel_ids()
    assert kept.leave() == 204  # as the page does on unload


@pytest.mark.slow
def test_get_flood_is_capped_and_the_server_gets_back_to_its_pool(at_rest):
    server = at_rest
    flood = 12
    peak = [0]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], len(server.kernels()))
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        # From this machine's own address: only the total cap applies to it.
        with ThreadPoolExecutor(flood) as pool:
            answers = list(pool.map(lambda _: load(server, "127.0.0.1"), range(flood)))
    finally:
        stop.set()
        watcher.join()
    statuses = [status for status, _, _ in answers]
    assert set(statuses) == {200, 503}, statuses
    # Every learner place was given (more only if a flooded page was culled meanwhile).
    assert statuses.count(200) >= MAX_KERNELS - POOL, (
        statuses, [line for line in server.log_lines() if "Room full" in line][-3:])
    for status, headers, body in answers:
        if status == 503:
            assert_room_full(status, headers, body)
    # The server never held more kernels than the cap.
    assert peak[0] <= MAX_KERNELS, peak
    # Nobody connects: back to the pool well before the 300 s idle cull (at_rest waits for it).
