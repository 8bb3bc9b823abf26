"""Refilling the kernel pool without starving the learners who just arrived.

When a room of learners opens a module together, each takes a preheated kernel
and Voila immediately starts one new kernel per learner to refill the pool.
Every new kernel imports the course's libraries and runs the notebook, one to
two CPU-seconds each, so 35 refills at once hold both cores for the better part
of a minute, exactly while the 35 learners' own kernels are answering their
pages. :class:`PacedRefillMixin` lets only ``refill_concurrency`` refills run at
a time (a kernel counts until its notebook has run), leaving the other core to
the learners. The first fill at start-up is not paced: nobody is waiting yet.
"""
from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class PacedRefillMixin:
    """For Voila's ``VoilaKernelManager``: at most N pool kernels warming at once."""

    refill_concurrency: int = 1
    _refill_gate: asyncio.Semaphore | None = None

    def _gate(self) -> asyncio.Semaphore:
        if self._refill_gate is None:
            self._refill_gate = asyncio.Semaphore(max(1, int(self.refill_concurrency)))
        return self._refill_gate

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # a restart of a learner's kernel, not a refill: never wait
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        async with self._gate():
            content = await super()._initialize(notebook_path, None, **kwargs)
            try:
                # Hold the slot until this kernel has run its notebook; shield it, so that a
                # learner who takes the kernel meanwhile does not cancel its rendering.
                await asyncio.shield(content["task"])
            except Exception:  # the renderer reports its own errors to whoever takes the kernel
                log.debug("pool kernel for %s finished its notebook with an error", notebook_path)
        return content


def pace_refills(kernel_manager, concurrency: int) -> None:
    """Make ``kernel_manager`` (Voila's preheating manager) refill ``concurrency`` kernels at a time.

    Voila builds its kernel-manager class inside ``Voila.init_settings`` from a
    factory, so there is no class to subclass beforehand; the instance gets a
    subclass with the mixin in front instead.
    """
    if concurrency < 1:
        raise ValueError(f"refill concurrency must be at least 1 (got {concurrency!r})")
    if not hasattr(kernel_manager, "_initialize"):  # preheating is off: nothing to pace
        return
    cls = type(kernel_manager)
    if not issubclass(cls, PacedRefillMixin):
        kernel_manager.__class__ = type(f"Paced{cls.__name__}", (PacedRefillMixin, cls), {})
    kernel_manager.refill_concurrency = int(concurrency)
    kernel_manager._refill_gate = None
