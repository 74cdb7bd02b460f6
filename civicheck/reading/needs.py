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
# What the soft-404 signals read of a page and nothing else: no check audits its links, and no probe is
# compared with it (an error page, a site root, a page whose probe answered with an error).
SIGNALS_ONLY = Needs(main_text=False, links=False)
# A page only text checks cite: no check audits its links or compares it with a probe.
TEXT_ONLY = Needs(links=False)
