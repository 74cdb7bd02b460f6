"""Earlier nights for a history database: a real run's report moved back in time, with some pages answering
otherwise. The HTML report's availability charts read them (tests/test_html_report.py, docs/sample_report.py).
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

# (status, error kind, soft-404 signals) a URL answered that night; error "timeout" with offline=True is a night
# our own network was down.
State = tuple[int | None, str | None, list[str]]
OFFLINE = "network unavailable: no canary answered (this machine is offline)"


def a_night_ago(report: dict, days: int, states: dict[str, State], *, offline: bool = False) -> dict:
    """`report` as if it had run `days` nights earlier, each URL of `states` answering as given there; a live
    check on it passes, fails, or (offline) is unknown, and its claim's verdict follows."""
    past = copy.deepcopy(report)
    when = datetime.fromisoformat(report["started_at"].replace("Z", "+00:00")) - timedelta(days=days)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    past["started_at"] = past["finished_at"] = stamp
    for claim in past["claims"]:
        for check in claim["checks"]:
            evidence = check["evidence"]
            evidence["fetched_at"] = stamp
            if check["url"] not in states:
                continue
            status, error, soft404 = states[check["url"]]
            detail = {200: "200 OK", 404: "404 Not Found", 410: "410 Gone"}.get(status, f"{status or error}")
            if error == "dns":
                detail = f"DNS lookup failed: {check['url'].split('/')[2]} does not exist"
            evidence.update(status=status, error=error, soft404=soft404, detail=detail)
            if offline:
                evidence["network"] = OFFLINE
            if check["kind"] == "live":
                check["outcome"] = (
                    "unknown" if offline else "pass" if status == 200 and not soft404 else "fail"
                )
                claim["verdict"] = claim["reported_verdict"] = {"pass": "supported", "fail": "refuted"}.get(
                    check["outcome"], "unverified"
                )
    return past
