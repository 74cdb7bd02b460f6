"""Hostile input and nothing finished lost: claims files built to exhaust memory or crash the loader, WARC files
holding compression bombs, malformed shard reports, and history databases that are damaged, locked or on a
full disk. Every case is bounded: subprocesses run with a timeout and a 1.5 GB address-space limit, servers
answer at once. Big sizes (the 2 GB record, the 9-level alias bomb) are measured by bench/bench_attacks_input.py.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import wcwidth
from helpers import invoke
from hostile_inputs import add_member, alias_bomb_yaml, deep_yaml, warc_bomb_member

from civicheck import claims as claims_module
from civicheck.archive import NOT_ARCHIVED, ArchiveError, WarcReplay, WarcWriter
from civicheck.archive import members as members_module
from civicheck.claims import load_claims
from civicheck.cli import ExitCode
from civicheck.errors import ClaimsError
from civicheck.escape import md
from civicheck.fetch import FetchResult

ROOT = Path(__file__).resolve().parents[1]
DB = Path(".civicheck/history.sqlite")
MEMORY_LIMIT = 1_500_000_000  # bytes of address space: the alias bomb used to pass 4 GB
STARTED = "2026-11-28T02:00:00Z"
PAGE = (
    "<html><head><title>Layanan Kota</title></head><body><article><p>Pemerintah Kota Cilegon membuka 29 "
    "layanan publik daring untuk warga, kata Wali Kota dalam siaran pers.</p><p>Layanan perizinan, "
    "kependudukan dan ketenagakerjaan kini tersedia di portal kota.</p></article></body></html>"
)


def write(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip() if text.startswith("\n") else text, encoding="utf-8")
    return path


def claims_for(site, *checks: str, name: str = "claims.yaml", claim: str = "The portal is live") -> Path:
    lines = "".join(f"      - {c}\n" for c in checks)
    return write(name, f"claims:\n  - id: portal\n    claim: '{claim}'\n    checks:\n{lines}")


def run_bounded(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """civicheck in a subprocess that cannot use more than MEMORY_LIMIT nor run longer than `timeout`."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "civicheck", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        env=env,
    )


# --- claims files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["lint", "verify"])
def test_an_alias_bomb_is_refused_before_it_expands(tmp_path, command):
    path = write(tmp_path / "bomb.yaml", alias_bomb_yaml())
    result = run_bounded(command, str(path), *(["--no-history"] if command == "verify" else []))
    assert result.returncode == ExitCode.BAD_INPUT, result.stderr[-2000:]
    assert result.stderr.startswith(
        f"error: {path}:5: YAML anchors and aliases (&name, *name) are not allowed"
    )
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("command", ["lint", "verify"])
def test_nesting_5000_deep_is_refused_at_its_line_without_a_traceback(tmp_path, command):
    path = write(tmp_path / "deep.yaml", deep_yaml(5_000))
    result = run_bounded(command, str(path))
    assert result.returncode == ExitCode.BAD_INPUT, result.stderr[-2000:]
    assert result.stderr.startswith(
        f"error: {path}:5: nested more than {claims_module.MAX_DEPTH} levels deep"
    )
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 2


def test_nesting_a_claims_file_needs_is_allowed(tmp_path):
    # The deepest a valid file goes: top mapping, claims, a claim, checks, a check, its options, a phrase list.
    path = write(
        tmp_path / "ok.yaml",
        "claims:\n  - id: a\n    claim: x\n    checks:\n"
        "      - contains: {url: 'https://a.go.id/', all: [Smart City, RPJMD]}\n",
    )
    assert [c.checks[0].options.all for c in load_claims([path])] == [("Smart City", "RPJMD")]


