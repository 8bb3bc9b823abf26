"""nbgrader configuration for Advocacy Lab.

The course directory is the repository root: instructor notebooks live in
solutions/<assignment>/, and `advocacy-lab release` (nbgrader
generate_assignment) writes the learner versions to exercises/<assignment>/.
The gradebook (gradebook.db) is created here but never committed.
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "advocacy-lab"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Only notebooks are part of an assignment; no data files are copied along.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Learners see the test cells they may run; hidden tests are removed on release
# and restored (with any test cell a learner edited) when autograding.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE · CÂU TRẢ LỜI CỦA ANH/CHỊ Ở ĐÂY"

# Graded exercises are answered through widgets, which save the answers beside the
# notebook (<notebook>.answers.json, advocacy_lab.assignment). nbgrader's submit and
# collect carry that file; autograde must never put an instructor's copy over it.
from advocacy_lab.assignment.answers import answers_file_name  # noqa: E402
from advocacy_lab.assignment.nbgrader_hooks import (  # noqa: E402
    GradingExecute,
    HideTestsInFeedback,
    LimitOutputSize,
    RestoreReleasedCells,
    RunReleasedCodeOnly,
)
from advocacy_lab.course import assignments  # noqa: E402
from nbgrader.converters import Autograde, GenerateFeedback  # noqa: E402
from nbgrader.preprocessors import Execute, LimitOutput, OverwriteCells  # noqa: E402

# The answers file and the lock beside it (core.drafts.FileDraftStore) are the learner's alone.
c.Autograde.exclude_overwriting = {
    name: [
        file
        for nb in sorted((Path(c.CourseDirectory.root) / "solutions" / name).glob("*.ipynb"))
        for file in (answers_file_name(nb.stem), answers_file_name(nb.stem) + ".lock")
    ]
    for name in assignments(Path(c.CourseDirectory.root))
}
# An untouched submission restores its hidden tests without a checksum warning; a cell
# changed from what was released still warns and is restored (nbgrader_hooks.py says why).
# Then only the exercise's own code runs: a code cell a learner added is kept as text.
c.Autograde.sanitize_preprocessors = [
    step
    for p in Autograde.class_traits()["sanitize_preprocessors"].default()
    for step in ((RestoreReleasedCells, RunReleasedCodeOnly) if p is OverwriteCells else (p,))
]
# Learner code runs under limits: a memory ceiling per kernel and a budget per notebook, on top
# of nbgrader's 30 s per cell (Execute.timeout); a runaway submission is stopped and scores 0.
# Each output is cut to 20,000 characters (nbgrader's own limit counts lines only).
c.Autograde.autograde_preprocessors = [
    {Execute: GradingExecute, LimitOutput: LimitOutputSize}.get(p, p)
    for p in Autograde.class_traits()["autograde_preprocessors"].default()
]
# The feedback a learner receives shows no hidden test's code (nbgrader#917).
c.GenerateFeedback.preprocessors = [
    *GenerateFeedback.class_traits()["preprocessors"].default(),
    HideTestsInFeedback,
]
