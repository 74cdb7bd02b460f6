"""The history database: every verify run, its claims' verdicts and its checks' evidence, so nightly runs remember.

One SQLite file (the CLI's default is .civicheck/history.sqlite); its schema changes only through MIGRATIONS.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from civicheck.clock import now_utc
from civicheck.errors import CivicheckError

if TYPE_CHECKING:
    from civicheck.changes import Changes

DEFAULT_PATH = Path(".civicheck") / "history.sqlite"
# Seconds to wait for another run's write before giving up. A run holds the lock while it damps its verdicts,
# writes its report and records itself: at 100,000 claims that is about a minute, so wait well beyond it.
DEFAULT_BUSY_TIMEOUT = 600.0
_LOCK_SLICE = 0.5  # SQLite's own wait per attempt; between attempts we can say that we are waiting
_WAIT_NOTICE_EVERY = 60.0  # seconds between "still waiting" notices


class HistoryError(CivicheckError):
    """The history database cannot be used (not a database, made by a newer civicheck, damaged)."""


class HistoryLocked(HistoryError):
    """Another civicheck run holds the history database's write lock for longer than we wait."""

    def __init__(self, path: Path | str, waited: float | None = None):
        self.path = str(path)
        after = "" if waited is None else f" (waited {waited:.1f} s)" if waited < 10 else f" (waited {waited:.0f} s)"
        super().__init__(
            f"the history database {self.path} is locked by another civicheck run{after}; try again or use --db"
        )


class HistoryTooNew(HistoryError):
    """The history database was written by a newer civicheck, whose schema this one does not know."""


# Called while waiting for another run's lock: (seconds waited so far, seconds we will wait in all).
WaitNotice = Callable[[float, float], None]


