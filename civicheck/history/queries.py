"""Reading the history: the runs recorded, a claim's verdicts over time (what flap damping reads), a page's
evidence over the nights (the HTML charts), and a recorded run's report as it was recorded.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import zlib
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from civicheck.errors import HistoryError
from civicheck.history.rows import loads

if TYPE_CHECKING:
    from civicheck.changes import Changes


class ClaimState(NamedTuple):
    """A claim's verdict in one run: raw (what the checks said) and reported (after flap damping)."""

    run_id: int
    started_at: str
    verdict: str
    reported_verdict: str | None


@dataclass(frozen=True)
class RunInfo:
    id: int
    started_at: str
    finished_at: str | None
    civicheck: str | None
    network: str | None
    summary: dict[str, int]
    claim_files: list[tuple[str, str]]  # (path, sha256)
    recorded_at: str


@dataclass(frozen=True)
class VerdictCounts:
    """A run's verdicts counted twice: as reported (flap-damped: what its report printed) and as the run itself
    said (its checks' raw verdicts); `pending` claims are reported as before while a new verdict waits."""

    reported: dict[str, int]
    said: dict[str, int]
    pending: int


class Queries:
    """HistoryStore's reading half (store.py opens the database and writes to it)."""

    db: sqlite3.Connection
    path: Path
    if TYPE_CHECKING:

        def _errors(self) -> AbstractContextManager[None]: ...  # store.py's: sqlite3 errors as HistoryErrors

    def runs(self) -> list[RunInfo]:
        """Every recorded run, oldest first."""
        return self._run_infos("SELECT * FROM runs ORDER BY id")

    def last_runs(self, n: int) -> list[RunInfo]:
        """The `n` most recent runs, oldest first (so `previous, latest = store.last_runs(2)`)."""
        if n <= 0:
            return []
        return self._run_infos(
            "SELECT * FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?) ORDER BY id", (n,)
        )

    def _run_infos(self, sql: str, args: tuple[Any, ...] = ()) -> list[RunInfo]:
        with self._errors():
            self.db.row_factory = sqlite3.Row
            try:
                rows = self.db.execute(sql, args).fetchall()
                files: dict[int, list[tuple[str, str]]] = {r["id"]: [] for r in rows}
                first = min(files, default=0)
                for f in self.db.execute(
                    "SELECT run_id, path, sha256 FROM run_files WHERE run_id >= ? ORDER BY run_id, path",
                    (first,),
                ):
                    if f["run_id"] in files:
                        files[f["run_id"]].append((f["path"], f["sha256"]))
            finally:
                self.db.row_factory = None
        return [
            RunInfo(
                r["id"],
                r["started_at"],
                r["finished_at"],
                r["civicheck"],
                r["network"],
                loads(r["summary"], {}),
                files[r["id"]],
                r["recorded_at"],
            )
            for r in rows
        ]

    def verdict_counts(self, run_ids: Iterable[int]) -> dict[int, VerdictCounts]:
        """run id → its verdicts as reported and as the run said them (`civicheck history`). A run recorded
        without damping (reported_verdict NULL) reported what it said."""
        from civicheck.report import VERDICTS

        wanted = list(run_ids)
        counts = {
            run_id: VerdictCounts(dict.fromkeys(VERDICTS, 0), dict.fromkeys(VERDICTS, 0), 0)
            for run_id in wanted
        }
        with self._errors():
            for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one statement
                chunk = wanted[start : start + 500]
                rows = self.db.execute(
                    "SELECT run_id, verdict, COALESCE(reported_verdict, verdict), pending IS NOT NULL"
                    f" FROM claim_results WHERE run_id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                pending: dict[int, int] = {}
                for run_id, said, reported, held in rows:
                    counts[run_id].said[said] = counts[run_id].said.get(said, 0) + 1
                    counts[run_id].reported[reported] = counts[run_id].reported.get(reported, 0) + 1
                    pending[run_id] = pending.get(run_id, 0) + held
                for run_id, n in pending.items():
                    counts[run_id] = dataclasses.replace(counts[run_id], pending=n)
        return counts

    def with_old_evidence(self, changes: Changes, old_run_id: int) -> Changes:
        """`changes` (a diff from run `old_run_id`) with each changed verdict's old copy taken from the last run,
        up to that one, whose checks themselves said the old verdict. After a confirmed change the old run only
        kept reporting the old verdict: its own copy already shows the new page and supports the new one."""
        verdicts = []
        for v in changes.verdicts:
            if v.old is not None and v.old_raw != v.old:
                found = self._last_said(v.claim_id, v.old, old_run_id)
                if found is not None:
                    run_id, started_at, snapshots = found
                    v = dataclasses.replace(
                        v, old_snapshots=snapshots, old_evidence_run=run_id, old_evidence_at=started_at
                    )
            verdicts.append(v)
        return dataclasses.replace(changes, verdicts=verdicts)

    def _last_said(
        self, claim_id: str, verdict: str, up_to: int
    ) -> tuple[int, str, tuple[dict[str, Any], ...]] | None:
        """(run id, started at, deciding check's snapshots) of the last run up to `up_to` whose checks said
        `verdict` for the claim."""
        with self._errors():
            row = self.db.execute(
                "SELECT c.run_id, r.started_at, c.extra FROM claim_results c JOIN runs r ON r.id = c.run_id"
                " WHERE c.claim_id = ? AND c.verdict = ? AND c.run_id <= ? ORDER BY c.run_id DESC LIMIT 1",
                (claim_id, verdict, up_to),
            ).fetchone()
            if row is None:
                return None
            run_id, started_at, extra = row
            deciding = loads(extra, {}).get("deciding") or 0
            snaps = self.db.execute(
                "SELECT kind, ref, url, captured_at, extra FROM snapshots WHERE run_id = ? AND claim_id = ?"
                " AND check_position = ? ORDER BY position",
                (run_id, claim_id, deciding),
            ).fetchall()
        return (
            run_id,
            started_at,
            tuple(
                {
                    **{
                        k: v
                        for k, v in zip(("kind", "ref", "url", "captured_at"), snap[:4], strict=True)
                        if v is not None
                    },
                    **loads(snap[4], {}),
                }
                for snap in snaps
            ),
        )

    def claim_history(self, claim_id: str, limit: int | None = None) -> list[ClaimState]:
        """The claim's verdict in every recorded run that checked it (the last `limit` only), oldest first."""
        with self._errors():
            rows = self.db.execute(
                "SELECT c.run_id, r.started_at, c.verdict, c.reported_verdict FROM claim_results c"
                " JOIN runs r ON r.id = c.run_id WHERE c.claim_id = ? ORDER BY c.run_id DESC LIMIT ?",
                (claim_id, -1 if limit is None else limit),
            ).fetchall()
        return [ClaimState(*row) for row in reversed(rows)]

    def verdict_histories(
        self, claim_ids: Iterable[str], limit: int | None = None
    ) -> dict[str, list[tuple[str, str | None]]]:
        """For changes.apply_damping: claim id → [(raw verdict, reported verdict)] of recorded runs, oldest first.

        Damping with --confirm N needs only the last N runs: pass limit=N to keep a long history cheap.
        """
        return {
            cid: [(s.verdict, s.reported_verdict) for s in self.claim_history(cid, limit)]
            for cid in claim_ids
        }

    def url_evidence(self, urls: Iterable[str], since: str = "") -> list[tuple[str, str, dict[str, Any]]]:
        """(run started_at, url, evidence) of every recorded run since `since` (ISO) that cited one of `urls`:
        one row per run and URL (every check of a URL shares one fetch in a run), oldest run first. What the
        HTML report's availability charts read."""
        wanted = list(dict.fromkeys(urls))
        rows: dict[tuple[int, str], tuple[str, str, dict[str, Any]]] = {}
        with self._errors():
            for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one statement
                chunk = wanted[start : start + 500]
                for run_id, started_at, url, status, error, detail, fetched_at, extra in self.db.execute(
                    "SELECT k.run_id, r.started_at, k.url, k.status, k.error, k.detail, k.fetched_at,"
                    " k.evidence_extra FROM check_results k JOIN runs r ON r.id = k.run_id"
                    f" WHERE r.started_at >= ? AND k.url IN ({', '.join('?' * len(chunk))})"
                    " ORDER BY k.run_id, k.claim_id, k.position",
                    (since, *chunk),
                ):
                    evidence = {
                        "status": status,
                        "error": error,
                        "detail": detail,
                        "fetched_at": fetched_at,
                        **loads(extra, {}),
                    }
                    rows.setdefault((run_id, url), (started_at, url, evidence))
        return [rows[key] for key in sorted(rows)]

    def text(self, sha256: str) -> str | None:
        """An extracted text by its digest, when a run stored it."""
        with self._errors():
            row = self.db.execute("SELECT zlib FROM texts WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else zlib.decompress(row[0]).decode("utf-8")

    def add_texts(self, report: dict[str, Any], digests: set[str]) -> None:
        """Put the stored text of each of `digests` into the evidence of `report` (a run_report without texts)
        that names it."""
        found: dict[str, str | None] = {}
        for claim in report["claims"]:
            for check in claim["checks"]:
                evidence = check["evidence"]
                if evidence.get("text_sha256") in digests:
                    self._with_text(evidence, evidence["text_sha256"], found)

    def _with_text(self, evidence: dict[str, Any], digest: str, found: dict[str, str | None]) -> None:
        """The stored text of `digest` put into `evidence`, when one is stored; each text read once, into
        `found` (many checks cite one page)."""
        if digest not in found:
            found[digest] = self.text(digest)
        if found[digest] is not None:
            evidence["text"] = found[digest]

    def run_report(self, run_id: int, *, texts: bool = True) -> dict[str, Any]:
        """The JSON report of a recorded run as it was recorded (with evidence["text"] where stored)."""
        with self._errors():
            self.db.row_factory = sqlite3.Row
            try:
                return self._run_report(run_id, texts)
            finally:
                self.db.row_factory = None

    def _run_report(self, run_id: int, texts: bool) -> dict[str, Any]:
        cache: dict[str, str | None] | None = {} if texts else None  # many checks cite one page
        run = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if run is None:
            raise HistoryError(f"no run {run_id} in the history database {self.path}")
        snaps: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for s in self.db.execute(
            "SELECT * FROM snapshots WHERE run_id = ? ORDER BY claim_id, check_position, position", (run_id,)
        ):
            snap = {k: s[k] for k in ("kind", "ref", "url", "captured_at") if s[k] is not None}
            snaps.setdefault((s["claim_id"], s["check_position"]), []).append(
                {**snap, **loads(s["extra"], {})}
            )
        checks: dict[str, list[dict[str, Any]]] = {}
        for k in self.db.execute(
            "SELECT * FROM check_results WHERE run_id = ? ORDER BY claim_id, position", (run_id,)
        ):
            checks.setdefault(k["claim_id"], []).append(self._check_dict(k, snaps, cache))
        claims = []
        for c in self.db.execute("SELECT * FROM claim_results WHERE run_id = ? ORDER BY position", (run_id,)):
            claim = {
                "id": c["claim_id"],
                "claim": c["statement"],
                "verdict": c["verdict"],
                "expect": c["expect"],
                "as_expected": None if c["as_expected"] is None else bool(c["as_expected"]),
                "reason": c["reason"],
                "file": c["file"],
                "line": c["line"],
                "said_by": c["said_by"],
                "said_on": c["said_on"],
                "sources": loads(c["sources"], []),
                "tags": loads(c["tags"], []),
            }
            if c["reported_verdict"] is not None:
                claim["reported_verdict"] = c["reported_verdict"]
                claim["pending"] = c["pending"]
            claim.update(loads(c["extra"], {}))
            claim["checks"] = checks.get(c["claim_id"], [])
            claims.append(claim)
        report = {
            "schema": run["report_schema"],
            "civicheck": run["civicheck"],
            "started_at": run["started_at"],
            "finished_at": run["finished_at"],
            "network": run["network"],
            "summary": loads(run["summary"], {}),
        }
        report.update(loads(run["extra"], {}))
        report["claims"] = claims
        return report

    def _check_dict(
        self,
        k: sqlite3.Row,
        snaps: dict[tuple[str, int], list[dict[str, Any]]],
        texts: dict[str, str | None] | None,
    ) -> dict[str, Any]:
        evidence = {
            key: k[key]
            for key in ("final_url", "status", "error", "detail", "fetched_at", "sha256", "text_sha256")
        }
        evidence.update(loads(k["evidence_extra"], {}))
        if (k["claim_id"], k["position"]) in snaps:
            evidence["snapshots"] = snaps[(k["claim_id"], k["position"])]
        if texts is not None and k["text_sha256"]:
            self._with_text(evidence, k["text_sha256"], texts)
        check = {
            "kind": k["kind"],
            "url": k["url"],
            "line": k["line"],
            "spec": loads(k["spec"]),
            "outcome": k["outcome"],
            "reason": k["reason"],
            "evidence": evidence,
        }
        check.update(loads(k["extra"], {}))
        return check
