"""`live: URL`: the URL answers 2xx with real content (not an empty page, a "not found" page, a bot wall)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civicheck.kinds.base import CheckKind

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields
    from civicheck.kinds import Register


@dataclass(frozen=True)
class LivenessOptions:
    soft404: bool = True  # look past the status code for "not found" pages


class Live(CheckKind):
    name = "live"
    options = LivenessOptions
    option_keys = ("soft404",)
    short_form = True
    example = "'live: https://example.go.id/'"
    reads_page = False
    reads_links = False
    searches_early = True  # judged from the answer and its assessment alone

    def parse(self, fields: Fields) -> LivenessOptions:
        return LivenessOptions(soft404=fields.flag("soft404", True))

    def spec(self, options: LivenessOptions) -> dict[str, Any]:
        return {} if options.soft404 else {"soft404": False}

    def liveness(self, check: Check, ctx: Context) -> list[tuple[str, bool]]:
        return [(check.url, check.options.soft404)]

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.checks import Outcome, reachability, reachability_evidence

        result = ctx.result(check.url)
        outcome, reason = reachability(result, ctx, check.options.soft404)
        return Outcome(check, outcome, reason, reachability_evidence(result, ctx, check.options.soft404))


def register_kinds(register: Register) -> None:
    register(Live())
