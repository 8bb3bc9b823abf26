"""nbgrader configuration for Advocacy Lab.

The course directory is the repository root: instructor notebooks live in
solutions/<assignment>/, and `advocacy-lab release` (nbgrader
generate_assignment) writes the learner versions to exercises/<assignment>/.
The gradebook (gradebook.db) is created here but never committed.
"""
import os

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
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
