"""Advocacy Lab: a training suite for social media campaigns for policy advocacy.

Kept import-light on purpose: Voila kernels import this package on every page,
so heavy libraries are imported only by the modules that need them.
"""

__version__ = "0.1.0"
