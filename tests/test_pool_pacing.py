"""Pool refills wait for a quiet moment and warm one at a time (server/pool.py).

* Unit tests drive :class:`PacedRefillMixin` over ``FakeVoilaKernelManager``: the
  part of Voila's ``VoilaKernelManager`` (voila/voila_kernel_manager.py) the mixin
  relies on, with the same shapes: ``_pools`` maps a notebook to a list of tasks,
  each created by ``fill_if_needed`` from ``self._initialize(...)`` and resolving to
  ``{"task", "renderer", "kernel_id"}``; ``get_rendered_notebook`` pops ``pool[0]``,
  awaits it and refills. Kernels "start" at once and their notebooks finish when
  the test says, so the tests assert on the order of events, never on durations.
  The mixin reaches it the way the server does (``paced_class``, which
  ``paced_pools`` applies while Voila builds its manager) or via ``pace_refills``
  on a manager that exists.
* One integration test starts the real ``advocacy-lab serve`` with a pool of 3,
  takes the 3 kernels with plain HTTP GETs and watches the refills through the
  server's log and the kernel processes (psutil): never two warming at once.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time

import psutil
import pytest

from advocacy_lab.server.pool import PacedRefillMixin, pace_refills, paced_class, paced_pools
from server_support import request, start_server, stop_server

NB = "04-campaign-message.ipynb"
#: Bound on every wait for something that should happen (never a measured duration).
EVENTUALLY = 10.0


async def wait_before(delay, aw):  # as voila.voila_kernel_manager.wait_before
    await asyncio.sleep(delay)
    return await aw


class FakeVoilaKernelManager:
    """Voila's preheating kernel manager without kernels; records what happens.

    ``events`` holds ``(what, kernel, loop_time)`` with ``what`` one of "take"
    (a learner asked for a kernel), "start" (``_initialize`` began starting a
    kernel), "done" (that kernel's notebook finished).
    """

    fill_delay = 0.0
    log = logging.getLogger("fake-voila-kernel-manager")  # Voila's is a LoggingConfigurable

    def __init__(self, pool_size: int):
        self.pool_size = pool_size
        self._pools: dict[str, list[asyncio.Task]] = {}
        self.events: list[tuple[str, str, float]] = []
        self.notebook_done: dict[str, asyncio.Future] = {}
        self._count = 0

    def _note(self, what: str, kernel: str) -> None:
        self.events.append((what, kernel, asyncio.get_running_loop().time()))

    def kernels(self, what: str) -> list[str]:
        return [k for w, k, _ in self.events if w == what]

    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
        delay = delay if delay is not None else self.fill_delay
        pool = self._pools.setdefault(notebook_name, [])
        loop = asyncio.get_running_loop()
        for _ in range(self.pool_size - len(pool)):
            # As Voila: the coroutine is made here, from whatever class the manager has now.
            pool.append(loop.create_task(wait_before(delay, self._initialize(notebook_name, None, **kwargs))))

    async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
        if kernel_id is None:
            self._count += 1
            kernel_id = f"k{self._count}"
        # The notebook's end is there to set as soon as the start is seen (a test may
        # finish a kernel it has just seen start, before this coroutine runs again).
        finished = asyncio.get_running_loop().create_future()
        self.notebook_done[kernel_id] = finished
        self._note("start", kernel_id)
        await asyncio.sleep(0)  # starting a kernel gives the loop back

        async def render():
            await finished
            self._note("done", kernel_id)
            return ["<div>rendered</div>"], None

        task = asyncio.get_running_loop().create_task(render())
        return {"task": task, "renderer": object(), "kernel_id": kernel_id}

    async def get_rendered_notebook(self, notebook_name, extra_kernel_env_variables={}, **kwargs):
        if not self._pools.get(notebook_name):
            raise Exception(f"Kernel pool for {notebook_name} is empty!")
        self._note("take", "")
        pool_item = self._pools[notebook_name].pop(0)
        content = await pool_item
        self.fill_if_needed(delay=None, notebook_name=notebook_name)
        return content["task"], [], content["kernel_id"]

    async def shutdown_all(self, *args, **kwargs):
        # As Voila: forget the pools, then wait for every pool task and shut its kernel down.
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            for task in tuple(pool):
                try:
                    await task
                except Exception:
                    pass

    def finish(self, kernel_id: str) -> None:
        self.notebook_done[kernel_id].set_result(None)

    async def shutdown(self) -> None:
        tasks = [t for pool in self._pools.values() for t in pool]
        for fut in self.notebook_done.values():
            if not fut.done():
                fut.set_result(None)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def started_server_manager(pool_size: int, concurrency: int, quiet: float, max_wait: float):
    """A manager whose start-up fill has run (unpaced, as in Voila), then paced."""
    km = FakeVoilaKernelManager(pool_size)
    km.fill_if_needed(delay=0, notebook_name=NB)  # Voila's __init__, before init_settings paces it
    pace_refills(km, concurrency, quiet, max_wait)
    await asyncio.gather(*km._pools[NB])
    for kernel in km.kernels("start"):
        km.finish(kernel)
    await asyncio.sleep(0)
    return km


async def until(condition, what: str, timeout: float = EVENTUALLY):
    """Wait until ``condition()`` holds; fail naming ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.02)