@pytest.mark.parametrize(
    "value, words",
    [
        ("2023-13-45", "'2023-13-45' cannot be read as a date (month must be in 1..12)"),
        ("1" * 5_000, "cannot be read as a number (Exceeds the limit (4300 digits)"),
    ],
)
def test_a_value_python_cannot_hold_is_a_problem_at_its_line(tmp_path, value, words):
    path = write(
        tmp_path / "c.yaml",
        f"claims:\n  - id: a\n    claim: x\n    said_on: {value}\n    checks: [live: 'https://a.go.id/']\n",
    )
    result = invoke("lint", path)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr.startswith(f"error: {path}:4: ") and words in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr) < 1_000


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("claims: []\n")
        fh.write(("# " + "x" * 98 + "\n") * (claims_module.MAX_FILE_BYTES // 100 + 1))
    result = invoke("lint", path)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr.startswith(f"error: {path}: the file is larger than 10 MB; split its claims")


@pytest.mark.parametrize(
    "field, words",
    [
        ("id: '" + "a" * 300 + "'", "the id is 300 characters long; at most 200"),
        ("claim: '" + "x" * 100_001 + "'", "a text of 100,001 characters; a claims file holds short texts"),
        ("checks: [live: 'https://a.go.id/" + "p" * 9_000 + "']", "a URL of 9,016 characters"),
        (
            "checks: [{quote: {url: 'https://a.go.id/', text: '" + "kata " * 1_200 + "'}}]",
            "the quote is 5,999 characters long; at most 5,000",
        ),
        (
            "checks: [{contains: {url: 'https://a.go.id/', any: [ok, '" + "z" * 1_500 + "']}}]",
            "a phrase in 'any' is 1,500 characters long; at most 1,000",
        ),
        (
            "checks: [{links: {url: 'https://a.go.id/', max_links: 1000000}}]",
            "'max_links' must be a whole number from 1 to 10,000, not 1000000",
        ),
    ],
)
def test_oversized_fields_are_problems_with_short_messages(tmp_path, field, words):
    key = field.split(":")[0]
    base = {"id": "id: a", "claim": "claim: x", "checks": "checks: [live: 'https://a.go.id/']"}
    base[key] = field
    path = write(
        tmp_path / "c.yaml",
        "claims:\n" + "".join(f"  {'-' if i == 0 else ' '} {line}\n" for i, line in enumerate(base.values())),
    )
    result = invoke("lint", path)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert words in result.stderr, result.stderr[:500]
    assert len(result.stderr) < 1_500  # a 100,000-character value is never echoed back whole


def test_a_huge_unknown_key_is_named_in_a_few_words(tmp_path):
    # An explicit key ("? "): YAML's plain keys stop at 1,024 characters.
    path = write(
        tmp_path / "c.yaml",
        "claims:\n  - id: a\n    claim: x\n    ? " + "k" * 50_000 + "\n    : 1\n"
        "    checks: [live: 'https://a.go.id/']\n",
    )
    result = invoke("lint", path)
    assert result.exit_code == ExitCode.BAD_INPUT and "unknown key 'kkkk" in result.stderr
    assert len(result.stderr) < 1_000


def test_too_many_claims_or_problems_stop_the_reading(tmp_path, monkeypatch):
    for i in range(3):
        write(
            tmp_path / f"c{i}.yaml",
            "claims:\n"
            + "".join(
                f"  - id: c{i}-{n}\n    claim: x\n    checks: [live: 'https://a.go.id/']\n" for n in range(3)
            ),
        )
    monkeypatch.setattr(claims_module.loading, "MAX_CLAIMS", 4)
    with pytest.raises(ClaimsError) as info:
        load_claims([tmp_path])
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'c1.yaml'}: more than 4 claims in one run (counted up to this file); check the claims in "
        "parts, e.g. one folder per run"
    ]


def test_only_the_first_200_problems_are_printed(tmp_path):
    path = write(
        tmp_path / "c.yaml",
        "claims:\n" + "".join(f"  - id: c{n}\n    checks: [live: 'https://a.go.id/']\n" for n in range(250)),
    )
    result = invoke("lint", path)
    assert result.exit_code == ExitCode.BAD_INPUT
    lines = result.stderr.splitlines()
    assert len(lines) == 202 and lines[-2:] == [
        "… and 50 more problems not shown",
        "250 problems found; nothing was fetched. Fix the file(s) and run again.",
    ]


