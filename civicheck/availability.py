"""When was a cited page up, down or a soft 404? Night by night, from this run, the history database and an
archive's captures: the data of the HTML report's availability charts (render/html.py draws them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

DAYS = 30  # nights a chart shows, ending on the run's own
UP, DOWN, SOFT404, UNKNOWN = "up", "down", "soft-404", "unknown"
# Fetch failures that are the site's (when our own network was up): anything else says nothing of the site.
_SITE_FAILURES = {"dns", "refused", "timeout", "tls", "too_many_redirects", "http_4xx", "http_5xx"}
RUNS = "civicheck"  # the label of the row of our own runs


@dataclass(frozen=True)
class Observation:
    """One look at a URL: when (ISO 8601 UTC), what it was, why we say so, and who looked."""

    when: str
    state: str
    detail: str
    source: str = RUNS

    @property
    def night(self) -> str:
        return self.when[:10]


def state_of(evidence: Mapping[str, Any]) -> tuple[str, str] | None:
    """(state, detail) of a page from a check's evidence, or None when nothing was looked at (a replay that
    lacked the record). A failure our own network may have caused is `unknown`, never `down`."""
    status, error = evidence.get("status"), evidence.get("error")
    detail = str(evidence.get("detail") or error or (status if status is not None else ""))
    network = str(evidence.get("network") or "")
    if evidence.get("note"):  # an archived copy stood in for the live page, which could not be had
        return (UNKNOWN if network.startswith("network un") else DOWN), str(evidence["note"])
    if status is None and error is None:
        return None
    if status is not None and status >= 400:
        return DOWN, detail
    if status is not None and error is None:
        if evidence.get("soft404"):
            return SOFT404, "soft 404: " + ", ".join(map(str, evidence["soft404"]))
        return UP, detail
    if network.startswith("network un") or error not in _SITE_FAILURES:
        return (
            UNKNOWN,
            detail,
        )  # offline, refused by us (not_public), over our size cap, a proxy: not the site's
    return DOWN, detail


def _first_evidence(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """url → the evidence of the first check citing it (every check of a URL shares one fetch in a run)."""
    found: dict[str, dict[str, Any]] = {}
    for claim in report.get("claims") or []:
        for check in claim.get("checks") or []:
            if check.get("url") not in found:
                found[check["url"]] = check.get("evidence") or {}
    return found


def from_report(report: Mapping[str, Any]) -> dict[str, list[Observation]]:
    """What one run saw of each URL it cites."""
    out: dict[str, list[Observation]] = {}
    for url, evidence in _first_evidence(report).items():
        found = state_of(evidence)
        when = evidence.get("fetched_at") or report.get("started_at") or ""
        if found is not None and when:
            out[url] = [Observation(str(when), *found)]
    return out


def from_history(rows: Iterable[tuple[str, str, dict[str, Any]]]) -> dict[str, list[Observation]]:
    """Observations from the history's (run started_at, url, evidence) rows (HistoryStore.url_evidence)."""
    out: dict[str, list[Observation]] = {}
    for started_at, url, evidence in rows:
        found = state_of(evidence)
        if found is not None:
            out.setdefault(url, []).append(Observation(str(evidence.get("fetched_at") or started_at), *found))
    return out


def from_captures(captures: Iterable[Any], source: str) -> list[Observation]:
    """Observations from an archive's CDX captures (archive.cdx.Capture): 2xx up, 4xx/5xx down. A revisit (no
    status: same content as an earlier capture) and a redirect say nothing about the page itself."""
    out = []
    for capture in captures:
        code = capture.statuscode
        if code is None or 300 <= code < 400:
            continue
        out.append(
            Observation(capture.iso, UP if code < 300 else DOWN, f"{source} captured it: {code}", source)
        )
    return out


@dataclass(frozen=True)
class Cell:
    """A night of one row. Seen several times that night (runs, captures), the last look is its state, so the
    chart ends on what the report says; `mixed` marks a night whose looks disagreed (a dip, a recovery)."""

    night: str  # YYYY-MM-DD
    state: str
    detail: str  # every look that night, "02:00Z down: 404 Not Found; 14:00Z up: 200 OK"
    mixed: bool = False


