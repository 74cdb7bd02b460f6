"""civicheck: check what governments claim about their own services against the pages that prove it.

The package is a library (claims → fetch → extract → checks → verdict → report) with a thin click CLI.
"""

import logging

__version__ = "0.1.0"

# A library logs, the application decides where to: without this, Python's last-resort handler would print
# civicheck's warnings (a page that could not be read, what the extractors said about it) on the terminal.
logging.getLogger(__name__).addHandler(logging.NullHandler())
