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

The first fill at start-up is not paced: nobody is waiting yet. A learner who
finds the pool empty is not paced either: Voila starts a kernel for them.
"""
from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class PacedRefillMixin:
    """For Voila's ``VoilaKernelManager``: refills wait for a quiet moment and a free slot."""

    refill_concurrency: int = 1
    refill_quiet: float = 3.0
    refill_max_wait: float = 30.0
    _last_activity: float | None = None
    _warming: int = 0
    _learners_waiting: int = 0

    def note_activity(self) -> None:
        """A learner's request was served (the app calls this for every request)."""
        try:
            self._last_activity = asyncio.get_running_loop().time()
        except RuntimeError:  # no loop running: nothing is waiting to refill either
            pass

    async def get_rendered_notebook(self, notebook_name, *args, **kwargs):
        self.note_activity()
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
            now = loop.time()
            last = self._last_activity
            quiet = last is None or now >= min(last + self.refill_quiet, deadline)
            if quiet and self._warming < self.refill_concurrency:
                self._warming += 1
                return True
            await asyncio.sleep(0.2)
        return False

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # a restart of a learner's kernel, not a refill: never wait
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        slot = await self._wait_turn()
        try:
            content = await super()._initialize(notebook_path, None, **kwargs)
            try:
                # Hold the slot until this kernel has run its notebook; shield it, so that a
                # learner who takes the kernel meanwhile does not cancel its rendering.
                await asyncio.shield(content["task"])
            except Exception:  # the renderer reports its own errors to whoever takes the kernel
                log.debug("pool kernel for %s finished its notebook with an error", notebook_path)
        finally:
            if slot:
                self._warming -= 1
        return content


def pace_refills(kernel_manager, concurrency: int, quiet: float = 3.0, max_wait: float = 30.0) -> None:
    """Make ``kernel_manager`` (Voila's preheating manager) refill ``concurrency`` kernels at a
    time, each after ``quiet`` quiet seconds (``max_wait`` at most).

    Voila builds its kernel-manager class inside ``Voila.init_settings`` from a
    factory, so there is no class to subclass beforehand; the instance gets a
    subclass with the mixin in front instead.
    """
    if concurrency < 1:
        raise ValueError(f"refill concurrency must be at least 1 (got {concurrency!r})")
    if not 0 <= quiet <= max_wait:
        raise ValueError(f"refill quiet time must be from 0 to the maximum wait (got {quiet!r}, {max_wait!r})")
    if not hasattr(kernel_manager, "_initialize"):  # preheating is off: nothing to pace
        return
    cls = type(kernel_manager)
    if not issubclass(cls, PacedRefillMixin):
        kernel_manager.__class__ = type(f"Paced{cls.__name__}", (PacedRefillMixin, cls), {})
    kernel_manager.refill_concurrency = int(concurrency)
    kernel_manager.refill_quiet = float(quiet)
    kernel_manager.refill_max_wait = float(max_wait)