async def take(km) -> str:
    _task, _cache, kernel_id = await km.get_rendered_notebook(notebook_name=NB, extra_kernel_env_variables={})
    return kernel_id


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


# --------------------------------------------------------------------------- pace_refills


@pytest.mark.parametrize(
    "concurrency, quiet, max_wait, problem",
    [
        (0, 3.0, 30.0, "concurrency"),
        (-1, 3.0, 30.0, "concurrency"),
        (1, 31.0, 30.0, "quiet"),
        (1, -1.0, 30.0, "quiet"),
    ],
)
def test_pace_refills_refuses_nonsense(concurrency, quiet, max_wait, problem):
    km = FakeVoilaKernelManager(1)
    with pytest.raises(ValueError, match=problem):
        pace_refills(km, concurrency, quiet, max_wait)
    assert type(km) is FakeVoilaKernelManager


def test_pace_refills_twice_does_not_stack_mixins():
    km = FakeVoilaKernelManager(1)
    pace_refills(km, 2, 1.0, 5.0)
    first_class = type(km)
    pace_refills(km, 1, 0.5, 2.0)
    assert type(km) is first_class
    assert type(km).__mro__.count(PacedRefillMixin) == 1
    assert isinstance(km, FakeVoilaKernelManager)
    assert (km.refill_concurrency, km.refill_quiet, km.refill_max_wait) == (1, 0.5, 2.0)


def test_pace_refills_leaves_a_manager_without_preheating_alone():
    class NormalKernelManager:  # Voila's manager when preheat_kernel is off
        def get_pool_size(self, nb):
            return 0

    km = NormalKernelManager()
    pace_refills(km, 1, 3.0, 30.0)
    assert type(km) is NormalKernelManager


def test_paced_class_puts_the_mixin_in_front_once_with_the_settings():
    paced = paced_class(FakeVoilaKernelManager, 2, 1.5, 9.0)
    assert paced.__mro__[:3] == (paced, PacedRefillMixin, FakeVoilaKernelManager)
    assert (paced.refill_concurrency, paced.refill_quiet, paced.refill_max_wait) == (2, 1.5, 9.0)
    again = paced_class(paced, 1, 0.5, 2.0)
    assert again.__mro__.count(PacedRefillMixin) == 1
    assert (again.refill_concurrency, again.refill_quiet, again.refill_max_wait) == (1, 0.5, 2.0)
    with pytest.raises(ValueError, match="concurrency"):
        paced_class(FakeVoilaKernelManager, 0)
    with pytest.raises(ValueError, match="quiet"):
        paced_class(FakeVoilaKernelManager, 1, 5.0, 1.0)