@dataclass
class Row:
    label: str  # "civicheck", "wayback", "pywb"
    cells: list[Cell | None]  # one per night of the chart, None when nobody looked

    def counts(self) -> dict[str, int]:
        counts = {UP: 0, DOWN: 0, SOFT404: 0, UNKNOWN: 0}
        for cell in self.cells:
            if cell is not None:
                counts[cell.state] += 1
        return counts


@dataclass
class Chart:
    url: str
    nights: list[str]  # oldest first
    rows: list[Row] = field(default_factory=list)

    def summary(self) -> str:
        """The chart in words (its text alternative): "civicheck: up 27 nights, down 2, soft-404 1"."""
        parts = []
        for row in self.rows:
            counts = [f"{state} {n}" for state, n in row.counts().items() if n]
            looked = sum(cell is not None for cell in row.cells)
            parts.append(
                f"{row.label}: {', '.join(counts)} (of {looked} night{'s' if looked != 1 else ''} seen)"
            )
        return f"last {len(self.nights)} nights, " + "; ".join(parts)


def _nights(end: str, days: int) -> list[str]:
    last = date.fromisoformat(end[:10])
    return [(last - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def charts(
    observations: Mapping[str, Sequence[Observation]],
    end: str,
    days: int = DAYS,
    current: Mapping[str, Sequence[Observation]] | None = None,
) -> dict[str, Chart]:
    """A chart per URL that has something to show besides `current` (this run's own look): a history or a
    capture within the `days` nights ending on `end` (the run's date). One row per source."""
    try:
        nights = _nights(end, days)
    except ValueError:
        return {}
    shown = set(nights)
    out = {}
    for url in dict.fromkeys([*observations, *(current or {})]):
        seen = [o for o in observations.get(url, ()) if o.night in shown]
        if not seen:
            continue
        seen += [o for o in (current or {}).get(url, ()) if o.night in shown]
        by_source: dict[str, dict[str, list[Observation]]] = {}
        for o in sorted(seen, key=lambda o: o.when):  # oldest first: a night's last look is its state
            by_source.setdefault(o.source, {}).setdefault(o.night, []).append(o)
        order = sorted(by_source, key=lambda s: (s != RUNS, s))  # our own runs first
        rows = [
            Row(source, [_cell(night, by_source[source].get(night, [])) for night in nights])
            for source in order
        ]
        out[url] = Chart(url, nights, rows)
    return out


def _cell(night: str, looks: list[Observation]) -> Cell | None:
    if not looks:
        return None
    detail = "; ".join(
        f"{o.when[11:16]}Z {o.state}: {o.detail}" if len(o.when) > 16 else f"{o.state}: {o.detail}"
        for o in looks
    )
    return Cell(night, looks[-1].state, detail, mixed=len({o.state for o in looks}) > 1)


def collect(
    report: Mapping[str, Any], store: Any = None, archives: Sequence[Any] = (), days: int = DAYS
) -> tuple[dict[str, Chart], list[str]]:
    """(chart per URL, problems) for a report about to be written: its own run, the runs in `store` (a
    HistoryStore, or None) and the captures of each `archives` CDX client (archive.cdx.CdxClient) over the
    `days` nights ending on the run's date. An archive that cannot answer is a problem, never a failure."""
    end = str(report.get("started_at") or "")
    current = from_report(report)
    try:
        first = _nights(end, days)[0]
    except ValueError:
        return {}, []
    seen: dict[str, list[Observation]] = {}
    if store is not None:
        for url, found in from_history(store.url_evidence(current, since=first)).items():
            seen.setdefault(url, []).extend(found)
    problems: list[str] = []
    if archives and current:
        from concurrent.futures import ThreadPoolExecutor

        from civicheck.errors import ArchiveUnavailable

        def look(job: tuple[Any, str]) -> tuple[str, list[Observation] | str]:
            cdx, url = job
            try:
                return url, from_captures(cdx.captures(url, since=first.replace("-", "")), cdx.name)
            except ArchiveUnavailable as exc:
                return url, str(exc)

        jobs = [(cdx, url) for cdx in archives for url in current]
        with ThreadPoolExecutor(max_workers=4) as pool:  # an archive's CDX API is slow; be gentle with it
            for url, answer in pool.map(look, jobs):
                if isinstance(answer, str):
                    problems.append(answer)
                else:
                    seen.setdefault(url, []).extend(answer)
    return charts(seen, end, days, current=current), problems
