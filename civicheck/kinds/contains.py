"""`contains: {url, all, any, none}`: every `all` phrase, at least one `any` phrase and no `none` phrase are on
the page (`near`: within N words of each other; `match: stem`: Indonesian stemming)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civicheck.kinds.text import TextKind

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields
    from civicheck.kinds import Register

MAX_PHRASE = 1_000  # characters: a phrase is aligned against whole pages; 'quote' takes whole sentences


@dataclass(frozen=True)
class ContainsOptions:
    all: tuple[str, ...] = ()
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    near: int | None = None
    stem: bool = False
    scope: str = "page"


class Contains(TextKind):
    name = "contains"
    options = ContainsOptions
    option_keys = ("all", "any", "none", "scope", "near", "match")
    example = "'contains: {url: https://example.go.id/, all: [\"Smart City\"]}'"

    def parse(self, fields: Fields) -> ContainsOptions:
        every, some, none = (_phrases(fields, key) for key in ("all", "any", "none"))
        if not (every or some or none):
            fields.problem("'contains' needs at least one phrase in 'all', 'any' or 'none'")
        near = _near(fields)
        match = fields.choice("match", ("exact", "stem"), "exact")
        return ContainsOptions(every, some, none, near, match == "stem", self.scope(fields))

    def spec(self, options: ContainsOptions) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: list(v) for k, v in (("all", options.all), ("any", options.any), ("none", options.none)) if v
        }
        if options.near:
            out["near"] = options.near
        if options.stem:
            out["match"] = "stem"
        out["scope"] = options.scope
        return out

    def finder(self, check: Check) -> Callable[[Any, Any], Any]:
        from civicheck.match import find_phrases

        o = check.options

        def search(passages: Any, article: Any) -> Any:
            return find_phrases(
                passages, all=o.all, any=o.any, none=o.none, near=o.near, stem=o.stem, article=article
            )

        return search

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.kinds.sources import text_check

        # The forbidden phrases' places are shown too.
        return text_check(
            check, ctx, self.finder(check), shown=lambda found: found.hits, forbids=bool(check.options.none)
        )


def _phrases(fields: Fields, key: str) -> tuple[str, ...]:
    value = fields.get(key)
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, (str, int, float)) and str(v).strip() for v in values):
        fields.problem(f"'{key}' must be a phrase or a list of non-empty phrases", key)
        return ()
    if longest := max(
        (v for v in values if len(str(v).strip()) > MAX_PHRASE), key=lambda v: len(str(v)), default=None
    ):
        fields.problem(
            f"a phrase in '{key}' is {len(str(longest).strip()):,} characters long; at most "
            f"{MAX_PHRASE:,}: use 'quote' for whole sentences",
            key,
        )
        return ()
    return tuple(str(v).strip() for v in values)


def _near(fields: Fields) -> int | None:
    value = fields.get("near")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fields.problem(f"'near' must be a number of words (1 or more), not {fields.shown(value)}", "near")
        return None
    return value


def register_kinds(register: Register) -> None:
    register(Contains())
