"""`status: {url, code}`: the final status, after redirects are followed, is `code` (or one of a list)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civicheck.kinds.base import CheckKind

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields
    from civicheck.kinds import Register


@dataclass(frozen=True)
class StatusOptions:
    codes: tuple[int, ...] = ()


class Status(CheckKind):
    name = "status"
    options = StatusOptions
    option_keys = ("code",)
    example = "'status: {url: https://example.go.id/, code: 404}'"
    reads_links = False
    searches_early = True  # judged from the answer and its assessment alone

    def parse(self, fields: Fields) -> StatusOptions:
        value = fields.get("code")
        values = value if isinstance(value, list) else [value]
        # code: "404" is what was meant: take a number written in quotes as the number.
        values = [int(v) if isinstance(v, str) and v.strip().isdigit() else v for v in values]
        if (
            value is None
            or not values
            or not all(isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599 for v in values)
        ):
            fields.problem(
                f"'status' needs 'code': an HTTP status (100-599) or a list of them, not "
                f"{fields.shown(value)}",
                "code",
            )
            return StatusOptions()
        return StatusOptions(tuple(values))

    def spec(self, options: StatusOptions) -> dict[str, Any]:
        return {"code": list(options.codes)}

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.checks import Evidence, Outcome, rate_limited, reachability, status_text, via
        from civicheck.report import FAIL, PASS, UNKNOWN

        codes = check.options.codes
        result = ctx.result(check.url)
        evidence = Evidence.of(result, ctx)
        wanted = " or ".join(str(c) for c in codes)
        if result.status is None:
            outcome, reason = reachability(result, ctx)
            if outcome == FAIL:
                return Outcome(check, FAIL, f"no HTTP answer, expected {wanted}: {reason}", evidence)
            return Outcome(check, UNKNOWN, reason, evidence)
        assessment = ctx.assessment(result.url)
        if assessment is not None and assessment.bot_wall:
            # The challenge's 403/503 is the wall's status, not the page's: it can neither match nor miss.
            return Outcome(check, UNKNOWN, assessment.bot_wall, evidence)
        if result.status == 429 and 429 not in codes:
            # Likewise a rate limit answers for how often we ask, not for the page (as with live and dead).
            return Outcome(check, UNKNOWN, rate_limited(result), evidence)
        if result.status in codes:
            return Outcome(check, PASS, f"answered {status_text(result)}{via(result)}, as expected", evidence)
        return Outcome(
            check, FAIL, f"answered {status_text(result)}{via(result)}, expected {wanted}", evidence
        )


def register_kinds(register: Register) -> None:
    register(Status())
