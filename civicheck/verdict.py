"""Outcomes of a claim's checks → the claim's verdict, and which outcome decided it.

refuted if any check fails; unverified if none fails but one is unknown; supported if all pass.
"""

from __future__ import annotations

from civicheck.checks import Outcome
from civicheck.report import FAIL, PASS, REFUTED, SUPPORTED, UNKNOWN, UNVERIFIED, Verdict


def decide(outcomes: list[Outcome]) -> tuple[Verdict, str, int]:
    """(verdict, reason, index of the deciding outcome)."""
    for i, o in enumerate(outcomes):
        if o.outcome == FAIL:
            return REFUTED, f"{o.check.kind} check failed: {o.reason}", i
    for i, o in enumerate(outcomes):
        if o.outcome == UNKNOWN:
            return UNVERIFIED, f"{o.check.kind} check could not decide: {o.reason}", i
    assert all(o.outcome == PASS for o in outcomes) and outcomes
    if len(outcomes) == 1:
        return SUPPORTED, f"{outcomes[0].check.kind} check passed: {outcomes[0].reason}", 0
    return SUPPORTED, f"all {len(outcomes)} checks passed", 0
