"""`quote: {url, text}`: the quoted words occur in order on the page; a misquote names the words that differ."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civicheck.kinds.text import TextKind

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields
    from civicheck.kinds import Register

MAX_QUOTE = 5_000  # characters: a quote is aligned against whole pages (the cost grows with both lengths)


@dataclass(frozen=True)
class QuoteOptions:
    text: str = ""
    scope: str = "page"


class Quote(TextKind):
    name = "quote"
    options = QuoteOptions
    option_keys = ("text", "scope")
    example = "'quote: {url: https://news.example/article, text: \"the exact words\"}'"

    def parse(self, fields: Fields) -> QuoteOptions:
        text = fields.get("text")
        if not isinstance(text, str) or not text.strip():
            fields.problem("'quote' needs 'text': the exact words attributed", "text")
            text = ""
        elif len(text.strip()) > MAX_QUOTE:
            fields.problem(
                f"the quote is {len(text.strip()):,} characters long; at most {MAX_QUOTE:,}: quote the "
                "words that matter, or split it with …",
                "text",
            )
            text = ""
        return QuoteOptions(text.strip(), self.scope(fields))

    def spec(self, options: QuoteOptions) -> dict[str, Any]:
        return {"scope": options.scope, "text": options.text}

    def finder(self, check: Check) -> Callable[[Any, Any], Any]:
        from civicheck.match import find_quote

        def search(passages: Any, article: Any) -> Any:
            return find_quote(check.options.text, passages, article=article)

        return search

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.kinds.sources import text_check

        def shown(
            found: Any,
        ) -> list[Any]:  # a misquote shows the closest passage; the reason, the words that differ
            return found.hits if found.passed else [found.closest] if found.closest else []

        return text_check(check, ctx, self.finder(check), shown)


def register_kinds(register: Register) -> None:
    register(Quote())
