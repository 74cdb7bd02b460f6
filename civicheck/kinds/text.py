"""What the text checks (contains, quote, published) declare alike: they read their page's text when judged,
and contains and quote look in a `scope`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from civicheck.kinds.base import CheckKind

if TYPE_CHECKING:
    from civicheck.claims import Check, Fields

# page: all visible text of the page; article: the main article text (trafilatura's), falling back to the page.
SCOPES = ("page", "article")


class TextKind(CheckKind):
    keeps_text: ClassVar[bool] = True
    reads_links: ClassVar[bool] = False
    searches_early: ClassVar[bool] = True

    def finder(self, check: Check) -> Callable[[Any, Any], Any] | None:
        """The search of the check's words in (passages, article passages); None for a kind that looks for
        none (published reads only the page's dates)."""
        return None

    def search(self, check: Check, document: Any) -> Any:
        from civicheck.kinds.sources import search_once

        find = self.finder(check)
        return search_once(check, document, find) if find is not None else None

    @staticmethod
    def scope(fields: Fields) -> str:
        return fields.choice("scope", SCOPES, "page")
