"""The history database: runs recorded whole, read back as reports, migrated forward, safe under concurrent runs."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from civicheck.errors import CivicheckError
from civicheck.history import (
    MIGRATIONS,
    ClaimState,
    HistoryError,
    HistoryLocked,
    HistoryStore,
    file_digests,
    migrate,
)

PAGE_TEXT = (
    "Kota Cilegon\nSmart City adalah program prioritas dalam RPJMD 2021-2026.\n" + "Berita lain. " * 400
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_report(
    verdicts: dict[str, str],
    started: str = "2026-11-28T02:00:00Z",
    text: str | None = PAGE_TEXT,
    reported: dict[str, str] | None = None,
) -> dict:
    """A JSON report shaped like report.run_to_dict's, with the fields the lead is adding (text, snapshots)."""
    claims = []
    for line, (cid, verdict) in enumerate(verdicts.items(), 1):
        evidence = {
            "final_url": "https://www.cilegon.go.id/",
            "redirects": [{"status": 301, "url": "http://cilegon.go.id/"}],
            "status": 200,
            "error": None,
            "detail": "200 OK",
            "fetched_at": started,
            "sha256": sha(f"body {text}"),
            "text_sha256": sha(text) if text is not None else None,
            "excerpt": "… program **prioritas** …",
            "hits": [
                {"text": "prioritas", "location": "block 2", "excerpt": "program prioritas", "mark": [8, 17]}
            ],
            "snapshots": [
                {"kind": "warc", "ref": ".civicheck/archive/run.warc.gz#rec-1", "captured_at": started},
                {
                    "kind": "wayback",
                    "url": "https://web.archive.org/web/20261128020000/https://www.cilegon.go.id/",
                    "captured_at": started,
                },
            ],
        }
        if text is not None:
            evidence["text"] = text
        claim = {
            "id": cid,
            "claim": f"Claim {cid}",
            "verdict": verdict,
            "expect": None,
            "as_expected": verdict == "supported",
            "reason": f"contains check: {verdict}",
            "file": "claims/cilegon.yaml",
            "line": line * 10,
            "said_by": "Pemerintah Kota Cilegon",
            "said_on": "2023-06-15",
            "sources": ["https://news.example/a"],
            "tags": ["cilegon"],
            "checks": [
                {
                    "kind": "contains",
                    "url": "https://www.cilegon.go.id/",
                    "line": line * 10 + 3,
                    "spec": {
                        "kind": "contains",
                        "url": "https://www.cilegon.go.id/",
                        "all": ["prioritas"],
                        "scope": "page",
                    },
                    "outcome": {"supported": "pass", "refuted": "fail", "unverified": "unknown"}[verdict],
                    "reason": "all 1 phrases found",
                    "evidence": evidence,
                },
                {
                    "kind": "live",
                    "url": "https://disnaker.cilegon.go.id/",
                    "line": line * 10 + 4,
                    "spec": {"kind": "live", "url": "https://disnaker.cilegon.go.id/"},
                    "outcome": "pass",
                    "reason": "answered 200 OK",
                    "evidence": {
                        "final_url": "https://disnaker.cilegon.go.id/",
                        "redirects": [],
                        "status": 200,
                        "error": None,
                        "detail": "200 OK",
                        "fetched_at": started,
                        "sha256": "ab" * 32,
                        "text_sha256": None,
                        "excerpt": None,
                        "hits": [],
                    },
                },
            ],
        }
        if reported:
            claim["reported_verdict"] = reported[cid]
            claim["pending"] = None if reported[cid] == verdict else f"pending: {verdict} 1/2"
        claims.append(claim)
    summary = {v: sum(x == v for x in verdicts.values()) for v in ("supported", "refuted", "unverified")}
    return {
        "schema": 1,
        "civicheck": "0.1.0",
        "started_at": started,
        "finished_at": started,
        "network": None,
        "summary": summary,
        "claims": claims,
    }