def test_paced_pools_paces_the_class_voila_builds_and_only_while_it_builds():
    import voila.app as voila_app
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    original = voila_app.voila_kernel_manager_factory
    with paced_pools(1, 2.0, 20.0):
        preheating = voila_app.voila_kernel_manager_factory(AsyncMappingKernelManager, True, 1)
        plain = voila_app.voila_kernel_manager_factory(AsyncMappingKernelManager, False, 1)
    assert voila_app.voila_kernel_manager_factory is original
    assert issubclass(preheating, PacedRefillMixin)
    assert preheating.__mro__.count(PacedRefillMixin) == 1
    assert (preheating.refill_concurrency, preheating.refill_quiet, preheating.refill_max_wait) == (1, 2.0, 20.0)
    assert not issubclass(plain, PacedRefillMixin)  # preheating off: nothing to pace
    assert not issubclass(original(AsyncMappingKernelManager, True, 1), PacedRefillMixin)

    with pytest.raises(RuntimeError, match="boom"), paced_pools(1):
        raise RuntimeError("boom")
    assert voila_app.voila_kernel_manager_factory is original
    with pytest.raises(ValueError):
        with paced_pools(0):
            pass
    assert voila_app.voila_kernel_manager_factory is original


# --------------------------------------------------------------------------- behaviour


def test_pace_refills_leaves_a_fill_already_under_way_alone():
    # pace_refills changes the class of a manager that exists, so the pool its
    # constructor is filling keeps going as Voila started it.
    async def scenario():
        km = FakeVoilaKernelManager(3)
        km.fill_if_needed(delay=0, notebook_name=NB)
        pace_refills(km, 1, 30.0, 60.0)
        await asyncio.gather(*km._pools[NB])
        # All three started although none has finished its notebook and concurrency is 1.
        assert km.kernels("start") == ["k1", "k2", "k3"]
        assert km.kernels("done") == []
        await km.shutdown()

    run(scenario())


def test_start_up_fill_of_a_paced_class_warms_a_few_at_a_time_then_one_once_learners_came():
    async def scenario():
        km = paced_class(FakeVoilaKernelManager, 1, 0.0, 5.0)(pool_size=6)
        few = km.preheat_concurrency
        assert 1 <= few < 6
        km.fill_if_needed(delay=0, notebook_name=NB)  # what Voila's constructor does
        await until(lambda: len(km.kernels("start")) == few, "the first kernels warm")
        await asyncio.sleep(1.0)
        assert len(km.kernels("start")) == few  # the others wait for a free slot
        km.finish(km.kernels("start")[0])
        await until(lambda: len(km.kernels("start")) == few + 1, "a freed slot is taken")
        for kernel in km.kernels("start")[1:]:
            km.finish(kernel)
        await until(lambda: len(km.kernels("start")) == 6, "the rest of the pool warms")
        warming = km.kernels("start")[few + 1:]
        assert warming and not set(warming) & set(km.kernels("done"))
        # A learner arrives: from now on one refill at a time, counting the start-up kernels
        # still warming, so the refill waits for all of them.
        assert await take(km) == "k1"
        await asyncio.sleep(1.0)
        assert "k7" not in km.kernels("start")
        for kernel in warming[:-1]:
            km.finish(kernel)
        await asyncio.sleep(1.0)
        assert "k7" not in km.kernels("start")
        km.finish(warming[-1])
        await until(lambda: "k7" in km.kernels("start"), "the refill starts once no kernel warms")
        await km.shutdown()

    run(scenario())


def test_one_refill_at_a_time_each_holds_its_slot_until_its_notebook_ran():
    async def scenario():
        km = await started_server_manager(pool_size=2, concurrency=1, quiet=0.0, max_wait=5.0)
        assert await take(km) == "k1"
        assert await take(km) == "k2"  # two refills are now due: k3, k4
        await until(lambda: "k3" in km.kernels("start"), "the first refill starts")
        # k3's kernel has started but its notebook has not run: k4 must wait, however long.
        await asyncio.sleep(1.0)
        assert "k4" not in km.kernels("start")
        km.finish("k3")
        await until(lambda: "k4" in km.kernels("start"), "the second refill starts after the first")
        refills = [(w, k) for w, k, _ in km.events if k in ("k3", "k4")]
        assert refills == [("start", "k3"), ("done", "k3"), ("start", "k4")]
        km.finish("k4")
        await until(lambda: len(km._pools[NB]) == 2 and all(t.done() for t in km._pools[NB]), "pool full again")
        await km.shutdown()

    run(scenario())


