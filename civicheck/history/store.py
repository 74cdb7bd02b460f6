"""The history database: every verify run, its claims' verdicts and its checks' evidence, so nightly runs remember.

HistoryStore opens one SQLite file (the CLI's default is .civicheck/history.sqlite), migrates it
(migrations.py), waits its turn for the write lock, records runs and reads them back (queries.py).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zlib_ng import zlib_ng  # plain zlib data, written in half zlib's time

from civicheck.clock import now_utc
from civicheck.errors import HistoryError, HistoryLocked
from civicheck.history.migrations import migrate, transaction
from civicheck.history.queries import Queries
from civicheck.history.rows import (
    CHECK_KEYS,
    CLAIM_KEYS,
    EVIDENCE_KEYS,
    RUN_KEYS,
    SNAPSHOT_KEYS,
    dumps,
    extra,
)

if TYPE_CHECKING:
    from civicheck.changes import Changes

DEFAULT_PATH = Path(".civicheck") / "history.sqlite"
# Seconds to wait for another run's write before giving up. A run holds the lock while it damps its verdicts,
# writes its report and records itself: at 100,000 claims that is about a minute, so wait well beyond it.
DEFAULT_BUSY_TIMEOUT = 600.0
_LOCK_SLICE = 0.5  # SQLite's own wait per attempt; between attempts we can say that we are waiting
_WAIT_NOTICE_EVERY = 60.0  # seconds between "still waiting" notices


# Called while waiting for another run's lock: (seconds waited so far, seconds we will wait in all).
WaitNotice = Callable[[float, float], None]


@dataclass
class Remembered:
    """What HistoryStore.remember did: the report with reported verdicts, what changed, where it is stored."""

    report: dict[str, Any]  # with reported_verdict and pending on every claim
    changes: Changes | None  # None on the first run
    run_id: int | None  # None until the run is recorded (the end of HistoryStore.recording's block)
    previous_run_id: int | None


def file_digests(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """(path, sha256 of its bytes) for each claims file, as record_run wants them."""
    return [(str(p), _sha256_of(Path(p))) for p in paths]


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:  # in pieces: the file may have grown since it was loaded
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    name = getattr(exc, "sqlite_errorname", "")  # Python 3.11+
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc) or "busy" in str(exc)


class HistoryStore(Queries):
    """The history of every run recorded in one SQLite file. One store per thread or process.

    Writes are single `BEGIN IMMEDIATE` transactions in WAL mode, so concurrent runs queue for up to
    `busy_timeout` seconds and readers never block; a run that cannot get the lock raises HistoryLocked.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        on_wait: WaitNotice | None = None,
    ):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.on_wait = on_wait
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"cannot create the folder of the history database {self.path}: {exc.strerror}"
            ) from exc
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
            raise HistoryError(
                f"the history database {self.path} is damaged (SQLite's check says: "
                f"{'; '.join(problems)}); move it away to start a new history, or use --db"
            )

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
            hint = (
                " (is the disk under it full, or read-only?)"
                if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")) or "disk" in str(exc)
                else ""
            )
            raise HistoryError(f"the history database {self.path} cannot be used: {exc}{hint}") from exc
        except sqlite3.IntegrityError as exc:
            raise HistoryError(
                f"the report cannot be recorded in {self.path}: {exc} (a claim id twice?)"
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"{self.path} is not a usable civicheck history database ({exc}); move it away or use --db"
            ) from exc

    # --- writing --------------------------------------------------------------------------------------------

    def record_run(self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]] = ()) -> int:
        """Store a JSON report (as run_to_dict makes it, with reported verdicts when damped); its run id."""
        if (
            not isinstance(report, dict)
            or "started_at" not in report
            or not isinstance(report.get("claims"), list)
        ):
            raise HistoryError("not a civicheck JSON report (it needs started_at and a claims list)")
        try:
            with self._errors(), transaction(self.db, self._begin):
                return self._record(report, claim_files)
        except (KeyError, TypeError, AttributeError) as exc:
            # The transaction was rolled back: a malformed report leaves no half-recorded run.
            raise HistoryError(f"not a civicheck JSON report: {exc!r} is missing or malformed") from exc

    def _record(self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]]) -> int:
        run_id = self.db.execute(
            "INSERT INTO runs (started_at, finished_at, civicheck, report_schema, network, summary, recorded_at,"
            " extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report["started_at"],
                report.get("finished_at"),
                report.get("civicheck"),
                report.get("schema"),
                report.get("network"),
                dumps(report.get("summary", {})),
                now_utc(),
                extra(report, RUN_KEYS),
            ),
        ).lastrowid
        assert run_id is not None  # sqlite3 types lastrowid Optional; an INSERT always sets it
        self.db.executemany(
            "INSERT INTO run_files (run_id, path, sha256) VALUES (?, ?, ?)",
            [(run_id, str(p), h) for p, h in claim_files],
        )
        rows = _RunRows()
        for position, claim in enumerate(report.get("claims", [])):
            self._record_claim(run_id, position, claim, rows)
        # One executemany per table: a run of 1,000 claims made ~6,000 single INSERTs.
        self.db.executemany(
            "INSERT INTO claim_results (run_id, claim_id, position, statement, verdict, reported_verdict, pending,"
            " expect, as_expected, reason, file, line, said_by, said_on, sources, tags, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.claims,
        )
        self.db.executemany(
            "INSERT INTO check_results (run_id, claim_id, position, kind, url, line, spec, outcome, reason,"
            " final_url, status, error, detail, fetched_at, sha256, text_sha256, evidence_extra, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.checks,
        )
        self.db.executemany(
            "INSERT INTO snapshots (run_id, claim_id, check_position, position, kind, ref, url, captured_at,"
            " extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.snapshots,
        )
        self.db.executemany(
            "INSERT INTO texts (sha256, zlib, chars, first_run_id) VALUES (?, ?, ?, ?)", rows.texts.values()
        )
        return run_id

    def _record_claim(self, run_id: int, position: int, c: dict[str, Any], rows: _RunRows) -> None:
        rows.claims.append(
            (
                run_id,
                c["id"],
                position,
                c.get("claim"),
                c["verdict"],
                c.get("reported_verdict"),
                c.get("pending"),
                c.get("expect"),
                None if c.get("as_expected") is None else int(c["as_expected"]),
                c.get("reason"),
                c.get("file"),
                c.get("line"),
                c.get("said_by"),
                c.get("said_on"),
                dumps(c.get("sources", [])),
                dumps(c.get("tags", [])),
                extra(c, CLAIM_KEYS),
            )
        )
        for pos, check in enumerate(c.get("checks", [])):
            self._record_check(run_id, c["id"], pos, check, rows)

    def _record_check(
        self, run_id: int, claim_id: str, position: int, k: dict[str, Any], rows: _RunRows
    ) -> None:
        ev = k.get("evidence") or {}
        rows.checks.append(
            (
                run_id,
                claim_id,
                position,
                k["kind"],
                k["url"],
                k.get("line"),
                dumps(k.get("spec")),
                k["outcome"],
                k.get("reason"),
                ev.get("final_url"),
                ev.get("status"),
                ev.get("error"),
                ev.get("detail"),
                ev.get("fetched_at"),
                ev.get("sha256"),
                ev.get("text_sha256"),
                extra(ev, EVIDENCE_KEYS),
                extra(k, CHECK_KEYS),
            )
        )
        for pos, snap in enumerate(ev.get("snapshots") or []):
            rows.snapshots.append(
                (
                    run_id,
                    claim_id,
                    position,
                    pos,
                    snap.get("kind"),
                    snap.get("ref"),
                    snap.get("url"),
                    snap.get("captured_at"),
                    extra(snap, SNAPSHOT_KEYS),
                )
            )
        text, digest = ev.get("text"), ev.get("text_sha256")
        if isinstance(text, str) and digest and digest not in rows.texts and not self._has_text(digest):
            # Pages rarely change between nightly runs, and several checks cite one page: one copy per
            # distinct text, compressed only when it is not stored yet.
            rows.texts[digest] = (digest, zlib_ng.compress(text.encode("utf-8"), 6), len(text), run_id)

    def _has_text(self, digest: str) -> bool:
        """Is this text kept already (by an earlier run, or another check of this one)? Then it is not
        compressed again only to be ignored: on a night of unchanged pages, that was every text."""
        return self.db.execute("SELECT 1 FROM texts WHERE sha256 = ?", (digest,)).fetchone() is not None

    def remember(
        self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]] = (), *, confirm: int = 2
    ) -> Remembered:
        """Damp this run's verdicts against the history, record it, and diff it with the previous run: one step
        (recording() with nothing to do between)."""
        with self.recording(report, claim_files, confirm=confirm) as remembered:
            pass
        return remembered

    @contextmanager
    def recording(
        self, report: dict[str, Any], claim_files: Sequence[tuple[str, str]] = (), *, confirm: int = 2
    ) -> Iterator[Remembered]:
        """Damp this run's verdicts against the history and diff it with the previous run; the caller writes
        its report inside the `with`, and the run is recorded when the block ends, or not at all if it raises.

        History must never claim a run whose report was not written, so the record comes last. The write lock
        is held from the first read to the commit: two runs finishing at once each damp against the other's
        verdicts rather than both against the same older history.
        """
        from civicheck.changes import apply_damping, diff, drift_texts

        if not isinstance(report, dict) or not isinstance(report.get("claims"), list):
            raise HistoryError("not a civicheck JSON report (it needs a claims list)")
        with self._errors(), transaction(self.db, self._begin):
            with _malformed_report():
                previous = self.last_runs(1)
                histories = self.verdict_histories((c["id"] for c in report["claims"]), limit=confirm)
                damped = apply_damping(report, histories, confirm)
                old = self.run_report(previous[0].id, texts=False) if previous else None
                if old is not None:  # the earlier texts of the pages whose text changed: all diff compares
                    self.add_texts(old, drift_texts(old, damped))
                changes = (
                    self.with_old_evidence(diff(old, damped), previous[0].id) if old is not None else None
                )
            remembered = Remembered(damped, changes, None, previous[0].id if previous else None)
            yield remembered
            with _malformed_report():
                remembered.run_id = self._record(damped, claim_files)


@dataclass
class _RunRows:
    """A run's rows, gathered claim by claim and inserted table by table (HistoryStore._record)."""

    claims: list[tuple[Any, ...]] = field(default_factory=list)
    checks: list[tuple[Any, ...]] = field(default_factory=list)
    snapshots: list[tuple[Any, ...]] = field(default_factory=list)
    texts: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # by digest: one copy of each text


@contextmanager
def _malformed_report() -> Iterator[None]:
    try:
        yield
    except (KeyError, TypeError, AttributeError) as exc:
        # The transaction is rolled back: a malformed report leaves no half-recorded run.
        raise HistoryError(f"not a civicheck JSON report: {exc!r} is missing or malformed") from exc
