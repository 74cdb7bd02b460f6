"""Shards: a stable, exact partition of the claims by claim id, and merging shard reports into the unsharded one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from civicheck.claims import Check, Claim, load_claims
from civicheck.errors import UsageProblem
from civicheck.shard import MergeError, merge, parse_shard, select_shard, shard_of

IDS = [f"claim-{i}" for i in range(300)] + [
    "labour-app-live",
    "smart-city-priority",
    "pelayanan.dukcapil_2023",
    "ü-ñ",
]


@pytest.mark.parametrize(
    ("text", "expected"), [("1/4", (1, 4)), (" 2 / 3 ", (2, 3)), ("1/1", (1, 1)), ("7/7", (7, 7))]
)
def test_parse_shard_reads_k_of_n(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/3", "between 1 and 3"),
        ("4/3", "between 1 and 3"),
        ("1/0", "1 or more"),
        ("3", "K/N"),
        ("a/b", "K/N"),
        ("", "K/N"),
        ("-1/3", "K/N"),
    ],
)
def test_parse_shard_explains_bad_input(text, message):
    with pytest.raises(UsageProblem, match=message):
        parse_shard(text)


@pytest.mark.parametrize("n", range(1, 8))
def test_shards_partition_the_claims_exactly(n):
    shards = [select_shard(IDS, k, n) for k in range(1, n + 1)]
    assert sorted(i for shard in shards for i in shard) == sorted(IDS)  # every id, none twice
    for shard in shards:
        assert shard == [i for i in IDS if i in set(shard)]  # original order kept


def test_shards_are_balanced_enough_to_be_worth_it():
    ids = [f"c{i}" for i in range(2000)]
    sizes = [len(select_shard(ids, k, 4)) for k in range(1, 5)]
    assert all(400 <= s <= 600 for s in sizes), sizes


def test_assignment_is_stable_across_processes_and_versions():
    # Pinned values: a claim must never move shard because of a new Python, a new process or a new release.
    pinned = {"labour-app-live": 4, "smart-city-priority": 1, "claim-0": 3, "claim-1": 3, "claim-2": 4}
    assert {i: shard_of(i, 4) for i in pinned} == pinned
    code = (
        "import json, sys; from civicheck.shard import shard_of;"
        " print(json.dumps([shard_of(i, 7) for i in json.load(sys.stdin)]))"
    )
    here = [shard_of(i, 7) for i in IDS]
    for seed in ("1", "2"):  # str hashes differ between these processes; shards must not
        out = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(IDS),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        assert json.loads(out) == here


def test_select_accepts_claims_and_report_dicts():
    claims = [
        Claim(id=i, claim="x", file="f.yaml", line=1, checks=[Check("live", "http://x.example/", 2)])
        for i in IDS[:40]
    ]
    dicts = [{"id": i} for i in IDS[:40]]
    for k in (1, 2, 3):
        ids = select_shard(IDS[:40], k, 3)
        assert [c.id for c in select_shard(claims, k, 3)] == ids
        assert [d["id"] for d in select_shard(dicts, k, 3)] == ids
    with pytest.raises(UsageProblem):
        select_shard(IDS, 4, 3)


# --- merge: against real runs on a local server ------------------------------------------------------------


def _write_claims(root: Path, site, closed_port_url: str) -> Path:
    site.route(
        "/portal",
        "<html><body><h1>Portal Kota</h1><p>Smart City adalah program prioritas.</p>"
        "<a href='/disnaker'>Disnaker</a></body></html>",
    )
    site.route("/gone", "Not Found", status=404)
    site.route(
        "/news",
        "<html><body><article><p>The mayor said the labour app is live since 2023.</p>"
        "</article></body></html>",
    )
    claims = root / "claims"
    (claims / "b").mkdir(parents=True)
    # Three files whose order differs between path-part sorting (what verify does) and plain string sorting.
    (claims / "a.yaml").write_text(
        textwrap.dedent(f"""\
        claims:
          - id: portal-live
            claim: "The portal is live"
            checks: [{{live: "{site.url("/portal")}"}}]
          - id: smart-city
            claim: "Smart City is a priority program"
            said_by: "Pemerintah Kota"
            checks:
              - contains: {{url: "{site.url("/portal")}", all: ["Smart City", "prioritas"]}}
          - id: agency-gone
            claim: "The agency page works"
            checks: [{{live: "{site.url("/gone")}"}}]
        """),
        encoding="utf-8",
    )
    (claims / "b" / "c.yaml").write_text(
        textwrap.dedent(f"""\
        claims:
          - id: old-site-dead
            claim: "The old site is shut down"
            checks: [{{dead: "{closed_port_url}"}}]
          - id: gone-is-404
            claim: "The agency page answers 404"
            checks: [{{status: {{url: "{site.url("/gone")}", code: 404}}}}]
        """),
        encoding="utf-8",
    )
    (claims / "b-d.yaml").write_text(
        textwrap.dedent(f"""\
        claims:
          - id: mayor-quote
            claim: "The mayor said the app is live"
            sources: ["{site.url("/news")}"]
            checks:
              - quote: {{url: "{site.url("/news")}", text: "the labour app is live"}}
          - id: misquote
            claim: "The mayor said the app is dead"
            checks:
              - quote: {{url: "{site.url("/news")}", text: "the labour app is dead"}}
          - id: portal-not-dukcapil
            claim: "The portal links to Dukcapil"
            checks:
              - contains: {{url: "{site.url("/portal")}", any: ["Dukcapil"]}}
        """),
        encoding="utf-8",
    )
    return claims


def _run(claims) -> dict:
    from civicheck.fetch.client import Fetcher
    from civicheck.report import run_to_dict
    from civicheck.runner import Connectivity, run

    with Fetcher(concurrency=4, per_host=4, allow_private=True) as fetcher:
        # Trusting the network: the refused port must count as dead without asking the internet.
        return json.loads(json.dumps(run_to_dict(run(claims, fetcher, Connectivity(None)))))


def _without_timing(report: dict) -> dict:
    report = json.loads(json.dumps(report))
    report.pop("started_at"), report.pop("finished_at")
    for claim in report["claims"]:
        for check in claim["checks"]:
            check["evidence"].pop("fetched_at")
    return report


def test_merged_shards_equal_the_unsharded_run(tmp_path, site, closed_port_url):
    claims = load_claims([_write_claims(tmp_path, site, closed_port_url)])
    whole = _run(claims)
    assert {c["verdict"] for c in whole["claims"]} == {"supported", "refuted"}  # the fixture exercises both
    for n in (2, 3):
        shards = []
        for k in range(1, n + 1):
            report = _run(select_shard(claims, k, n))
            report["shard"] = {"k": k, "n": n}
            shards.append(report)
        merged = merge(list(reversed(shards)))  # the order the shards are given in must not matter
        assert _without_timing(merged) == _without_timing(whole)
        assert merged["started_at"] == min(s["started_at"] for s in shards)
        assert merged["finished_at"] == max(s["finished_at"] for s in shards)
        assert "shard" not in merged


def _report(ids, started="2026-11-28T02:00:00Z", finished="2026-11-28T02:00:05Z", version="0.1.0", **extra):
    claims = [
        {"id": i, "claim": i, "verdict": v, "file": "claims/x.yaml", "line": n, "checks": []}
        for n, (i, v) in enumerate(ids, 1)
    ]
    return {
        "schema": 1,
        "civicheck": version,
        "started_at": started,
        "finished_at": finished,
        "network": None,
        "summary": {},
        "claims": claims,
        **extra,
    }


def test_merge_recomputes_summary_and_keeps_the_time_span():
    a = _report([("a", "supported"), ("c", "refuted")], "2026-11-28T02:00:03Z", "2026-11-28T02:00:09Z")
    b = _report([("b", "unverified")], "2026-11-28T02:00:01Z", "2026-11-28T02:00:04Z")
    b["claims"][0]["line"] = 2  # between a (1) and c (2 → 3)
    a["claims"][1]["line"] = 3
    merged = merge([a, b])
    assert [c["id"] for c in merged["claims"]] == ["a", "b", "c"]
    assert merged["summary"] == {"supported": 1, "refuted": 1, "unverified": 1}
    assert (merged["started_at"], merged["finished_at"]) == ("2026-11-28T02:00:01Z", "2026-11-28T02:00:09Z")


def test_merge_refuses_a_claim_in_two_shards():
    with pytest.raises(MergeError, match="claim 'b' is in report 1 and in report 2"):
        merge([_report([("a", "supported"), ("b", "refuted")]), _report([("b", "refuted")])])


def test_merge_refuses_incomplete_or_mixed_shard_sets():
    one = _report([("a", "supported")], shard={"k": 1, "n": 3})
    two = _report([("b", "supported")], shard={"k": 2, "n": 3})
    with pytest.raises(MergeError, match="3/3 missing"):
        merge([one, two])
    with pytest.raises(MergeError, match="given twice"):
        merge([one, _report([("c", "supported")], shard={"k": 1, "n": 3})])
    with pytest.raises(MergeError, match="different shardings"):
        merge([one, _report([("c", "supported")], shard={"k": 2, "n": 2})])
    with pytest.raises(MergeError, match="different civicheck versions"):
        merge([_report([("a", "supported")]), _report([("b", "supported")], version="0.2.0")])
    with pytest.raises(MergeError, match="nothing to merge"):
        merge([])
