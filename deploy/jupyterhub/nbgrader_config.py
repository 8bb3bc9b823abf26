"""Global nbgrader configuration of an Advocacy Lab hub (installed as /etc/jupyter/nbgrader_config.py).

Every account's nbgrader reads it: the participants' Assignments panel and their fetch and
submit, the trainer's release, collect and feedback. It names the one course of this hub and
its exchange; the course's own settings are in the trainer's course folder
(``nbgrader_config.py`` there, read after this file). install.sh writes the exchange below.
"""
c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

EXCHANGE_ROOT = "/srv/nbgrader/exchange"

c.CourseDirectory.course_id = "advocacy-lab"
c.Exchange.root = EXCHANGE_ROOT
# One course per hub: the exchange holds exchange/advocacy-lab/{outbound,inbound,feedback}.
c.Exchange.path_includes_course = False
