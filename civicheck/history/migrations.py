"""The history database's schema, changed only through MIGRATIONS: an append-only list of functions, each run
once per database in order and recorded in its _migrations table (as simonw/llm keeps its own).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from civicheck.clock import now_utc
from civicheck.errors import HistoryTooNew

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


@migration
def m003_good_fetches_and_probes(db: sqlite3.Connection) -> None:
    # What a nightly run needs to move no bytes for unchanged pages (history/revisits.py): the validators and
    # digest of each URL's last GOOD fetch, with where its copy is archived (the WARC file and record, so the
    # evidence reused on a 304 still names a snapshot that resolves); the reading of that body, so an unchanged
    # page is not extracted again; and the soft-404 probe answer of each URL pattern, re-probed after a week or
    # when a page it was compared with changes. Failures are never stored here.
    for sql in (
        """CREATE TABLE good_fetches (
            url TEXT PRIMARY KEY,
            cited_url TEXT NOT NULL,
            status INTEGER NOT NULL,
            reason TEXT,
            headers TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            sha256 TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            confirmed_at TEXT NOT NULL,
            warc TEXT NOT NULL,
            ref TEXT NOT NULL
        )""",
        """CREATE TABLE good_readings (
            url TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            selectors TEXT NOT NULL,
            shape TEXT NOT NULL,
            zlib BLOB NOT NULL
        )""",
        """CREATE TABLE probes (
            pattern TEXT PRIMARY KEY,
            probe_url TEXT NOT NULL,
            status INTEGER,
            sha256 TEXT,
            probed_at TEXT NOT NULL,
            warc TEXT NOT NULL,
            ref TEXT NOT NULL
        )""",
        # The WARC files of runs that ended well: a row above counts only once its file is here, so that a run
        # cut short (its WARC never renamed into place) leaves nothing that names a capture that does not exist.
        """CREATE TABLE good_warcs (
            warc TEXT PRIMARY KEY,
            closed_at TEXT NOT NULL
        )""",
        """CREATE TABLE probe_pages (
            pattern TEXT NOT NULL REFERENCES probes(pattern) ON DELETE CASCADE,
            url TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (pattern, url)
        )""",
    ):
        db.execute(sql)


@migration
def m004_good_searches(db: sqlite3.Connection) -> None:
    # The searches the text checks made of each page's stored reading (kinds/sources.py search_once), for the
    # same body and the same civicheck: a page unchanged on the next night is judged without being tokenised
    # and searched again, unless a check asks something new of it.
    db.execute(
        """CREATE TABLE good_searches (
            url TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            shape TEXT NOT NULL,
            zlib BLOB NOT NULL
        )"""
    )
    # A run looks its cited URLs up by cited_url (FetchMemory.conditions, read_before): without an index, each
    # batch of 500 read the whole table, which grows with every URL ever fetched well.
    db.execute("CREATE INDEX good_fetches_by_cited_url ON good_fetches (cited_url)")


@contextmanager
def transaction(db: sqlite3.Connection, begin: Callable[[], None] | None = None) -> Iterator[None]:
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


def migrate(
    db: sqlite3.Connection,
    upto: int | None = None,
    *,
    where: str = "the history database",
    begin: Callable[[], None] | None = None,
) -> list[str]:
    """Apply the migrations the database has not had (the first `upto` only, if given); their names."""
    wanted = MIGRATIONS[:upto] if upto is not None else MIGRATIONS
    if set(_applied(db)) >= {fn.__name__ for fn in wanted}:
        _refuse_newer(db, where)
        return []
    done = []
    with transaction(db, begin):
        # Another run may have migrated while we waited for the lock: look again inside the transaction.
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = set(_applied(db))
        for fn in wanted:
            if fn.__name__ not in applied:
                fn(db)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, now_utc())
                )
                done.append(fn.__name__)
    _refuse_newer(db, where)
    return done


def _applied(db: sqlite3.Connection) -> list[str]:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'"
    ).fetchone()
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
