"""nbgrader's global configuration in the Advocacy Lab image (/etc/jupyter/nbgrader_config.py).

Every learner's and trainer's server reads it: the course, and the exchange root where
deploy/z2jh/values.yaml mounts the shared ReadWriteMany volume (exchange-pvc.yaml). The
trainer's own course folder (its nbgrader_config.py) adds the rest.
"""
c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "advocacy-lab"
c.Exchange.root = "/srv/nbgrader/exchange"
