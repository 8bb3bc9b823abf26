"""The pure core: checks and analysis over frozen dataclasses.

Nothing under ``advocacy_lab.core`` may import ipywidgets, IPython or
matplotlib (tests/test_architecture.py enforces it), so the same functions
serve the widgets, the lessons, the nbgrader tests and the CLI.
"""