def test_concurrency_two_lets_two_refills_warm_together():
    async def scenario():
        km = await started_server_manager(pool_size=3, concurrency=2, quiet=0.0, max_wait=5.0)
        for _ in range(3):
            await take(km)
        await until(lambda: len(km.kernels("start")) == 5, "two refills warm together")
        await asyncio.sleep(1.0)
        assert len(km.kernels("start")) == 5  # the third waits for a free slot
        km.finish(km.kernels("start")[3])
        await until(lambda: len(km.kernels("start")) == 6, "the third refill takes the free slot")
        await km.shutdown()

    run(scenario())


def test_refills_wait_while_learners_keep_arriving_then_start_after_the_quiet():
    quiet = 0.3

    async def scenario():
        km = await started_server_manager(pool_size=20, concurrency=1, quiet=quiet, max_wait=60.0)
        initial = set(km.kernels("start"))
        for _ in range(12):  # a learner every 0.1 s for over a second: never quiet
            await take(km)
            await asyncio.sleep(0.1)
        # Max wait is 60 s: a refill starting within EVENTUALLY can only be the quiet's doing.
        await until(lambda: len(km.kernels("start")) > len(initial), "a refill starts once it is quiet")
        takes = [t for w, _, t in km.events if w == "take"]
        refill_starts = [(k, t) for w, k, t in km.events if w == "start" and k not in initial]
        for kernel, t in refill_starts:
            previous_take = max(x for x in takes if x <= t)
            # Never sooner than the quiet time after the latest learner (a noisy
            # machine can only make this gap longer).
            assert t - previous_take >= quiet - 0.01, (kernel, t - previous_take)
        await km.shutdown()

    run(scenario())


def test_max_wait_bounds_the_wait_when_learners_never_stop():
    async def scenario():
        km = await started_server_manager(pool_size=300, concurrency=1, quiet=0.5, max_wait=1.0)
        arrivals = 0
        # Learners keep arriving every 0.1 s (never 0.5 s of quiet) until a refill starts.
        while len(km.kernels("start")) == 300:
            assert arrivals < 280, "no refill started although learners kept arriving past max_wait"
            await take(km)
            arrivals += 1
            await asyncio.sleep(0.1)
        # (With max_wait ignored, the loop above runs out of learners and fails.)
        await km.shutdown()

    run(scenario())


def test_a_learner_taking_a_warming_kernel_releases_the_waiting_refills():
    async def scenario():
        # Long quiet: without the release, nothing would start for 30 s.
        km = await started_server_manager(pool_size=2, concurrency=1, quiet=30.0, max_wait=60.0)
        await take(km)
        await take(km)  # the pool now holds only refills k3, k4, both waiting for the quiet
        await asyncio.sleep(0.5)
        assert km.kernels("start") == ["k1", "k2"]
        third = asyncio.get_running_loop().create_task(take(km))  # gets k3, still waiting
        await until(lambda: {"k3", "k4"} <= set(km.kernels("start")), "waiting refills go at once")
        assert not third.done()  # the learner waits for k3's notebook ...
        km.finish("k3")
        assert await asyncio.wait_for(third, EVENTUALLY) == "k3"  # ... and gets k3
        # k4 went although k3 was warming: a learner was waiting, concurrency did not hold it.
        events = [(w, k) for w, k, _ in km.events if k in ("k3", "k4")]
        assert events.index(("start", "k4")) < events.index(("done", "k3"))
        await km.shutdown()

    run(scenario())


def test_a_restart_never_waits():
    async def scenario():
        km = await started_server_manager(pool_size=1, concurrency=1, quiet=30.0, max_wait=60.0)
        kernel = await take(km)  # a learner arrived just now; refill k2 waits for the quiet
        content = await asyncio.wait_for(km._initialize(NB, kernel), EVENTUALLY)  # as restart_kernel
        assert content["kernel_id"] == kernel
        assert km.kernels("start") == ["k1", "k1"]  # restarted at once, the refill still waits
        await km.shutdown()

    run(scenario())


