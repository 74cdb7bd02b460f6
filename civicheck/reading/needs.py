"""What of a page is read: the checks citing it decide (a text check its main text, an audit or a soft-404
probe its links), and read_page reads no more, since the main text and the links are most of a page's cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Needs:
    """What the checks citing one page read of it, beyond what its liveness needs (the soft-404 signals: its
    title, headings, visible text and markup features, always read)."""

    # Its main text and publication dates (trafilatura, htmldate): what a text check judges.
    main_text: bool = True
    # Its links: what a links check audits, and whose labels a soft-404 probe comparison leaves out.
    links: bool = True
    # Its links where a soft-404 probe may yet be compared with it (Recorder.needs_of asks the run's probes):
    # a page a liveness check cites, or no check (a link audited, a probe). Never for a page only text checks
    # cite: no probe is compared with it.
    links_if_probed: bool = True

    def met_by(self, document: Any) -> bool:
        """Whether a page read earlier (a reading stored in the history) holds all of this: one read for its
        liveness only lacks its main text, one read for text checks only lacks its links."""
        if document is None:  # a reading without a document (unreadable): nothing to read again
            return True
        return (document.main_text_read or not self.main_text) and (document.links_read or not self.links)


# Everything: a page read when a check asks for it (an archived copy standing in for a dead source).
WHOLE_PAGE = Needs()
# A page no text check cites (`live`, `dead`, `status`, a `links` audit, a link audited, a soft-404 probe),
# when a probe may be compared with it.
LIVENESS_ONLY = Needs(main_text=False)
# A page no check cites (a link audited, a probe): what the soft-404 signals read, and its links where a
# probe may be compared with it.
SIGNALS_ONLY = Needs(main_text=False, links=False)
# A page only text checks cite: no check audits its links or compares it with a probe.
TEXT_ONLY = Needs(links=False, links_if_probed=False)
