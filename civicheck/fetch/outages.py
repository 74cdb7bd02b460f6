"""The outages of a run, from the canary's answers: every stretch during which no canary answered, and the
words a report says them in ("network down once (5.5 s)").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from civicheck.fetch.canary import CanaryAnswer

if TYPE_CHECKING:
    from civicheck.report import Outage


def outages(answers: Sequence[CanaryAnswer]) -> list[Outage]:
    """Every stretch of the run during which no canary answered: `from` (the last sign of life before it), `to`
    (the canary's first answer after it; None when the run ended first), `seconds` (to `to`, or to the last
    question that went unanswered) and `detail` (what the canary said when it was first asked)."""
    found: list[Outage] = []
    current: dict[str, Any] | None = None
    last_down, run = "", None
    for answer in sorted(answers, key=lambda a: (a.run, _parse(a.asked_at))):
        if answer.run != run and current is not None:  # a replay of several runs: one's outage ends with it
            found.append(_ended(current, last_down))
            current = None
        run = answer.run
        if not answer.online:
            if current is None:
                current = {"from": answer.since or answer.asked_at, "to": None, "detail": answer.detail}
            last_down = answer.answered_at
        elif current is not None:
            current["to"] = answer.answered_at
            found.append(_ended(current, answer.answered_at))
            current = None
    if current is not None:
        found.append(_ended(current, last_down))
    return found


def network_sentence(answers: Sequence[CanaryAnswer]) -> str | None:
    """The report's `network` line: the canary's last answer, and how long the network was down during the run
    (None when the canary was never asked)."""
    if not answers:
        return None
    last = max(answers, key=lambda a: (a.run, _parse(a.asked_at)))
    found = outages(answers)
    return f"{last.detail} ({outages_in_words(found)})" if found else last.detail


def outages_in_words(found: Sequence[Mapping[str, Any]]) -> str:
    """ "network down once (5.5 s)", "network down from 2026-11-28 02:00:01Z to the end of the run", …"""
    ended = [o for o in found if o.get("to")]
    times = "once" if len(ended) == 1 else f"{len(ended)} times"
    words = f"network down {times} ({round(sum(seconds_of(o) for o in ended), 1):g} s)" if ended else ""
    if len(ended) < len(found):  # the last one lasted to the end of the run: its length says nothing
        start = _clock_time(found[-1].get("from"))
        words += f"{', then' if words else 'network down'} from {start} to the end of the run"
    return words


def outage_summary(outage: Mapping[str, Any]) -> str:
    """One outage in a few words: "2026-11-28 02:00:01Z → 2026-11-28 02:00:06Z (5.2 s)"; an open end says it
    lasted to the end of the run."""
    start = _clock_time(outage.get("from"))
    end = _clock_time(outage.get("to")) if outage.get("to") else "the end of the run"
    return f"{start} → {end} ({seconds_of(outage):g} s)"


def seconds_of(outage: Mapping[str, Any]) -> float:
    """An outage's length; 0 for a value that is not a number (a report read back from a file may hold any)."""
    try:
        return round(float(outage.get("seconds") or 0), 1)
    except (TypeError, ValueError):
        return 0.0


def _ended(outage: dict[str, Any], end: str) -> Outage:
    seconds = max(0.0, (_parse(end) - _parse(outage["from"])).total_seconds()) if end else 0.0
    return {
        "from": outage["from"],
        "to": outage["to"],
        "seconds": round(seconds, 1),
        "detail": outage["detail"],
    }


def _parse(value: str | None) -> datetime:
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _clock_time(value: Any) -> str:
    """'2026-11-28T02:00:01.234Z' -> '2026-11-28 02:00:01Z': a reader does not need the milliseconds."""
    when = _parse(value)
    if when.year == 1:
        return str(value)
    return when.strftime("%Y-%m-%d %H:%M:%SZ")
