"""The progress bar of a run, on standard error (never standard output, which carries the report).
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


class Progress:
    """A progress bar on stderr (never stdout, which carries the report), fed from fetch threads. The total
    grows as the run discovers more to fetch (the links a portal audit follows, soft-404 probes)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.lock = threading.Lock()
        self.bar: ProgressBar[int] | None = None

    def __enter__(self) -> Progress:
        if self.enabled:
            bar = click.progressbar(length=0, label="Fetching", file=sys.stderr, show_pos=True)
            self.bar = bar.__enter__()
        return self

    def planned(self, count: int) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.length = (self.bar.length or 0) + count

    def fetched(self, _result: Any) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.update(1)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)
