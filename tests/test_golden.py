"""The JSON report of a 200-claim run over a local site, compared with the one recorded in tests/golden/.

A fingerprint of behaviour: refactoring must leave it byte-identical (timestamps, ports and ids aside). When a
change of behaviour is intended, regenerate it and review the diff like code:
    CIVICHECK_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from golden_site import run_report

GOLDEN = Path(__file__).parent / "golden" / "report-200.json"


def normalise(text: str, site_base: str, closed_url: str, volatile: list[str]) -> str:
    for n, body in enumerate(volatile):
        text = text.replace(
            hashlib.sha256(body.encode("utf-8")).hexdigest(), f"<sha256 of volatile page {n}>"
        )
    closed = closed_url.rstrip("/").removeprefix("http://")
    site = site_base.removeprefix("http://")
    text = text.replace(closed, "CLOSED").replace(site, "SITE")
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text)
    text = re.sub(r"civicheck-\d{8}T\d{6}Z-[0-9a-f]+\.warc\.gz", "<warc>", text)
    text = re.sub(r"urn:uuid:[0-9a-f-]{36}", "urn:uuid:<id>", text)
    return re.sub(r"\.civicheck/archive/", "", text)


def test_report_of_a_200_claim_run_is_unchanged(tmp_path, site, closed_port_url):
    report, volatile = run_report(site, closed_port_url, tmp_path)
    assert len(report["claims"]) == 200
    got = (
        normalise(
            json.dumps(report, indent=1, ensure_ascii=False, sort_keys=True),
            site.base_url,
            closed_port_url,
            volatile,
        )
        + "\n"
    )
    if os.environ.get("CIVICHECK_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    assert GOLDEN.exists(), f"{GOLDEN} is missing: CIVICHECK_UPDATE_GOLDEN=1 records it"
    expected = GOLDEN.read_text(encoding="utf-8")
    if got != expected:
        import difflib

        diff = "".join(
            list(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), "golden", "now"))[:200]
        )
        raise AssertionError(f"the report changed (CIVICHECK_UPDATE_GOLDEN=1 to accept):\n{diff}")
