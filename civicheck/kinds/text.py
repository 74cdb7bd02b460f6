"""What the text checks (contains, quote, published) declare alike: they read their page's text when judged,
and contains and quote look in a `scope`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from civicheck.kinds.base import CheckKind

if TYPE_CHECKING:
    from civicheck.claims import Fields

# page: all visible text of the page; article: the main article text (trafilatura's), falling back to the page.
SCOPES = ("page", "article")


class TextKind(CheckKind):
    keeps_text: ClassVar[bool] = True

    @staticmethod
    def scope(fields: Fields) -> str:
        return fields.choice("scope", SCOPES, "page")
