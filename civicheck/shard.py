"""Split a run's claims into N stable shards (by a hash of the claim id) and merge the shards' JSON reports.

A claim stays in its shard from run to run and machine to machine, so CI jobs can check 1/N each in parallel.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import IO, Any, TypeVar

from civicheck.errors import MergeError, UsageProblem
from civicheck.report import summary_counts

T = TypeVar("T")
_SHARD_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text: str) -> tuple[int, int]:
    """ "K/N" → (K, N), K counted from 1: "2/4" is the second of four shards."""
    m = _SHARD_RE.match(text or "")
    if not m:
        raise UsageProblem(f"--shard {text!r}: write it as K/N, e.g. 1/4 for the first of four shards")
    k, n = int(m[1]), int(m[2])
    if n < 1:
        raise UsageProblem(f"--shard {text!r}: the number of shards N must be 1 or more")
    if not 1 <= k <= n:
        raise UsageProblem(f"--shard {text!r}: K must be between 1 and {n} (shards are counted from 1)")
    return k, n


def shard_of(claim_id: str, n: int) -> int:
    """The shard (1..n) a claim id belongs to."""
    # sha256, not hash(): Python salts str hashes per process, and shards must agree across machines.
    digest = hashlib.sha256(claim_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n + 1


def _claim_id(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return item["id"]
    return item.id  # a claims.Claim


def select_shard(claims_or_ids: Iterable[T], k: int, n: int) -> list[T]:
    """The items (claim ids, Claims or claim dicts) of shard k of n, in their original order."""
    if n < 1 or not 1 <= k <= n:
        raise UsageProblem(f"shard {k}/{n} does not exist: K must be between 1 and N")
    return [item for item in claims_or_ids if shard_of(_claim_id(item), n) == k]


def _order_key(claim: dict[str, Any]) -> tuple[tuple[str, ...], int, str]:
    # An unsharded run lists claims file by file (files sorted as paths, part by part, the way
    # claims.find_claim_files sorts them), then in their order in the file.
    parts = PurePosixPath(str(claim.get("file") or "").replace("\\", "/")).parts
    return parts, claim.get("line") or 0, claim["id"]


def merge(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One report from the JSON reports of a run's shards, as the unsharded run would have made it.

    Claims are ordered by file and line (an unsharded run's order when its claims come from one folder or from
    files given in sorted order); the summary is recomputed; started_at is the earliest start, finished_at the
    latest finish; `warc` is the shards' one WARC, or None and `warcs` lists each shard's. Shards must come
    from one civicheck version and not share a claim; when they say which shard they are (a "shard": {"k", "n"}
    entry), all N must be there.
    """
    if not reports:
        raise MergeError("nothing to merge: give the JSON reports of the shards")
    schemas = {r.get("schema") for r in reports}
    if len(schemas) != 1:
        raise MergeError(
            f"the reports have different schemas ({', '.join(map(str, sorted(schemas, key=str)))})"
        )
    versions = {r.get("civicheck") for r in reports}
    if len(versions) != 1:
        raise MergeError(
            f"the shards were made by different civicheck versions ({', '.join(sorted(map(str, versions)))});"
            " run every shard with the same version"
        )
    _check_shard_set(reports)
    seen: dict[str, int] = {}
    claims = []
    for i, report in enumerate(reports, 1):
        for claim in report["claims"]:
            if claim["id"] in seen:
                raise MergeError(
                    f"claim '{claim['id']}' is in report {seen[claim['id']]} and in report {i}:"
                    " shards must not overlap (were two reports of the same shard given?)"
                )
            seen[claim["id"]] = i
            claims.append(claim)
    claims.sort(key=_order_key)
    networks: list[str] = [r["network"] for r in reports if r.get("network")]
    warcs = list(dict.fromkeys(r["warc"] for r in reports if r.get("warc")))
    merged = {key: value for key, value in reports[0].items() if key not in ("shard", "warcs", "changes")}
    if len(warcs) > 1:
        # Each shard archived what it saw in its own WARC: name them all, not the first shard's as the run's.
        merged["warcs"] = warcs
    merged.update(
        warc=warcs[0] if len(warcs) == 1 else None,
        started_at=min(r["started_at"] for r in reports),
        finished_at=max(r.get("finished_at") or r["started_at"] for r in reports),
        network="; ".join(dict.fromkeys(networks)) or None,  # usually one answer; keep each distinct one
        # Each shard ran on its own machine: every outage any of them saw, in time order.
        outages=sorted(
            (o for r in reports for o in r.get("outages") or [] if isinstance(o, dict)),
            key=lambda o: str(o.get("from")),
        ),
        summary=summary_counts([c["verdict"] for c in claims]),
        claims=claims,
    )
    return merged


def read_shard(file: IO[str], name: str) -> dict[str, Any]:
    """A shard's JSON report read from `file` (named `name` in messages), checked whole against the report's
    schema before anything reads it: any JSON file may be named (a ClaimReview export, a timeline), and the
    wrong one is bad input (MergeError)."""
    import json

    from civicheck.report_schema import report_problem

    try:
        data = json.load(file)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MergeError(f"{name}: not a JSON report: {exc}") from exc
    except RecursionError as exc:  # a report is a few levels deep; thousands is an attack
        raise MergeError(f"{name}: not a JSON report: nested too deep to read") from exc
    if problem := report_problem(data):
        raise MergeError(f"{name}: not a civicheck JSON report: {problem}")
    return data


def _check_shard_set(reports: Sequence[dict[str, Any]]) -> None:
    shards = [r["shard"] for r in reports if r.get("shard")]
    if not shards:
        return
    if len(shards) < len(reports):
        raise MergeError("some reports say which shard they are and some do not: merge the shards of one run")
    ns = {s["n"] for s in shards}
    if len(ns) != 1:
        raise MergeError(f"the reports come from different shardings (N = {', '.join(map(str, sorted(ns)))})")
    n = ns.pop()
    ks = [s["k"] for s in shards]
    duplicate = next((k for k in ks if ks.count(k) > 1), None)
    if duplicate is not None:
        raise MergeError(f"shard {duplicate}/{n} is given twice")
    missing = sorted(set(range(1, n + 1)) - set(ks))
    if missing:
        raise MergeError(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(f'{k}/{n}' for k in missing)}"
            " missing: merge all the shards of a run"
        )
