"""civicheck: check what governments claim about their own services against the pages that prove it.

The package is a library (claims → fetch → extract → checks → verdict → report) with a thin click CLI.
"""

__version__ = "0.1.0"

# civicheck's loggers get their NullHandler in logs.py, imported by every module that logs: not here, so that
# `civicheck --help` does not load logging.
