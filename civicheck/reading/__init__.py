"""Reading fetched pages: each body becomes what the checks judge (a Reading: its Document and the markup
features the soft-404 signals need) in a worker process under the URL's time limit, so one page never costs
the others.

needs.py (Needs: what of a page the checks citing it read) → reader.py (Reading, PageReader, read_page:
extraction and soft-404 markup, in a worker) → workers.py (the stoppable worker pool), which caps each
worker's memory with civicheck/memory.py (top level: the command line uses it for its own process at start,
before anything of this package is needed).
"""

from civicheck.reading.needs import LIVENESS_ONLY, SIGNALS_ONLY, TEXT_ONLY, WHOLE_PAGE, Needs
from civicheck.reading.reader import (
    READ_GRACE,
    READ_LIMIT,
    UNREADABLE,
    PageReader,
    Reading,
    inline_reader,
    needs_reading,
    read_page,
    shared_reader,
)

__all__ = [
    "LIVENESS_ONLY",
    "READ_GRACE",
    "READ_LIMIT",
    "SIGNALS_ONLY",
    "TEXT_ONLY",
    "UNREADABLE",
    "WHOLE_PAGE",
    "Needs",
    "PageReader",
    "Reading",
    "inline_reader",
    "needs_reading",
    "read_page",
    "shared_reader",
]