# --- WARC files for --replay --------------------------------------------------------------------------------


def fetched(
    url: str,
    body: bytes = PAGE.encode(),
    raw: bytes | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> FetchResult:
    return FetchResult(
        url,
        url,
        200,
        "OK",
        None,
        "200 OK",
        "2026-11-28T02:00:01Z",
        headers=headers or [("Content-Type", "text/html; charset=utf-8")],
        body=body,
        raw_body=body if raw is None else raw,
    )


def archive(tmp_path: Path, *results: FetchResult) -> Path:
    with WarcWriter(tmp_path / "archive", "20261128T020000Z-a0a0a0", STARTED) as writer:
        for result in results:
            writer.write(result)
    return writer.path


@pytest.mark.parametrize("prefix", ["urn:civicheck:fetch:", ""], ids=["layout-now", "layout-before"])
def test_a_compression_bomb_record_is_skipped_and_named(tmp_path, prefix):
    ok, cited = "https://ok.example.go.id/", "https://bomb.example.go.id/"
    path = archive(tmp_path, fetched(ok))
    add_member(
        path, warc_bomb_member(prefix + cited, 200_000_000)
    )  # 200 MB of JSON in ~200 KB: over the 64 MB limit
    assert path.stat().st_size < 1_000_000
    claims = claims_for(None, f"live: '{ok}'", f"live: '{cited}'")
    result = run_bounded("verify", str(claims), "--replay", str(path), "--format", "json")
    assert result.returncode == ExitCode.UNEXPECTED, result.stderr[-2000:]
    [claim] = json.loads(result.stdout)["claims"]
    assert [c["outcome"] for c in claim["checks"]] == ["pass", "unknown"]
    reason = claim["checks"][1]["reason"]
    assert reason.startswith(f"a metadata record for {cited} at byte ")
    assert reason.endswith(" is larger than 64 MB (200 MB decompressed): not replayed")
    assert f"warning: {path}: {reason}\n" in result.stderr


def test_a_record_with_a_header_line_that_never_ends_is_skipped(tmp_path):
    import zlib

    path = archive(tmp_path, fetched("https://ok.example.go.id/"))
    gz = zlib.compressobj(9, zlib.DEFLATED, 31)
    junk = (
        gz.compress(b"WARC/1.0\r\nWARC-Type: metadata\r\nX-Junk: ")
        + gz.compress(b"a" * 100_000_000)
        + gz.flush()
    )
    add_member(path, junk)
    replay = WarcReplay([path])
    assert replay.result("https://ok.example.go.id/").status == 200
    [skipped] = replay.skipped
    assert skipped.endswith(
        "a metadata record at byte "
        + skipped.split("at byte ")[1].split()[0]
        + " is larger than 64 MB (100 MB decompressed): not replayed"
    )


def test_a_body_that_decodes_past_the_limit_is_not_replayed(tmp_path, monkeypatch):
    import gzip

    body = b"<p>" + b"a" * 3_000_000 + b"</p>"
    raw = gzip.compress(body)
    url = "https://gzip.example.go.id/"
    path = archive(
        tmp_path,
        fetched(url, body, raw=raw, headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
    )
    assert WarcReplay([path]).result(url).body == body  # within the limit: replayed bit for bit
    monkeypatch.setattr(
        members_module, "MAX_RECORD_BYTES", 1_000_000
    )  # the gzip payload is 3 KB, the body 3 MB
    replay = WarcReplay([path])
    result = replay.result(url)
    assert result.status is None and result.body == b""
    assert result.detail == f"the archived body of {url} is larger than 1 MB once decompressed: not replayed"
    assert replay.skipped == [f"{path}: {result.detail}"]


def test_an_archive_whose_skipped_records_would_inflate_without_end_is_refused(tmp_path, monkeypatch):
    path = archive(tmp_path, fetched("https://ok.example.go.id/"))
    add_member(path, warc_bomb_member("https://a.example.go.id/", 3_000_000))
    add_member(path, warc_bomb_member("https://b.example.go.id/", 3_000_000))
    monkeypatch.setattr(members_module, "MAX_RECORD_BYTES", 1_000_000)
    monkeypatch.setattr(members_module, "MAX_SKIPPED_BYTES", 5_000_000)  # the first fits, the second does not
    claims = claims_for(None, "live: 'https://ok.example.go.id/'")
    result = invoke("verify", claims, "--replay", path)
    assert result.exit_code == ExitCode.BAD_INPUT and result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: the record at byte ")
    assert (
        "(a compression bomb?): this is not an archive civicheck wrote; nothing was replayed" in result.stderr
    )


def test_an_uncompressed_warc_over_the_limit_is_refused_with_the_fix(tmp_path, monkeypatch):
    import gzip

    path = archive(tmp_path, fetched("https://ok.example.go.id/", b"<p>" + b"x" * 20_000 + b"</p>"))
    plain = tmp_path / "plain.warc"
    with gzip.open(path) as src:
        plain.write_bytes(src.read())
    assert WarcReplay([plain]).result("https://ok.example.go.id/").status == 200  # read whole when small
    monkeypatch.setattr(members_module, "MAX_RECORD_BYTES", 10_000)
    with pytest.raises(
        ArchiveError,
        match=r"uncompressed WARC file larger than 10,000 bytes.*"
        r"`warcio recompress .*plain.warc OUT.warc.gz`",
    ):
        WarcReplay([plain])


# --- malformed shard reports for merge ----------------------------------------------------------------------


@pytest.fixture
def shard_report(tmp_path, site) -> dict:
    url = site.route("/portal", PAGE)
    claims = write(
        tmp_path / "c.yaml",
        f"""
        claims:
          - id: portal
            claim: The portal lists 29 services
            checks:
              - contains: {{url: '{url}', all: [29 layanan]}}
              - links: {{url: '{url}'}}
        """,
    )
    site.route("/more", "<p>x</p>")
    result = invoke("verify", claims, "--shard", "1/1", "--format", "json", "--no-canary", "--no-warc")
    report = json.loads(result.stdout)
    assert report["claims"][0]["checks"][0]["evidence"]["hits"], report
    return report


def set_at(data: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    "path, value, where",
    [
        (
            "claims.0.checks.0.evidence.status",
            "200",
            "claims[0].checks[0].evidence.status must be integer or null",
        ),
        ("claims.0.checks.0.evidence.hits", {"text": "x"}, "claims[0].checks[0].evidence.hits must be array"),
        (
            "claims.0.checks.0.evidence.hits.0.mark",
            [0, 1, 2],
            "claims[0].checks[0].evidence.hits[0].mark must contain",
        ),
        (
            "claims.0.checks.0.evidence.snapshots",
            {"kind": "warc"},
            "claims[0].checks[0].evidence.snapshots must be array",
        ),
        (
            "claims.0.checks.0.evidence.redirects",
            [[301, "x"]],
            "claims[0].checks[0].evidence.redirects[0] must be object",
        ),
        (
            "claims.0.checks.1.evidence.links",
            [{"text": "no url"}],
            "claims[0].checks[1].evidence.links[0] must contain",
        ),
        ("claims.0.checks.0.spec", "contains", "claims[0].checks[0].spec must be object or null"),
        ("claims.0.line", "12", "claims[0].line must be integer or null"),
        ("claims.0.tags", "portal", "claims[0].tags must be array"),
        ("claims.0.sources", [1], "claims[0].sources[0] must be string"),
        ("claims.0.as_expected", "yes", "claims[0].as_expected must be boolean or null"),
        ("claims.0.reported_verdict", "true", "claims[0].reported_verdict must be one of"),
        ("claims.0.deciding", 7, "claims[0].deciding names no check (it has 2)"),
        ("claims.0.checks.0.outcome", "maybe", "claims[0].checks[0].outcome must be one of"),
        ("summary", [1, 2], "summary must be object"),
        ("warc", ["a.warc.gz"], "warc must be string or null"),
        ("shard", {"k": "1", "n": 1}, "shard.k must be integer"),
        ("network", {"up": True}, "network must be string or null"),
    ],
)
def test_merge_of_a_malformed_shard_is_bad_input_naming_the_file_and_the_field(
    tmp_path, shard_report, path, value, where
):
    good = write(tmp_path / "good.json", json.dumps(shard_report))
    assert invoke("merge", good, "--no-history").exit_code in (ExitCode.OK, ExitCode.UNEXPECTED)
    bad = write(
        tmp_path / "shard-1.json", json.dumps(set_at(json.loads(json.dumps(shard_report)), path, value))
    )
    for history in (["--no-history"], ["--db", tmp_path / "h.sqlite"]):
        result = invoke("merge", bad, *history)
        assert result.exit_code == ExitCode.BAD_INPUT, result.stderr  # was 3, a traceback or a broken history
        assert (
            result.stderr.startswith("Usage: ")
            and f"{bad}: not a civicheck JSON report: {where}" in result.stderr
        )
        assert result.stdout == "" and "Traceback" not in result.stderr
    assert not (tmp_path / "h.sqlite").exists() or sqlite3.connect(tmp_path / "h.sqlite").execute(
        "SELECT count(*) FROM runs"
    ).fetchone() == (0,)


def test_merge_of_a_shard_nested_100000_deep_is_bad_input(tmp_path):
    path = write(tmp_path / "deep.json", '{"schema": 1, "claims": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = invoke("merge", path, "--no-history")
    assert result.exit_code == ExitCode.BAD_INPUT  # was 3 with a RecursionError traceback
    assert (
        f"{path}: not a JSON report: nested too deep to read" in result.stderr
        and "Traceback" not in result.stderr
    )


# --- the history: damaged, locked, full; the report: never through a symlink -------------------------------


@pytest.fixture
def portal(tmp_path, site):
    """A claims file citing a page of the local site, and a first recorded run."""
    site.route("/portal", PAGE)
    claims = claims_for(site, f"contains: {{url: '{site.url('/portal')}', all: [29 layanan]}}")
    assert invoke("verify", claims, "--no-canary", "--no-warc").exit_code == ExitCode.OK
    return claims


def answer_page(handler) -> None:
    """What a route handler writes to answer PAGE, after doing its part of the attack."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(PAGE.encode())))
    handler.end_headers()
    handler.wfile.write(PAGE.encode())


def runs_recorded(db: Path = DB) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM runs").fetchone()[0]


def test_a_damaged_history_is_found_before_fetching_and_the_report_is_still_written(portal, site):
    with sqlite3.connect(DB) as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'claim_results'").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(DB.read_bytes())
    data[(root - 1) * page_size + 8 : root * page_size] = b"\x5a" * (
        page_size - 8
    )  # a b-tree page of garbage
    DB.write_bytes(bytes(data))
    hits = site.hits("/portal")
    result = invoke("verify", portal, "--no-canary", "--no-warc", "--format", "json")
    assert result.exit_code == ExitCode.INTERNAL
    first, second = result.stderr.splitlines()[:2]
    assert first.startswith(f"error: the history database {DB} is damaged (SQLite's check says: ")
    assert second.startswith("going on without the history: the report will be written")
    assert json.loads(result.stdout)["claims"][0]["verdict"] == "supported"  # the run's work is not lost
    assert site.hits("/portal") == hits + 1
    assert result.stderr.splitlines()[-1].startswith("error: this run was not recorded in the history:")
    assert DB.read_bytes() == bytes(data)  # nothing was written into the damaged file


def test_a_second_run_waits_for_the_lock_says_so_and_records_after_it(portal):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sqlite3, sys, time
        db = sqlite3.connect({str(DB)!r}, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        time.sleep(2)
        db.execute("COMMIT")
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = invoke("verify", portal, "--no-canary", "--no-warc", "--format", "json")
    finally:
        holder.wait(timeout=30)
        holder.stdout.close()
    assert result.exit_code == ExitCode.OK, result.stderr  # used to give up after 5 s and lose the report
    assert result.stderr.startswith(
        "waiting for the history database: another civicheck run is recording its "
        "results (up to 10 minutes; --db points this run at another database)\n"
    )
    assert json.loads(result.stdout)["claims"][0]["reported_verdict"] == "supported"
    assert runs_recorded() == 2


def test_a_report_that_cannot_be_written_is_not_recorded(portal, site, tmp_path):
    out = tmp_path / "report.json"

    def turn_the_output_into_a_folder(handler):  # -o passes the pre-flight check, then cannot be renamed into
        out.mkdir(exist_ok=True)
        (out / "keep").write_text("x")
        answer_page(handler)

    site.route("/portal", handler=turn_the_output_into_a_folder)
    result = invoke("verify", portal, "--no-canary", "--no-warc", "--format", "json", "-o", out)
    assert result.exit_code == ExitCode.INTERNAL
    assert result.stderr.startswith(f"error: cannot write the report to {out}: ")
    assert runs_recorded() == 1  # as before this run: history never claims a run whose report was not written
    assert (
        sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".report")) == []
    )  # no temporary left


def test_the_report_is_never_written_through_a_planted_symlink(portal, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    for name in (".report.json.tmp", ".report.json.tmp.tmp", "report.json.tmp"):
        (tmp_path / name).symlink_to(victim)
    out = tmp_path / "report.json"
    result = invoke("verify", portal, "--no-canary", "--no-warc", "--format", "json", "-o", out)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert victim.read_text() == "precious\n"
    assert json.loads(out.read_text())["claims"][0]["id"] == "portal"
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # not mkstemp's private 0600


FULL_DISK_SCRIPT = """\
set -e
mount -t tmpfs -o size=512k tmpfs "$MNT"
"$PY" -m civicheck verify first.yaml --no-canary --no-warc --db "$MNT/h.sqlite" -q > first.json || true
"$PY" -m civicheck verify second.yaml --no-canary --no-warc --db "$MNT/h.sqlite" --format json -o report.json \
    2> stderr.txt &
pid=$!
while [ ! -e fetching ]; do sleep 0.02; done   # the run is past its history check, fetching a page
dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null || true   # now the disk under the history is full
touch go
set +e
wait $pid
echo "exit=$?"
"$PY" -c "import sqlite3; print('runs=%d' % sqlite3.connect('file:$MNT/h.sqlite?immutable=1', uri=True).execute('select count(*) from runs').fetchone())"
"""


def test_a_full_disk_under_the_history_still_writes_the_report(tmp_path, site):
    if not shutil.which("unshare"):
        pytest.skip("needs unshare(1) to mount a small tmpfs in a private mount namespace")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=10)
    if probe.returncode != 0:
        pytest.skip(f"unshare -m is not permitted here ({probe.stderr.decode().strip()}); needs root")
    site.route("/quick", PAGE)

    def wait_for_the_disk_to_fill(handler):
        (tmp_path / "fetching").touch()
        deadline = time.monotonic() + 20
        while not (tmp_path / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        answer_page(handler)

    site.route("/slow", handler=wait_for_the_disk_to_fill)
    claims_for(site, f"contains: {{url: '{site.url('/quick')}', all: [29 layanan]}}", name="first.yaml")
    claims_for(site, f"contains: {{url: '{site.url('/slow')}', all: [29 layanan]}}", name="second.yaml")
    (tmp_path / "mnt").mkdir()
    env = {**os.environ, "PY": sys.executable, "MNT": str(tmp_path / "mnt"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", FULL_DISK_SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "exit=3" in done.stdout, (done.stdout, done.stderr, stderr)
    assert json.loads((tmp_path / "report.json").read_text())["claims"][0]["verdict"] == "supported"
    assert "this run was not recorded in the history" in stderr and "full" in stderr, stderr
    assert "Traceback" not in stderr
    assert "runs=1" in done.stdout  # the first run only: the full disk left no half-recorded second one


# --- what reports show --------------------------------------------------------------------------------------


def test_a_homograph_host_is_refused_by_lint_in_either_form(tmp_path):
    path = write(
        tmp_path / "c.yaml",
        """
        claims:
          - id: portal
            claim: The city portal is live
            checks:
              - live: https://www.сilegon.go.id/
              - live: https://www.xn--ilegon-hrf.go.id/
              - live: HTTP://www.cilegon.go.id/
              - live: https://bücher.example/
              - live: https://東京タワー.example/
        """,
    )
    result = invoke("lint", path)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr.splitlines() == [
        f"error: {path}:5: claim 'portal': live: the host www.сilegon.go.id (punycode www.xn--ilegon-hrf.go.id) "
        "mixes Cyrillic and Latin letters in 'сilegon' ('с' cyrillic small letter es): a look-alike of another "
        "name (a homograph), not a real site's name; type the address again by hand",
        f"error: {path}:6: claim 'portal': live: the host www.xn--ilegon-hrf.go.id (Unicode www.сilegon.go.id) "
        "mixes Cyrillic and Latin letters in 'сilegon' ('с' cyrillic small letter es): a look-alike of another "
        "name (a homograph), not a real site's name; type the address again by hand",
        "2 problems found; nothing was fetched. Fix the file(s) and run again.",
    ]  # HTTP:// (scheme case), a German and a Japanese name pass


def test_a_plain_ascii_host_can_mix_no_scripts():
    """hosts.mixed_script_problem answers a plain ASCII host (no punycode) without the script table: that holds
    only while every ASCII character is Latin or neutral in it."""
    from confusable_homoglyphs.categories import alias

    from civicheck.hosts import mixed_script_problem

    assert {alias(chr(c)) for c in range(128)} <= {"LATIN", "COMMON", "INHERITED"}
    assert mixed_script_problem("www.cilegon-2.go.id") is None
    assert mixed_script_problem("www.xn--ilegon-hrf.go.id")  # ASCII, but punycode: still looked at


def test_idn_hosts_are_shown_with_their_punycode_in_reports(tmp_path):
    claims = write(
        tmp_path / "c.yaml",
        "claims:\n  - id: books\n    claim: The shop is live\n    checks:\n"
        "      - live: https://bücher.invalid/\n",
    )
    markdown = invoke("verify", claims, "--no-canary", "--no-warc", "--no-history", "--format", "markdown")
    assert markdown.exit_code == ExitCode.UNEXPECTED, markdown.stderr
    assert (
        markdown.stdout.count("https://bücher.invalid/ (punycode: xn--bcher-kva.invalid)") == 2
    )  # row, details
    table = invoke("verify", claims, "--no-canary", "--no-warc", "--no-history")
    lines = table.stdout.splitlines()
    # Wrapped in its cell at spaces only: neither form of the host is cut.
    assert any("https://bücher.invalid/" in line for line in lines)
    assert any("xn--bcher-kva.invalid):" in line for line in lines)


def test_mentions_are_neutralised_in_every_markdown(tmp_path, site):
    site.route("/portal", PAGE.replace("Wali Kota", "@walikota"))
    claims = claims_for(
        site,
        f"quote: {{url: '{site.url('/portal')}', text: 'kata @walikota dalam'}}",
        claim="Ask @kominfo and @pemkot/humas (mail: humas@cilegon.go.id)",
    )
    first = invoke("verify", claims, "--no-canary", "--no-warc", "--format", "markdown", "--confirm", "1")
    site.route("/portal", "gone", status=410)
    second = invoke("verify", claims, "--no-canary", "--no-warc", "--format", "markdown", "--confirm", "1")
    diff = invoke("diff", "--format", "markdown")
    for text in (first.stdout, second.stdout, diff.stdout):
        assert "@&#8203;kominfo" in text and "@&#8203;pemkot/humas" in text and "humas@cilegon" in text
        assert "@kominfo" not in text and "@pemkot" not in text
    assert "@&#8203;walikota" in first.stdout and "@walikota" not in first.stdout
    assert md("@a b@c (@d) `@e`") == "@&#8203;a b@c (@&#8203;d) \\`@&#8203;e\\`"


def test_a_links_audit_over_its_limit_says_how_much_it_checked(tmp_path, site):
    links = "".join(f'<li><a href="/dinas/{i}">Dinas {i}</a></li>' for i in range(5))
    site.route(
        "/portal",
        f"<html><body><ul>{links}</ul><a href='HTTP://127.0.0.1:{site.port}/upper'>x</a></body></html>",
    )
    for i in range(5):
        site.route(f"/dinas/{i}", PAGE)
    site.route("/upper", PAGE)
    claims = claims_for(
        site,
        f"links: {{url: '{site.url('/portal')}', max_links: 3}}",
        f"links: {{url: '{site.url('/portal')}'}}",
    )
    result = invoke("verify", claims, "--no-canary", "--no-warc", "--no-history", "--format", "json")
    capped, whole = json.loads(result.stdout)["claims"][0]["checks"]
    assert capped["reason"] == "all 3 links (the first 3 of the 6 on the page: max_links is 3) work"
    assert whole["reason"] == "all 6 links work"  # the HTTP:// link is audited like the others
    assert site.hits("/upper") == 1


def test_combining_marks_and_wide_characters_keep_the_table_aligned(tmp_path, site):
    url = site.route("/portal", PAGE)
    zalgo = "Z" + "\u0336\u0317\u0350" * 40 + "algo " + "layanan " * 3
    write(
        tmp_path / "c.yaml",
        f"""
        claims:
          - id: zalgo
            claim: '{zalgo}'
            checks: [live: '{url}']
          - id: wide
            claim: 東京タワーの公式サイトは稼働している
            checks: [live: '{url}']
          - id: plain
            claim: The portal is live
            checks: [live: '{url}']
        """,
    )
    result = invoke("verify", tmp_path / "c.yaml", "--no-canary", "--no-warc", "--no-history")
    assert result.exit_code == ExitCode.OK, result.stderr
    lines = result.stdout.splitlines()
    rows = [line for line in lines if " supported " in line]
    assert len(rows) == 3
    # The verdict column starts at the same screen column on every row: widths are measured with wcwidth.
    columns = {wcwidth.wcswidth(line[: line.index(" supported ")]) for line in rows}
    assert len(columns) == 1, [repr(r) for r in rows]
    assert max(wcwidth.wcswidth(line) for line in lines[:6]) < 220


def test_a_deep_json_metadata_record_is_skipped_not_a_crash(tmp_path):
    import io

    from warcio.warcwriter import WARCWriter

    path = archive(tmp_path, fetched("https://ok.example.go.id/"))
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    payload = b"[" * 100_000 + b"]" * 100_000
    writer.write_record(
        writer.create_warc_record(
            "https://deep.example.go.id/",
            "metadata",
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type="application/json",
        )
    )
    add_member(path, buffer.getvalue())
    replay = WarcReplay([path])  # json.loads would raise RecursionError: another tool's metadata, ignored
    assert replay.result("https://ok.example.go.id/").status == 200
    assert replay.result("https://deep.example.go.id/").detail == NOT_ARCHIVED


def test_bounded_reads_do_not_change_what_replay_gives(tmp_path):
    results = [fetched(f"https://a.example.go.id/{i}", (PAGE * (i + 1)).encode()) for i in range(5)]
    path = archive(tmp_path, *results)
    replay = WarcReplay([path])
    assert replay.skipped == []
    for result in results:
        got = replay.result(result.url)
        assert (got.body, got.sha256, got.status) == (result.body, result.sha256, 200)
