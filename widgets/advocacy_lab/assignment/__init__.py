"""Graded exercises answered through the course's widgets (issue #9).

- ``answers``: the answers file (pure): where it is, how grading reads it, why an answer earns nothing.
- ``campaign_message``: module 04's exercise, its answer keys and visible checks (pure).
- ``widgets``, ``campaign_message_widgets``: the notebook side (ipywidgets).
- ``nbgrader_hooks``: what ``nbgrader_config.py`` plugs into nbgrader (imports nbgrader).
"""
