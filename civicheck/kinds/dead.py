"""`dead: URL`: the mirror of `live` (what would pass `live` fails here, and the other way round)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from civicheck.kinds.live import Live

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check
    from civicheck.kinds import Register


class Dead(Live):
    name = "dead"
    example = "'dead: https://example.go.id/'"

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.checks import Outcome, reachability, reachability_evidence
        from civicheck.report import FAIL, PASS, UNKNOWN

        result = ctx.result(check.url)
        outcome, reason = reachability(result, ctx, check.options.soft404)
        mirrored = {PASS: FAIL, FAIL: PASS, UNKNOWN: UNKNOWN}[outcome]
        if mirrored == FAIL:
            reason = f"still live: {reason}"
        return Outcome(check, mirrored, reason, reachability_evidence(result, ctx, check.options.soft404))


def register_kinds(register: Register) -> None:
    register(Dead())
