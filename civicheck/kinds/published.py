"""`published: {url, after, before}`: the page's publication date (dates.py) lies in the window, inclusive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civicheck.kinds.text import TextKind

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields
    from civicheck.kinds import Register


@dataclass(frozen=True)
class PublishedOptions:
    after: str | None = None  # ISO dates, inclusive
    before: str | None = None


class Published(TextKind):
    name = "published"
    options = PublishedOptions
    option_keys = ("after", "before")
    example = "'published: {url: https://news.example/article, after: 2023-01-01, before: 2023-07-01}'"

    def parse(self, fields: Fields) -> PublishedOptions:
        after, before = fields.date("after"), fields.date("before")
        if not (after or before) and not any(k in fields for k in ("after", "before")):
            fields.problem("'published' needs 'after' and/or 'before' (dates like 2023-01-01)")
        elif after and before and after > before:
            fields.problem(f"'published': after {after} is later than before {before}")
        return PublishedOptions(after, before)

    def spec(self, options: PublishedOptions) -> dict[str, Any]:
        return {k: v for k, v in (("after", options.after), ("before", options.before)) if v}

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.checks import Evidence, Outcome
        from civicheck.kinds.sources import document_or_reason, scope_note
        from civicheck.report import FAIL, PASS, UNKNOWN

        after, before = check.options.after, check.options.before
        evidence = Evidence.of(ctx.result(check.url), ctx)
        doc, why = document_or_reason(check, ctx, evidence)
        if (
            doc is None and not evidence.published
        ):  # a scan without a text layer still has its metadata's date
            return Outcome(check, UNKNOWN, why, evidence)
        publication = doc.publication if doc is not None else None
        if publication is not None and publication.conflict:
            # Two of the page's own sources name days further apart than time zones explain: a fact-checker
            # would rather hear "unverified" than either date.
            return Outcome(
                check,
                UNKNOWN,
                scope_note(
                    None,
                    f"the page's sources disagree about when it was published: {publication.conflict}",
                    evidence,
                ),
                evidence,
            )
        published = evidence.published
        if not published:
            return Outcome(
                check, UNKNOWN, scope_note(None, "no publication date found on the page", evidence), evidence
            )
        days = publication.dates if publication is not None else [published]
        if after and before:
            window = f"between {after} and {before}"
        else:
            window = f"on or after {after}" if after else f"on or before {before}"
        inside = [day for day in days if not (after and day < after or before and day > before)]
        said = f"published {published} (according to {evidence.published_source})"
        if inside and len(inside) < len(days):
            others = ", ".join(day for day in days if day != published)
            outcome, reason = (
                UNKNOWN,
                (
                    f"{said}, {window}, but the page's sources also give {others} (a time "
                    f"zone away), on the other side of the window's edge"
                ),
            )
        elif inside:
            outcome, reason = PASS, f"{said}, {window}"
        elif after and published < after:
            outcome, reason = FAIL, f"{said}, before {after}"
        else:
            outcome, reason = FAIL, f"{said}, after {before}"
        return Outcome(check, outcome, scope_note(None, reason, evidence), evidence)


def register_kinds(register: Register) -> None:
    register(Published())
