"""Reading fetched pages: each body becomes what the checks judge (a Reading: its Document and the markup
features the soft-404 signals need) in a worker process under the URL's time limit, so one page never costs
the others.

reader.py (Reading, PageReader, read_page: extraction and soft-404 markup, in a worker) → workers.py (the
stoppable worker pool), which caps each worker's memory with civicheck/memory.py (top level: the command
line uses it for its own process at start, before anything of this package is needed).
"""

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
    "READ_GRACE",
    "READ_LIMIT",
    "UNREADABLE",
    "PageReader",
    "Reading",
    "inline_reader",
    "needs_reading",
    "read_page",
    "shared_reader",
]