# --- migrations ---------------------------------------------------------------------------------------------
# Append-only: a database remembers (in _migrations) which of these it has had, and opening it applies the rest
# in order. Never edit or reorder one that has shipped; add a new one instead.

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    # Columns for what we query or diff on; `extra` keeps any field a later civicheck adds to the JSON report
    # (fields are only ever added within a report schema), so run_report() gives back what was recorded.
    for sql in (
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            civicheck TEXT,
            report_schema INTEGER,
            network TEXT,
            summary TEXT,
            recorded_at TEXT NOT NULL,
            extra TEXT
        )""",
        """CREATE TABLE run_files (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (run_id, path)
        )""",
        """CREATE TABLE claim_results (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            claim_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            statement TEXT,
            verdict TEXT NOT NULL,
            reported_verdict TEXT,
            pending TEXT,
            expect TEXT,
            as_expected INTEGER,
            reason TEXT,
            file TEXT,
            line INTEGER,
            said_by TEXT,
            said_on TEXT,
            sources TEXT,
            tags TEXT,
            extra TEXT,
            PRIMARY KEY (run_id, claim_id)
        )""",
        """CREATE TABLE check_results (
            run_id INTEGER NOT NULL,
            claim_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            line INTEGER,
            spec TEXT,
            outcome TEXT NOT NULL,
            reason TEXT,
            final_url TEXT,
            status INTEGER,
            error TEXT,
            detail TEXT,
            fetched_at TEXT,
            sha256 TEXT,
            text_sha256 TEXT,
            evidence_extra TEXT,
            extra TEXT,
            PRIMARY KEY (run_id, claim_id, position),
            FOREIGN KEY (run_id, claim_id) REFERENCES claim_results(run_id, claim_id) ON DELETE CASCADE
        )""",
        """CREATE TABLE snapshots (
            run_id INTEGER NOT NULL,
            claim_id TEXT NOT NULL,
            check_position INTEGER NOT NULL,
            position INTEGER NOT NULL,
            kind TEXT,
            ref TEXT,
            url TEXT,
            captured_at TEXT,
            extra TEXT,
            PRIMARY KEY (run_id, claim_id, check_position, position),
            FOREIGN KEY (run_id, claim_id, check_position)
                REFERENCES check_results(run_id, claim_id, position) ON DELETE CASCADE
        )""",
        "CREATE INDEX snapshots_by_url ON snapshots (url)",
    ):
        db.execute(sql)


@migration
def m002_texts_and_claim_index(db: sqlite3.Connection) -> None:
    # Keep each extracted text once (zlib), keyed by its digest, so a content-drift diff can show the words
    # that changed; and index claim histories, which flap damping reads for every claim of every run.
    db.execute(
        """CREATE TABLE texts (
            sha256 TEXT PRIMARY KEY,
            zlib BLOB NOT NULL,
            chars INTEGER NOT NULL,
            first_run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL
        )"""
    )
    db.execute("CREATE INDEX claim_results_by_claim ON claim_results (claim_id, run_id)")


# --- what the store returns ---------------------------------------------------------------------------------


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


@dataclass
class Remembered:
    """What HistoryStore.remember did: the report with reported verdicts, what changed, where it is stored."""

    report: dict[str, Any]  # with reported_verdict and pending on every claim
    changes: Changes | None  # None on the first run
    run_id: int | None  # None until the run is recorded (the end of HistoryStore.recording's block)
    previous_run_id: int | None


# Keys that have their own columns; everything else in a claim/check/evidence dict goes to `extra`.
_RUN_KEYS = {"schema", "civicheck", "started_at", "finished_at", "network", "summary", "claims"}
_CLAIM_KEYS = {"id", "claim", "verdict", "reported_verdict", "pending", "expect", "as_expected", "reason", "file",
               "line", "said_by", "said_on", "sources", "tags", "checks"}
_CHECK_KEYS = {"kind", "url", "line", "spec", "outcome", "reason", "evidence"}
_EVIDENCE_KEYS = {"final_url", "status", "error", "detail", "fetched_at", "sha256", "text_sha256", "snapshots",
                  "text"}
_SNAPSHOT_KEYS = {"kind", "ref", "url", "captured_at"}


def file_digests(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """(path, sha256 of its bytes) for each claims file, as record_run wants them."""
    return [(str(p), _sha256_of(Path(p))) for p in paths]


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:  # in pieces: the file may have grown since it was loaded
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _extra(mapping: dict[str, Any], known: set[str]) -> str | None:
    rest = {k: v for k, v in mapping.items() if k not in known}
    return _dumps(rest) if rest else None


def _loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    name = getattr(exc, "sqlite_errorname", "")  # Python 3.11+
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc) or "busy" in str(exc)


class HistoryStore:
    """The history of every run recorded in one SQLite file. One store per thread or process.

    Writes are single `BEGIN IMMEDIATE` transactions in WAL mode, so concurrent runs queue for up to
    `busy_timeout` seconds and readers never block; a run that cannot get the lock raises HistoryLocked.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
                 on_wait: WaitNotice | None = None):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.on_wait = on_wait
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create the folder of the history database {self.path}: {exc.strerror}") from exc
        with self._errors():
            # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each write is exactly one transaction.
            self.db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None)
        try:
            with self._errors():
                self.db.execute("PRAGMA foreign_keys = ON")
                self._use_wal(busy_timeout)
                migrate(self.db, where=f"the history database {self.path}", begin=self._begin)
        except BaseException:
            self.db.close()
            raise

    def check(self) -> None:
        """Read every page of the database (PRAGMA quick_check): a damaged one is found before a run fetches
        anything, not when it records its results. Opening reads only the schema."""
        with self._errors():
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise HistoryError(f"the history database {self.path} is damaged (SQLite's check says: "
                               f"{'; '.join(problems)}); move it away to start a new history, or use --db")

    def _begin(self) -> None:
        """BEGIN IMMEDIATE (the write lock), waiting up to busy_timeout for another run to finish its write,
        and telling on_wait that we wait (a silent minute looks like a hang)."""
        started = time.monotonic()
        notice = 0.0
        # SQLite waits a slice at a time here, so that between slices we can say that we wait.
        self.db.execute(f"PRAGMA busy_timeout = {int(min(self.busy_timeout, _LOCK_SLICE) * 1000)}")
        try:
            while True:
                try:
                    self.db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    waited = time.monotonic() - started
                    if not _is_lock_error(exc):
                        raise
                    if waited >= self.busy_timeout:
                        raise HistoryLocked(self.path, waited) from exc
                    if self.on_wait is not None and waited >= notice:
                        self.on_wait(waited, self.busy_timeout)
                        notice = waited + _WAIT_NOTICE_EVERY
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    def _use_wal(self, timeout: float) -> None:
        # WAL lets readers work while a run writes. Switching a new file to it needs an exclusive lock, and SQLite
        # does not wait (busy_timeout) for that one: when two runs create the database at once, retry here.
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                mode = self.db.execute("PRAGMA journal_mode").fetchone()[0]
                if mode.lower() != "wal":
                    mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise HistoryError(f"the history database {self.path} cannot use WAL mode (got {mode!r})")
                return
            except sqlite3.OperationalError as exc:
                if not _is_lock_error(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if _is_lock_error(exc):
                raise HistoryLocked(self.path) from exc
            name = getattr(exc, "sqlite_errorname", "")  # Python 3.11+
            hint = " (is the disk under it full, or read-only?)" if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) \
                or "disk" in str(exc) else ""
            raise HistoryError(f"the history database {self.path} cannot be used: {exc}{hint}") from exc
        except sqlite3.IntegrityError as exc:
            raise HistoryError(f"the report cannot be recorded in {self.path}: {exc} (a claim id twice?)") from exc
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"{self.path} is not a usable civicheck history database ({exc}); move it away or use --db"
            ) from exc

    # --- writing --------------------------------------------------------------------------------------------

    def record_run(self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]] = ()) -> int:
        """Store a JSON report (as run_to_dict makes it, with reported verdicts when damped); its run id."""
        if not isinstance(report, dict) or "started_at" not in report or not isinstance(report.get("claims"), list):
            raise HistoryError("not a civicheck JSON report (it needs started_at and a claims list)")
        try:
            with self._errors(), _transaction(self.db, self._begin):
                return self._record(report, claim_files)
        except (KeyError, TypeError, AttributeError) as exc:
            # The transaction was rolled back: a malformed report leaves no half-recorded run.
            raise HistoryError(f"not a civicheck JSON report: {exc!r} is missing or malformed") from exc

    def _record(self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]]) -> int:
        run_id = self.db.execute(
            "INSERT INTO runs (started_at, finished_at, civicheck, report_schema, network, summary, recorded_at,"
            " extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (report["started_at"], report.get("finished_at"), report.get("civicheck"), report.get("schema"),
             report.get("network"), _dumps(report.get("summary", {})), now_utc(), _extra(report, _RUN_KEYS)),
        ).lastrowid
        self.db.executemany("INSERT INTO run_files (run_id, path, sha256) VALUES (?, ?, ?)",
                            [(run_id, str(p), h) for p, h in claim_files])
        for position, claim in enumerate(report.get("claims", [])):
            self._record_claim(run_id, position, claim)
        return run_id

    def _record_claim(self, run_id: int, position: int, c: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO claim_results (run_id, claim_id, position, statement, verdict, reported_verdict, pending,"
            " expect, as_expected, reason, file, line, said_by, said_on, sources, tags, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, c["id"], position, c.get("claim"), c["verdict"], c.get("reported_verdict"), c.get("pending"),
             c.get("expect"), None if c.get("as_expected") is None else int(c["as_expected"]), c.get("reason"),
             c.get("file"), c.get("line"), c.get("said_by"), c.get("said_on"), _dumps(c.get("sources", [])),
             _dumps(c.get("tags", [])), _extra(c, _CLAIM_KEYS)),
        )
        for pos, check in enumerate(c.get("checks", [])):
            self._record_check(run_id, c["id"], pos, check)

    def _record_check(self, run_id: int, claim_id: str, position: int, k: dict[str, Any]) -> None:
        ev = k.get("evidence") or {}
        self.db.execute(
            "INSERT INTO check_results (run_id, claim_id, position, kind, url, line, spec, outcome, reason,"
            " final_url, status, error, detail, fetched_at, sha256, text_sha256, evidence_extra, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, claim_id, position, k["kind"], k["url"], k.get("line"), _dumps(k.get("spec")), k["outcome"],
             k.get("reason"), ev.get("final_url"), ev.get("status"), ev.get("error"), ev.get("detail"),
             ev.get("fetched_at"), ev.get("sha256"), ev.get("text_sha256"), _extra(ev, _EVIDENCE_KEYS),
             _extra(k, _CHECK_KEYS)),
        )
        for pos, snap in enumerate(ev.get("snapshots") or []):
            self.db.execute(
                "INSERT INTO snapshots (run_id, claim_id, check_position, position, kind, ref, url, captured_at,"
                " extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, claim_id, position, pos, snap.get("kind"), snap.get("ref"), snap.get("url"),
                 snap.get("captured_at"), _extra(snap, _SNAPSHOT_KEYS)),
            )
        text, digest = ev.get("text"), ev.get("text_sha256")
        if isinstance(text, str) and digest:
            # Pages rarely change between nightly runs: one copy per distinct text.
            self.db.execute(
                "INSERT OR IGNORE INTO texts (sha256, zlib, chars, first_run_id) VALUES (?, ?, ?, ?)",
                (digest, zlib.compress(text.encode("utf-8"), 6), len(text), run_id),
            )

    def remember(self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]] = (), *,
                 confirm: int = 2) -> Remembered:
        """Damp this run's verdicts against the history, record it, and diff it with the previous run: one step
        (recording() with nothing to do between)."""
        with self.recording(report, claim_files, confirm=confirm) as remembered:
            pass
        return remembered

    @contextmanager
    def recording(self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]] = (), *,
                  confirm: int = 2) -> Iterator[Remembered]:
        """Damp this run's verdicts against the history and diff it with the previous run; the caller writes
        its report inside the `with`, and the run is recorded when the block ends, or not at all if it raises.

        History must never claim a run whose report was not written, so the record comes last. The write lock
        is held from the first read to the commit: two runs finishing at once each damp against the other's
        verdicts rather than both against the same older history.
        """
        from civicheck.changes import apply_damping, diff

        if not isinstance(report, dict) or not isinstance(report.get("claims"), list):
            raise HistoryError("not a civicheck JSON report (it needs a claims list)")
        with self._errors(), _transaction(self.db, self._begin):
            with _malformed_report():
                previous = self.last_runs(1)
                histories = self.verdict_histories((c["id"] for c in report["claims"]), limit=confirm)
                damped = apply_damping(report, histories, confirm)
                old = self.run_report(previous[0].id) if previous else None
                changes = diff(old, damped) if old is not None else None
            remembered = Remembered(damped, changes, None, previous[0].id if previous else None)
            yield remembered
            with _malformed_report():
                remembered.run_id = self._record(damped, claim_files)

    # --- reading --------------------------------------------------------------------------------------------

    def runs(self) -> list[RunInfo]:
        """Every recorded run, oldest first."""
        return self._run_infos("SELECT * FROM runs ORDER BY id")

    def last_runs(self, n: int) -> list[RunInfo]:
        """The `n` most recent runs, oldest first (so `previous, latest = store.last_runs(2)`)."""
        if n <= 0:
            return []
        return self._run_infos("SELECT * FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?) ORDER BY id", (n,))

    def _run_infos(self, sql: str, args: tuple[Any, ...] = ()) -> list[RunInfo]:
        with self._errors():
            self.db.row_factory = sqlite3.Row
            try:
                rows = self.db.execute(sql, args).fetchall()
                files: dict[int, list[tuple[str, str]]] = {r["id"]: [] for r in rows}
                first = min(files, default=0)
                for f in self.db.execute("SELECT run_id, path, sha256 FROM run_files WHERE run_id >= ?"
                                         " ORDER BY run_id, path", (first,)):
                    if f["run_id"] in files:
                        files[f["run_id"]].append((f["path"], f["sha256"]))
            finally:
                self.db.row_factory = None
        return [RunInfo(r["id"], r["started_at"], r["finished_at"], r["civicheck"], r["network"],
                        _loads(r["summary"], {}),
                        files[r["id"]], r["recorded_at"]) for r in rows]

    def claim_history(self, claim_id: str, limit: int | None = None) -> list[ClaimState]:
        """The claim's verdict in every recorded run that checked it (the last `limit` only), oldest first."""
        with self._errors():
            rows = self.db.execute(
                "SELECT c.run_id, r.started_at, c.verdict, c.reported_verdict FROM claim_results c"
                " JOIN runs r ON r.id = c.run_id WHERE c.claim_id = ? ORDER BY c.run_id DESC LIMIT ?",
                (claim_id, -1 if limit is None else limit),
            ).fetchall()
        return [ClaimState(*row) for row in reversed(rows)]

    def verdict_histories(self, claim_ids: Iterable[str],
                          limit: int | None = None) -> dict[str, list[tuple[str, str | None]]]:
        """For changes.apply_damping: claim id → [(raw verdict, reported verdict)] of recorded runs, oldest first.

        Damping with --confirm N needs only the last N runs: pass limit=N to keep a long history cheap.
        """
        return {cid: [(s.verdict, s.reported_verdict) for s in self.claim_history(cid, limit)] for cid in claim_ids}

    def url_evidence(self, urls: Iterable[str], since: str = "") -> list[tuple[str, str, dict[str, Any]]]:
        """(run started_at, url, evidence) of every recorded run since `since` (ISO) that cited one of `urls`:
        one row per run and URL (every check of a URL shares one fetch in a run), oldest run first. What the
        HTML report's availability charts read."""
        wanted = list(dict.fromkeys(urls))
        rows: dict[tuple[int, str], tuple[str, str, dict[str, Any]]] = {}
        with self._errors():
            for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one statement
                chunk = wanted[start:start + 500]
                for run_id, started_at, url, status, error, detail, fetched_at, extra in self.db.execute(
                    "SELECT k.run_id, r.started_at, k.url, k.status, k.error, k.detail, k.fetched_at,"
                    " k.evidence_extra FROM check_results k JOIN runs r ON r.id = k.run_id"
                    f" WHERE r.started_at >= ? AND k.url IN ({', '.join('?' * len(chunk))})"
                    " ORDER BY k.run_id, k.claim_id, k.position", (since, *chunk),
                ):
                    evidence = {"status": status, "error": error, "detail": detail, "fetched_at": fetched_at,
                                **_loads(extra, {})}
                    rows.setdefault((run_id, url), (started_at, url, evidence))
        return [rows[key] for key in sorted(rows)]

    def text(self, sha256: str) -> str | None:
        """An extracted text by its digest, when a run stored it."""
        with self._errors():
            row = self.db.execute("SELECT zlib FROM texts WHERE sha256 = ?", (sha256,)).fetchone()
        return None if row is None else zlib.decompress(row[0]).decode("utf-8")

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
        for s in self.db.execute("SELECT * FROM snapshots WHERE run_id = ? ORDER BY claim_id, check_position,"
                                 " position", (run_id,)):
            snap = {k: s[k] for k in ("kind", "ref", "url", "captured_at") if s[k] is not None}
            snaps.setdefault((s["claim_id"], s["check_position"]), []).append({**snap, **_loads(s["extra"], {})})
        checks: dict[str, list[dict[str, Any]]] = {}
        for k in self.db.execute("SELECT * FROM check_results WHERE run_id = ? ORDER BY claim_id, position",
                                 (run_id,)):
            checks.setdefault(k["claim_id"], []).append(self._check_dict(k, snaps, cache))
        claims = []
        for c in self.db.execute("SELECT * FROM claim_results WHERE run_id = ? ORDER BY position", (run_id,)):
            claim = {
                "id": c["claim_id"], "claim": c["statement"], "verdict": c["verdict"], "expect": c["expect"],
                "as_expected": None if c["as_expected"] is None else bool(c["as_expected"]), "reason": c["reason"],
                "file": c["file"], "line": c["line"], "said_by": c["said_by"], "said_on": c["said_on"],
                "sources": _loads(c["sources"], []), "tags": _loads(c["tags"], []),
            }
            if c["reported_verdict"] is not None:
                claim["reported_verdict"] = c["reported_verdict"]
                claim["pending"] = c["pending"]
            claim.update(_loads(c["extra"], {}))
            claim["checks"] = checks.get(c["claim_id"], [])
            claims.append(claim)
        report = {
            "schema": run["report_schema"], "civicheck": run["civicheck"], "started_at": run["started_at"],
            "finished_at": run["finished_at"], "network": run["network"], "summary": _loads(run["summary"], {}),
        }
        report.update(_loads(run["extra"], {}))
        report["claims"] = claims
        return report

    def _check_dict(self, k: sqlite3.Row, snaps: dict[tuple[str, int], list[dict[str, Any]]],
                    texts: dict[str, str | None] | None) -> dict[str, Any]:
        evidence = {key: k[key] for key in ("final_url", "status", "error", "detail", "fetched_at", "sha256",
                                            "text_sha256")}
        evidence.update(_loads(k["evidence_extra"], {}))
        if (k["claim_id"], k["position"]) in snaps:
            evidence["snapshots"] = snaps[(k["claim_id"], k["position"])]
        if texts is not None and k["text_sha256"]:
            if k["text_sha256"] not in texts:
                texts[k["text_sha256"]] = self.text(k["text_sha256"])
            text = texts[k["text_sha256"]]
            if text is not None:
                evidence["text"] = text
        check = {"kind": k["kind"], "url": k["url"], "line": k["line"], "spec": _loads(k["spec"]),
                 "outcome": k["outcome"], "reason": k["reason"], "evidence": evidence}
        check.update(_loads(k["extra"], {}))
        return check


