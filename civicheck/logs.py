"""civicheck's loggers. A library logs and the application decides where to: without the NullHandler set here,
Python's last-resort handler would print civicheck's warnings (a page that could not be read, what an extractor
said about it) on the terminal. Every module that logs takes its logger from here; civicheck/__init__.py does
not import logging, so `civicheck --help` never loads it.
"""

from __future__ import annotations

import logging

logging.getLogger("civicheck").addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """The logger of module `name` (a child of "civicheck", which has the NullHandler)."""
    return logging.getLogger(name)
