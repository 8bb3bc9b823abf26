"""Watching the kernels' activity for less of the server's one thread.

Jupyter Server subscribes to every kernel's IOPub a second time to note when
the kernel was last active (for culling) and whether it is busy. Its callback
(``MappingKernelManager.start_watching_activity``) fully unpacks every message:
the metadata too, every date parsed with dateutil, and a second time for status
messages; it then sets two traitlets with ``utcnow()`` and writes a debug log
record. py-spy on the server while a room of 35 opened module 04 found a fifth
of the server thread in that callback, which the learners' pages and scripts
were waiting behind.

:class:`LeanActivityMixin` keeps the same rules and the same signature check,
and does only the work they need: the header and parent header are read as
JSON (the message types), the content only for status messages, and the
activity time is written at most once per :data:`ACTIVITY_RESOLUTION` seconds
per kernel. Culling counts idle time in minutes, so a second does not change
who is culled.
"""
from __future__ import annotations

import contextlib
import json
import time
from hmac import compare_digest

from jupyter_client.session import Session
from jupyter_server._tz import utcnow

#: Seconds: the activity time of a kernel is at most this old.
ACTIVITY_RESOLUTION = 1.0


class ActivityWatcher:
    """The IOPub callback of one kernel: its ``last_activity`` and ``execution_state``.

    Follows ``MappingKernelManager.start_watching_activity``'s rules: a message of
    a tracked type, or in reply to one, or any message while the kernel is busy,
    is activity; status messages set the execution state (after "starting", a
    status in reply to an untracked type normalises it to "idle").
    """

    def __init__(self, manager, kernel, session: Session, clock=time.monotonic):
        self.manager = manager
        self.kernel = kernel
        self.session = session
        self.clock = clock
        self._noted_at: float | None = None
        self.invalid = 0

    def _frames(self, msg_list: list) -> list[bytes] | None:
        _idents, frames = self.session.feed_identities(msg_list, copy=True)
        if len(frames) < 5:
            return None
        frames = [bytes(f) for f in frames[:5]]
        if self.session.auth is not None:
            # As Session.deserialize(content=False): a message without the right signature is not the kernel's.
            if not frames[0] or not compare_digest(frames[0], self.session.sign(frames[1:5])):
                return None
        return frames

    def __call__(self, msg_list: list) -> None:
        try:
            frames = self._frames(msg_list)
            if frames is None:
                self.invalid += 1
                return
            msg_type = json.loads(frames[1]).get("msg_type")
            parent_type = (json.loads(frames[2]) or {}).get("msg_type")
        except (ValueError, TypeError, AttributeError):
            self.invalid += 1
            return
        manager, kernel = self.manager, self.kernel
        tracked_parent = parent_type is not None and manager.track_message_type(parent_type)
        if manager.track_message_type(msg_type) or tracked_parent or kernel.execution_state == "busy":
            now = self.clock()
            if self._noted_at is None or now - self._noted_at >= ACTIVITY_RESOLUTION:
                self._noted_at = now
                manager.last_kernel_activity = kernel.last_activity = utcnow()
        if msg_type != "status":
            return
        try:
            state = json.loads(frames[4]).get("execution_state")
        except (ValueError, TypeError, AttributeError):
            self.invalid += 1
            return
        if not isinstance(state, str):
            self.invalid += 1
            return
        if tracked_parent:
            if kernel.execution_state != state:
                kernel.execution_state = state
        elif kernel.execution_state == "starting" and state != "starting":
            kernel.execution_state = "idle"


class LeanActivityMixin:
    """For Jupyter Server's kernel manager: :class:`ActivityWatcher` instead of its own callback."""

    def start_watching_activity(self, kernel_id):
        kernel = self._kernels[kernel_id]
        kernel.reason = ""
        kernel.last_activity = utcnow()
        kernel._activity_stream = kernel.connect_iopub()
        session = Session(config=kernel.session.config, key=kernel.session.key)
        kernel._activity_stream.on_recv(ActivityWatcher(self, kernel, session))


def lean_activity_class(cls: type) -> type:
    """``cls`` with :class:`LeanActivityMixin` in front (never stacked twice)."""
    if issubclass(cls, LeanActivityMixin):
        return cls
    return type(cls.__name__, (LeanActivityMixin, cls), {})


@contextlib.contextmanager
def lean_activity():
    """While Voila builds its kernel manager class, give it :class:`LeanActivityMixin`.

    As :func:`advocacy_lab.server.pool.paced_pools`: Voila makes the class inside
    ``Voila.init_settings`` from ``voila.app.voila_kernel_manager_factory``.
    """
    import voila.app as voila_app

    original = voila_app.voila_kernel_manager_factory

    def factory(*args, **kwargs):
        return lean_activity_class(original(*args, **kwargs))

    voila_app.voila_kernel_manager_factory = factory
    try:
        yield
    finally:
        voila_app.voila_kernel_manager_factory = original


def write_only_written_records(log) -> None:
    """Let ``log`` make no record that none of its handlers would write.

    traitlets leaves an application's logger at DEBUG and filters in its handler
    (at ``log_level``), so every ``log.debug`` on the server's hot paths (one per
    kernel message in Jupyter Server) built a record, found its caller and threw
    it away. With the logger at its handlers' lowest level, the same lines are
    written and the rest cost a level check. ``--debug`` lowers the handlers,
    and so the logger, to DEBUG.
    """
    levels = [handler.level for handler in log.handlers]
    if levels and not log.propagate and min(levels) > log.level:
        log.setLevel(min(levels))
