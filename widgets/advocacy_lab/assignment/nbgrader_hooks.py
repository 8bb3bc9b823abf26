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
"""
from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor, OverwriteCells


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


__all__ = ["HideTestsInFeedback", "RestoreReleasedCells", "released_source"]