def test_a_recorded_run_reads_back_as_the_same_report(tmp_path):
    report = make_report(
        {"smart-city": "supported", "labour-app": "refuted"},
        reported={"smart-city": "supported", "labour-app": "supported"},
    )
    report["claims"][0]["future_field"] = {"added": "by a later civicheck"}  # kept, not dropped
    report["claims"][0]["checks"][0]["evidence"]["future_evidence"] = [1, 2]
    with HistoryStore(tmp_path / "h.sqlite") as store:
        run_id = store.record_run(report, [("claims/cilegon.yaml", "cd" * 32)])
        assert store.run_report(run_id) == report
        without_texts = store.run_report(run_id, texts=False)
        assert "text" not in without_texts["claims"][0]["checks"][0]["evidence"]
        [run] = store.runs()
        assert (run.id, run.started_at, run.civicheck, run.claim_files) == (
            run_id,
            "2026-11-28T02:00:00Z",
            "0.1.0",
            [("claims/cilegon.yaml", "cd" * 32)],
        )
        assert run.summary == {"supported": 1, "refuted": 1, "unverified": 0}


def test_texts_are_stored_once_compressed_and_found_by_digest(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        for day in range(1, 4):
            store.record_run(make_report({"a": "supported", "b": "supported"}, f"2026-11-0{day}T02:00:00Z"))
        store.record_run(make_report({"a": "supported"}, "2026-11-05T02:00:00Z", text=PAGE_TEXT + "\nBaru."))
        rows = store.db.execute(
            "SELECT sha256, length(zlib), chars FROM texts ORDER BY first_run_id"
        ).fetchall()
        assert [r[0] for r in rows] == [sha(PAGE_TEXT), sha(PAGE_TEXT + "\nBaru.")]
        assert rows[0][1] < len(PAGE_TEXT) / 5 and rows[0][2] == len(PAGE_TEXT)
        assert store.text(sha(PAGE_TEXT)) == PAGE_TEXT
        assert store.text("0" * 64) is None


def test_a_report_without_texts_or_snapshots_is_recorded(tmp_path):
    report = make_report({"a": "unverified"}, text=None)
    for check in report["claims"][0]["checks"]:
        check["evidence"].pop("snapshots", None)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        assert store.run_report(store.record_run(report)) == report


def test_runs_last_runs_and_claim_history(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ids = [
            store.record_run(make_report({"a": "supported", "b": "supported"}, "2026-11-01T02:00:00Z")),
            store.record_run(
                make_report({"a": "refuted"}, "2026-11-02T02:00:00Z", reported={"a": "supported"})
            ),
            store.record_run(
                make_report(
                    {"a": "refuted", "b": "unverified"},
                    "2026-11-03T02:00:00Z",
                    reported={"a": "refuted", "b": "supported"},
                )
            ),
        ]
        assert [r.id for r in store.runs()] == ids
        assert [r.id for r in store.last_runs(2)] == ids[1:]
        assert [r.id for r in store.last_runs(10)] == ids and store.last_runs(0) == []
        assert store.claim_history("a") == [
            ClaimState(ids[0], "2026-11-01T02:00:00Z", "supported", None),
            ClaimState(ids[1], "2026-11-02T02:00:00Z", "refuted", "supported"),
            ClaimState(ids[2], "2026-11-03T02:00:00Z", "refuted", "refuted"),
        ]
        assert [s.run_id for s in store.claim_history("b")] == [ids[0], ids[2]]  # b was not checked on day 2
        assert store.claim_history("a", limit=2) == store.claim_history("a")[1:]  # the last two, oldest first
        assert store.claim_history("nobody") == []
        assert store.verdict_histories(["b"]) == {"b": [("supported", None), ("unverified", "supported")]}


def test_a_malformed_report_leaves_no_half_recorded_run(tmp_path):
    report = make_report({"a": "supported", "b": "refuted"})
    del report["claims"][1]["verdict"]
    with HistoryStore(tmp_path / "h.sqlite") as store:
        with pytest.raises(HistoryError, match="not a civicheck JSON report"):
            store.record_run(report)
        duplicate = make_report({"a": "supported"})
        duplicate["claims"].append(duplicate["claims"][0])
        with pytest.raises(HistoryError, match="cannot be recorded"):
            store.record_run(duplicate)
        assert store.runs() == []
        assert store.db.execute("SELECT count(*) FROM claim_results").fetchone() == (0,)


def test_remember_damps_records_and_diffs_in_one_step(tmp_path):
    nights = ["supported", "refuted", "refuted"]
    with HistoryStore(tmp_path / "h.sqlite") as store:
        results = [
            store.remember(
                make_report(
                    {"portal": raw, "steady": "supported"},
                    f"2026-11-0{n}T02:00:00Z",
                    text=PAGE_TEXT + "\n" + "hari " * n,
                ),
                confirm=2,
            )
            for n, raw in enumerate(nights, 1)
        ]
        first, second, third = results
        assert first.changes is None and first.previous_run_id is None
        assert first.report["claims"][0]["reported_verdict"] == "supported"
        assert second.previous_run_id == first.run_id
        assert second.report["claims"][0]["reported_verdict"] == "supported"
        assert [(v.claim_id, v.pending) for v in second.changes.pending] == [
            ("portal", "pending: refuted 1/2")
        ]
        assert second.changes.verdicts == [] and len(second.changes.drift) == 1
        assert [(v.claim_id, v.old, v.new) for v in third.changes.verdicts] == [
            ("portal", "supported", "refuted")
        ]
        assert store.run_report(third.run_id) == third.report  # what was recorded is what was returned
        assert [s.reported_verdict for s in store.claim_history("portal")] == [
            "supported",
            "supported",
            "refuted",
        ]


def test_file_digests(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"claims: []\n")
    assert file_digests([path]) == [(str(path), hashlib.sha256(b"claims: []\n").hexdigest())]


# --- migrations ---------------------------------------------------------------------------------------------


def test_an_older_schema_is_migrated_without_losing_data(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    assert migrate(db, upto=1) == ["m001_initial"]
    # What a civicheck that only knew migration 1 wrote (raw SQL: today's code would also write texts).
    db.execute(
        "INSERT INTO runs (id, started_at, finished_at, civicheck, report_schema, network, summary,"
        " recorded_at) VALUES (1, '2026-10-01T02:00:00Z', '2026-10-01T02:00:09Z', '0.0.9', 1, NULL,"
        " '{\"supported\": 1}', '2026-10-01T02:00:10Z')"
    )
    db.execute("INSERT INTO run_files VALUES (1, 'claims/cilegon.yaml', 'ee')")
    db.execute(
        "INSERT INTO claim_results (run_id, claim_id, position, statement, verdict, reported_verdict,"
        " pending, sources, tags) VALUES (1, 'smart-city', 0, 'Smart City is a priority', 'supported',"
        " 'supported', NULL, '[]', '[]')"
    )
    db.execute(
        "INSERT INTO check_results (run_id, claim_id, position, kind, url, spec, outcome, reason, status,"
        " text_sha256) VALUES (1, 'smart-city', 0, 'contains', 'https://www.cilegon.go.id/',"
        " '{\"kind\": \"contains\"}', 'pass', 'found', 200, 'aa')"
    )
    db.execute(
        "INSERT INTO snapshots (run_id, claim_id, check_position, position, kind, url, captured_at)"
        " VALUES (1, 'smart-city', 0, 0, 'wayback', 'https://web.archive.org/web/1/x', '2026-10-01')"
    )
    assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'texts'").fetchone()
    db.close()

    with HistoryStore(path) as store:
        applied = [r[0] for r in store.db.execute("SELECT name FROM _migrations ORDER BY rowid")]
        assert applied == [fn.__name__ for fn in MIGRATIONS] and len(applied) >= 2
        assert store.claim_history("smart-city") == [
            ClaimState(1, "2026-10-01T02:00:00Z", "supported", "supported")
        ]
        old = store.run_report(1)
        assert old["civicheck"] == "0.0.9" and old["claims"][0]["claim"] == "Smart City is a priority"
        check = old["claims"][0]["checks"][0]
        assert (check["outcome"], check["evidence"]["status"], check["evidence"]["snapshots"][0]["kind"]) == (
            "pass",
            200,
            "wayback",
        )
        assert store.runs()[0].claim_files == [("claims/cilegon.yaml", "ee")]
        new_id = store.record_run(
            make_report({"smart-city": "supported"}, "2026-11-01T02:00:00Z")
        )  # texts work
        assert store.text(sha(PAGE_TEXT)) == PAGE_TEXT
        assert [s.run_id for s in store.claim_history("smart-city")] == [1, new_id]
        index = store.db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'claim_results_by_claim'"
        ).fetchone()
        assert index is not None
    with HistoryStore(path) as again:  # nothing left to apply: opening twice changes nothing
        assert migrate(again.db) == []
        assert len(again.runs()) == 2


def test_a_database_from_a_newer_civicheck_is_refused(tmp_path):
    path = tmp_path / "h.sqlite"
    HistoryStore(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', '2030-01-01T00:00:00Z')")
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="newer civicheck.*m999_from_the_future"):
        HistoryStore(path)


def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is a claims file, not a database\n" * 100)
    with pytest.raises(HistoryError, match="not a usable civicheck history database"):
        HistoryStore(path)


# --- concurrency --------------------------------------------------------------------------------------------


def test_a_locked_database_raises_history_locked(tmp_path):
    path = tmp_path / "h.sqlite"
    with HistoryStore(path) as store:
        store.record_run(make_report({"a": "supported"}))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another run in the middle of recording
    try:
        with HistoryStore(path, busy_timeout=0.2) as store:
            assert len(store.runs()) == 1  # readers are not blocked (WAL)
            started = time.monotonic()
            with pytest.raises(HistoryLocked) as caught:
                store.record_run(make_report({"a": "refuted"}))
            assert time.monotonic() - started < 5
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert isinstance(caught.value, CivicheckError)
    assert re.fullmatch(
        rf"the history database {re.escape(str(path))} is locked by another civicheck run"
        r" \(waited \d+\.\d s\); try again or use --db",
        str(caught.value),
    )
    with HistoryStore(path) as store:  # the lock is gone: recording works again
        store.record_run(make_report({"a": "refuted"}))
        assert len(store.runs()) == 2


WORKER = textwrap.dedent("""\
    import json, sys, time
    from pathlib import Path
    from civicheck.history import HistoryStore
    path, name, runs, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    report = json.loads(sys.stdin.read())
    while not go.exists():
        time.sleep(0.005)
    store = HistoryStore(path, busy_timeout=30)  # both open a fresh database at once: both migrate-or-wait
    for i in range(runs):
        report["started_at"] = f"2026-11-28T02:{i:02d}:00Z"
        report["worker"] = name
        store.remember(report, [(f"claims/{name}.yaml", name * 4)], confirm=2)
    store.close()
    """)


def test_two_concurrent_runs_are_both_recorded_and_the_database_stays_intact(tmp_path):
    path, go = tmp_path / "h.sqlite", tmp_path / "go"
    report = make_report({f"claim-{i}": ("supported", "refuted", "unverified")[i % 3] for i in range(25)})
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), name, "15", str(go)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("aa", "bb")
    ]
    for w in workers:
        w.stdin.write(json.dumps(report))
        w.stdin.close()
    go.touch()
    for w in workers:
        assert w.wait(timeout=120) == 0, w.stderr.read()
    with HistoryStore(path) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert store.db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        runs = store.runs()
        assert len(runs) == 30
        assert sorted(r.claim_files[0][0] for r in runs) == ["claims/aa.yaml"] * 15 + ["claims/bb.yaml"] * 15
        for run in runs:
            recorded = store.run_report(run.id)
            assert len(recorded["claims"]) == 25 and all(len(c["checks"]) == 2 for c in recorded["claims"])
        assert len(store.claim_history("claim-7")) == 30
        assert all(s.reported_verdict == s.verdict for s in store.claim_history("claim-7"))  # damped, stable
        assert store.db.execute("SELECT count(*) FROM texts").fetchone() == (1,)