def test_a_restart_does_not_wait_for_a_busy_slot():
    async def scenario():
        km = await started_server_manager(pool_size=1, concurrency=1, quiet=0.0, max_wait=60.0)
        kernel = await take(km)
        await until(lambda: "k2" in km.kernels("start"), "the refill starts")  # holds the only slot
        content = await asyncio.wait_for(km._initialize(NB, kernel), EVENTUALLY)
        assert content["kernel_id"] == kernel
        assert "k2" not in km.kernels("done")  # k2 still warming, holding the slot
        await km.shutdown()

    run(scenario())


def test_refills_still_waiting_give_up_when_the_server_stops():
    async def scenario():
        km = await started_server_manager(pool_size=2, concurrency=1, quiet=30.0, max_wait=60.0)
        await take(km)  # refill k3 now waits for the quiet
        await asyncio.sleep(0.5)
        await asyncio.wait_for(km.shutdown_all(), EVENTUALLY)  # does not wait 30 s for the quiet
        assert km.kernels("start") == ["k1", "k2"]  # and starts no kernel while stopping

    run(scenario())


# --------------------------------------------------------------------------- the real server

#: CPU seconds a kernel may still use once its notebook has run (an idle ipykernel
#: uses about 0.001 s a second); a notebook run takes far more.
IDLE_CPU = 0.1


def cpu(proc: psutil.Process) -> float | None:
    try:
        t = proc.cpu_times()
    except psutil.Error:
        return None
    return t.user + t.system


@pytest.mark.slow
def test_real_server_refills_warm_one_after_another(tmp_path):
    """Three learners take the pool of 3: the refills start one at a time, each after the
    previous one's notebook has run (seen in the kernel processes, not only in the log).

    The test sends no request while the refills are due: a request counts as a
    learner arriving and would postpone them.
    """
    filled = f"Kernel pool of {NB} is filled with 3 kernel(s)"

    def pool_of_3_filled(srv) -> bool:  # seen in the log only: no request before the learners'
        return filled in srv.log_text()

    server = start_server(tmp_path, args=["--pool-size", "0", "--pool-size", f"{NB}=3"], ready=pool_of_3_filled)
    try:
        before = server.log_text()
        offset = len(before)
        taken = set(re.findall(r"Kernel started: (\S+)", before))
        assert len(taken) == 3, before[-3000:]
        for _ in range(3):  # three learners arrive; each page takes a preheated kernel
            assert request(server, "GET", f"/voila/render/{NB}", timeout=120)[0] == 200

        samples: list[dict[str, float]] = []  # kernel id -> CPU seconds, every ~50 ms
        deadline = time.monotonic() + 120
        while True:
            samples.append({k: c for k, p in server.kernels_by_id().items() if (c := cpu(p)) is not None})
            tail = server.log_text()[offset:]
            if tail.count(filled) >= 3:
                break
            if time.monotonic() > deadline or server.proc.poll() is not None:
                pytest.fail(f"the three refills did not finish:\n{tail[-3000:]}")
            time.sleep(0.05)
        time.sleep(0.5)  # let the last notebook's kernel settle before the final reading
        final = {k: c for k, p in server.kernels_by_id().items() if (c := cpu(p)) is not None}
    finally:
        stop_server(server)

    # The log: started, filled, started, filled, started, filled, nothing in between.
    lines = [
        line for line in tail.splitlines()
        if "Kernel started:" in line or filled in line
    ]
    started = [re.search(r"Kernel started: (\S+)", line).group(1) for line in lines if "Kernel started:" in line]
    assert ["started" if "Kernel started:" in line else "filled" for line in lines] == ["started", "filled"] * 3, lines
    assert len(set(started)) == 3 and not set(started) & taken

    # The processes: a refill kernel is warming while it exists and has not yet used
    # (nearly) all the CPU it ends with. At no moment were two of them warming.
    assert set(started) <= set(final)
    warming_seen = False
    for sample in samples:
        warming = sorted(k for k in started if k in sample and sample[k] < final[k] - IDLE_CPU)
        assert len(warming) <= 1, f"refills warming together: {warming}"
        warming_seen |= bool(warming)
    assert warming_seen, "no refill was ever seen warming: the sampling missed them"