@contextmanager
def _malformed_report() -> Iterator[None]:
    try:
        yield
    except (KeyError, TypeError, AttributeError) as exc:
        # The transaction is rolled back: a malformed report leaves no half-recorded run.
        raise HistoryError(f"not a civicheck JSON report: {exc!r} is missing or malformed") from exc


@contextmanager
def _transaction(db: sqlite3.Connection, begin: Callable[[], None] | None = None) -> Iterator[None]:
    # IMMEDIATE takes the write lock up front: a busy database makes us wait (busy_timeout) or fail here,
    # never halfway through a run's rows.
    if begin is None:
        db.execute("BEGIN IMMEDIATE")
    else:
        begin()
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def migrate(db: sqlite3.Connection, upto: int | None = None, *, where: str = "the history database",
            begin: Callable[[], None] | None = None) -> list[str]:
    """Apply the migrations the database has not had (the first `upto` only, if given); their names."""
    wanted = MIGRATIONS[:upto] if upto is not None else MIGRATIONS
    if set(_applied(db)) >= {fn.__name__ for fn in wanted}:
        _refuse_newer(db, where)
        return []
    done = []
    with _transaction(db, begin):
        # Another run may have migrated while we waited for the lock: look again inside the transaction.
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = set(_applied(db))
        for fn in wanted:
            if fn.__name__ not in applied:
                fn(db)
                db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, now_utc()))
                done.append(fn.__name__)
    _refuse_newer(db, where)
    return done


def _applied(db: sqlite3.Connection) -> list[str]:
    exists = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").fetchone()
    if not exists:
        return []
    return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def _refuse_newer(db: sqlite3.Connection, where: str) -> None:
    unknown = set(_applied(db)) - {fn.__name__ for fn in MIGRATIONS}
    if unknown:
        raise HistoryTooNew(
            f"{where} was written by a newer civicheck (it has migrations {', '.join(sorted(unknown))}"
            " this version does not know); upgrade civicheck or use another --db"
        )
