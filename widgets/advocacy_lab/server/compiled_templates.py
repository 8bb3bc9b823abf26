"""The page templates compiled once per server, not once per page.

Voila builds a new ``VoilaExporter`` for every notebook it renders (each page
load without a preheated kernel, and each preheated kernel the pool refills),
and every exporter builds a new Jinja environment. Jinja keeps compiled
templates per environment only, so each render lexed, parsed and compiled the
whole template chain again (``index.html.j2``, ``base.html.j2``, nbconvert's
``display_priority.j2``, ``null.j2``...): profiled with py-spy during a room of
35 arriving at once, that was a third of the server thread's time, while the
learners waited for their pages.

:class:`CompiledTemplates` is Jinja's own hook for this, a bytecode cache,
kept in memory and shared by every exporter of the process. Jinja checks each
cached entry against a checksum of the template's source, so an edited
template is compiled anew.
"""
from __future__ import annotations

import threading

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class CompiledTemplates(BytecodeCache):
    """Compiled templates by template name and file, in memory, for the server's lifetime."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.compiled = 0

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            data = self._code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)
            # bytecode_from_string leaves code None when the source changed (checksum).
            if bucket.code is not None:
                self.hits += 1

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = data
            self.compiled += 1

    def clear(self) -> None:
        with self._lock:
            self._code.clear()


#: The one cache of this process: every Voila page render shares it.
SHARED = CompiledTemplates()


def share_compiled_templates(cache: CompiledTemplates = SHARED) -> None:
    """Make every ``VoilaExporter`` environment use ``cache`` (idempotent)."""
    from voila.exporter import VoilaExporter

    current = VoilaExporter.__dict__.get("_create_environment")
    if getattr(current, "_advocacy_cache", None) is cache:
        return
    inherited = super(VoilaExporter, VoilaExporter)._create_environment

    def _create_environment(self):
        environment = inherited(self)
        environment.bytecode_cache = cache
        return environment

    _create_environment._advocacy_cache = cache
    VoilaExporter._create_environment = _create_environment
