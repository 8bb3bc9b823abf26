"""What the course plugs into nbgrader (``nbgrader_config.py``). Imports nbgrader: only nbgrader loads it.

- ``RestoreReleasedCells`` (autograde): why every untouched submission warned
  "Attribute 'checksum' for cell … has changed!". nbgrader's gradebook keeps the
  checksum of each test cell as the instructor wrote it, hidden tests included,
  while the learner received the cell with the hidden tests removed
  (``generate_assignment`` computes the release's checksums after
  ``ClearHiddenTests``). ``OverwriteCells`` compares the submission with the
  instructor's version, so every test cell with hidden tests "changed", in every
  submission. This compares it with what was released instead: a cell exactly
  as released gets its hidden tests back silently; any other change still warns
  and is restored, as before.
- ``HideTestsInFeedback`` (generate_feedback): the feedback HTML is made from the
  autograded notebook, where the hidden tests were restored (nbgrader#917). It
  removes the hidden-test regions from the test cells again and reduces a
  failing test cell's traceback (which quotes the failing line) to its reason.
- ``RunReleasedCodeOnly`` (autograde): learners answer through widgets and never write code, so
  the only code run while grading is the exercise's own (every code cell of an exercise is an
  nbgrader cell, restored from the gradebook). A code cell a learner added is kept where it was,
  as text (a raw cell marked ``advocacy_lab.not_run``), and the trainer is told. Code run before
  the tests could otherwise patch a checker, or fake an answer, in the kernel the tests share.
- ``GradingExecute`` (autograde): nbgrader's ``Execute`` with limits on learner code. Each
  kernel is started with a memory ceiling it cannot raise (a hard ``RLIMIT_AS``), and a whole
  notebook gets a time budget on top of nbgrader's per-cell timeout, so a runaway submission
  is stopped and scores 0 while the cohort is graded. Configured in ``nbgrader_config.py``, so
  plain ``nbgrader autograde`` and ``advocacy-lab grade`` run learner code the same way.
"""
from __future__ import annotations

import resource
import time
from contextlib import nullcontext
from functools import partial
from typing import Any, Callable, ContextManager

from jupyter_client.manager import AsyncKernelManager
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, Execute, LimitOutput, NbGraderPreprocessor, OverwriteCells
from traitlets import Integer


def released_source(source: str) -> str:
    """A test cell's source as the learner received it: hidden-test regions removed (nbgrader's own rule)."""
    cell = NotebookNode({"cell_type": "code", "source": source, "metadata": {}})
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


class RestoreReleasedCells(OverwriteCells):
    """``OverwriteCells`` that measures a locked cell against what was released (see the module docstring)."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, cell_index: int):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and utils.is_locked(cell):
            try:
                source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source_cell = None
            if (
                source_cell is not None
                and source_cell.locked
                and cell.cell_type == source_cell.cell_type
                and cell.source == released_source(source_cell.source)
            ):
                cell.source = source_cell.source  # untouched: the hidden tests come back without a warning
        return super().preprocess_cell(cell, resources, cell_index)


class HideTestsInFeedback(NbGraderPreprocessor):
    """Feedback without the hidden tests' code (nbgrader#917): regions removed, tracebacks cut to the reason."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, cell_index: int):
        if not utils.is_grade(cell) or cell.cell_type != "code":
            return cell, resources
        cell.source = released_source(cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                # The traceback quotes the line that failed, which may be a hidden test: keep the reason only.
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


#: The mark on a code cell a learner added, kept as text and not run (``RunReleasedCodeOnly``).
NOT_RUN = "not_run"


def added_code_cells(nb: NotebookNode) -> int:
    """How many code cells a learner added that grading kept as text and did not run."""
    return sum(1 for cell in nb.cells if cell.get("metadata", {}).get("advocacy_lab", {}).get(NOT_RUN))


class RunReleasedCodeOnly(NbGraderPreprocessor):
    """Keep code cells that are not the exercise's own as text, unrun (see the module docstring)."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                source = gb.find_notebook(info["notebook"], info["assignment"])
                released = {cell.name for cell in source.source_cells}
            except MissingEntry:
                released = set()
        for cell in nb.cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "code" and grade_id not in released:
                self.log.warning("A code cell the exercise does not have is kept as text and not run")
                cell.cell_type = "raw"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
                cell.metadata.pop("nbgrader", None)
                cell.metadata["advocacy_lab"] = {NOT_RUN: True}
        return nb, resources


def _limit_memory(limit_bytes: int) -> None:
    """In the kernel's process, before it runs: a ceiling on its address space, soft and hard alike
    (the learner's code cannot raise a hard limit again)."""
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))


class LimitedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start under ``memory_bytes`` of address space (None: no limit)."""

    memory_bytes: int | None = None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if self.memory_bytes:
            kw["preexec_fn"] = partial(_limit_memory, self.memory_bytes)
        await super()._async_launch_kernel(kernel_cmd, **kw)


class NotebookTimeUp(RuntimeError):
    """A submission's notebook ran past its whole-notebook budget: the rest is not run (scores 0)."""


#: What a grading worker gives up while a learner's kernel runs (``advocacy-lab grade`` sets it to
#: its turn on the gradebook: SQLite has one writer, and the kernels are what is worth running in parallel).
while_executing: Callable[[], ContextManager[Any]] = nullcontext


class GradingExecute(Execute):
    """nbgrader's ``Execute`` under limits (see the module docstring); scores are nbgrader's own."""

    memory_mb = Integer(
        2048, help="Ceiling on each grading kernel's address space, in MB (0: none)."
    ).tag(config=True)
    notebook_timeout = Integer(
        600, help="Seconds a whole notebook may run before the rest of it is skipped (0: no budget)."
    ).tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(*args, **kwargs)

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, LimitedKernelManager):
            km.memory_bytes = self.memory_mb * 2**20 if self.memory_mb > 0 else None
        return km

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict | None = None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout if self.notebook_timeout > 0 else None
        with while_executing():
            return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, index: int):
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise NotebookTimeUp(f"the notebook ran longer than {self.notebook_timeout} s; cell {index} and after were not run")
        return super().preprocess_cell(cell, resources, index)


class LimitOutputSize(LimitOutput):
    """nbgrader's ``LimitOutput`` counts lines only: one line of megabytes stayed whole in the graded
    notebook, the feedback and the formgrader. This also cuts each text output to ``max_characters``."""

    max_characters = Integer(20_000, help="Characters kept of each text output of a graded cell.").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, cell_index: int):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        limit = self.max_characters
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and len(output.get("text", "")) > limit:
                output["text"] = output["text"][:limit] + "\n... Output truncated ..."
            data = output.get("data", {})
            if isinstance(data.get("text/plain"), str) and len(data["text/plain"]) > limit:
                data["text/plain"] = data["text/plain"][:limit] + "\n... Output truncated ..."
        return cell, resources


__all__ = [
    "GradingExecute", "HideTestsInFeedback", "LimitOutputSize", "LimitedKernelManager", "NotebookTimeUp",
    "RestoreReleasedCells", "RunReleasedCodeOnly", "added_code_cells", "released_source",
]
