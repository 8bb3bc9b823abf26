"""Refilling the kernel pool without starving the learners who just arrived.

When a room of learners opens a module together, each takes a preheated kernel
and Voila immediately starts one new kernel per learner to refill the pool.
Every new kernel imports the course's libraries and runs the notebook, one to
two CPU-seconds each, so 35 refills at once hold both cores for the better part
of a minute, exactly while the 35 learners' own kernels are answering their
pages. :class:`PacedRefillMixin` paces refills in two ways:

* a refill waits until the server has been quiet for ``refill_quiet`` seconds
  (no learner took a kernel and no request was served; at most
  ``refill_max_wait``), so a room arriving together gets its pages, scripts
  and widgets first and the pool is rebuilt while they read;
* only ``refill_concurrency`` refills run at a time (a kernel counts until its
  notebook has run), leaving the other core to the learners.

The first fill at start-up is paced too (``preheat_concurrency`` at a time, no
quiet rule before the first learner): 35 notebooks running at once on two
cores made some cells miss their output (nbclient's "Timeout waiting for IOPub
output"), and a learner who got such a kernel had a page without widgets. A
learner who finds the pool empty is never paced: Voila starts a kernel for them,
and one who takes a kernel that is still warming makes every refill go at once.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger(__name__)


class PacedRefillMixin:
    """For Voila's ``VoilaKernelManager``: refills wait for a quiet moment and a free slot."""

    refill_concurrency: int = 1
    #: Before the first learner arrives nobody is waiting: more kernels may warm at once.
    preheat_concurrency: int = 3
    refill_quiet: float = 3.0
    refill_max_wait: float = 30.0
    _last_activity: float | None = None
    _warming: int = 0
    _learners_waiting: int = 0
    _closing: bool = False
    _learner_seen: bool = False

    async def shutdown_all(self, *args, **kwargs):
        # Refills still waiting for their turn give up instead of starting kernels now.
        self._closing = True
        return await super().shutdown_all(*args, **kwargs)

    def note_activity(self) -> None:
        """A learner's request was served (the app calls this for every request)."""
        try:
            self._last_activity = asyncio.get_running_loop().time()
        except RuntimeError:  # no loop running: nothing is waiting to refill either
            pass

    async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
        self.note_activity()
        self._learner_seen = True
        pool = self._pools.get(notebook_name) or []
        # A learner who takes a kernel that is still warming must not wait for the quiet.
        waiting = bool(pool) and not pool[0].done()
        self._learners_waiting += waiting
        try:
            return await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        finally:
            self._learners_waiting -= waiting

    async def _wait_turn(self) -> bool:
        """Until it is this refill's turn; True if it took one of the slots."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.refill_max_wait
        while not self._learners_waiting:
            if self._closing:
                raise RuntimeError("the server is stopping; the pool is not refilled")
            now = loop.time()
            last = self._last_activity
            # Before the first learner there is nobody to give way to.
            quiet = not self._learner_seen or last is None or now >= min(last + self.refill_quiet, deadline)
            limit = self.refill_concurrency if self._learner_seen else self.preheat_concurrency
            if quiet and self._warming < limit:
                self._warming += 1
                return True
            await asyncio.sleep(0.2)
        return False

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # a restart of a learner's kernel, not a refill: never wait
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        slot = await self._wait_turn()
        started = asyncio.get_running_loop().time()
        try:
            content = await super()._initialize(notebook_path, None, **kwargs)
            try:
                # Hold the slot until this kernel has run its notebook; shield it, so that a
                # learner who takes the kernel meanwhile does not cancel its rendering.
                await asyncio.shield(content["task"])
            except Exception:  # the renderer reports its own errors to whoever takes the kernel
                log.debug("pool kernel for %s finished its notebook with an error", notebook_path)
            self.log.info("Preheated a kernel for %s in %.1f s", notebook_path,
                          asyncio.get_running_loop().time() - started)
        finally:
            if slot:
                self._warming -= 1
        return content


def _check(concurrency: int, quiet: float, max_wait: float) -> None:
    if int(concurrency) < 1:
        raise ValueError(f"refill concurrency must be at least 1 (got {concurrency!r})")
    if not 0 <= quiet <= max_wait:
        raise ValueError(f"refill quiet time must be from 0 to the maximum wait (got {quiet!r}, {max_wait!r})")


def paced_class(cls: type, concurrency: int, quiet: float = 3.0, max_wait: float = 30.0,
                preheat: int = 3) -> type:
    """``cls`` (Voila's preheating kernel manager) with :class:`PacedRefillMixin` in front."""
    _check(concurrency, quiet, max_wait)
    _check(preheat, quiet, max_wait)
    # An already paced class only gets the new settings (the mixin is never stacked).
    bases = (cls,) if issubclass(cls, PacedRefillMixin) else (PacedRefillMixin, cls)
    name = cls.__name__ if issubclass(cls, PacedRefillMixin) else f"Paced{cls.__name__}"
    return type(name, bases, {
        "refill_concurrency": int(concurrency),
        "preheat_concurrency": int(preheat),
        "refill_quiet": float(quiet),
        "refill_max_wait": float(max_wait),
    })


@contextlib.contextmanager
def paced_pools(concurrency: int, quiet: float = 3.0, max_wait: float = 30.0, preheat: int = 3):
    """While Voila builds its kernel manager, make it a paced one.

    Voila creates its kernel-manager class inside ``Voila.init_settings`` from
    ``voila.app.voila_kernel_manager_factory`` and fills the pools in the
    manager's constructor, so the pacing has to be in the class before that:
    the factory is wrapped for the duration of the call.
    """
    _check(concurrency, quiet, max_wait)
    _check(preheat, quiet, max_wait)
    import voila.app as voila_app

    original = voila_app.voila_kernel_manager_factory

    def factory(*args, **kwargs):
        cls = original(*args, **kwargs)
        if not hasattr(cls, "_initialize"):  # preheating is off: nothing to pace
            return cls
        return paced_class(cls, concurrency, quiet, max_wait, preheat)

    voila_app.voila_kernel_manager_factory = factory
    try:
        yield
    finally:
        voila_app.voila_kernel_manager_factory = original


def pace_refills(kernel_manager, concurrency: int, quiet: float = 3.0, max_wait: float = 30.0) -> None:
    """Make an existing ``kernel_manager`` paced from now on (pools already being filled are not)."""
    _check(concurrency, quiet, max_wait)
    if not hasattr(kernel_manager, "_initialize"):  # preheating is off: nothing to pace
        return
    if not isinstance(kernel_manager, PacedRefillMixin):
        kernel_manager.__class__ = paced_class(type(kernel_manager), concurrency, quiet, max_wait)
    kernel_manager.refill_concurrency = int(concurrency)
    kernel_manager.refill_quiet = float(quiet)
    kernel_manager.refill_max_wait = float(max_wait)
