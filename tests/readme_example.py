"""The run the README's output samples show: three claims about a city portal, served on 127.0.0.1, made
fixed (the portal's address, the times, the WARC's name and record ids) so the samples can be regenerated
from it and compared: tests/test_docs.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from civicheck.cli import cli

PORTAL = "https://www.cilegon.go.id"
WHEN = "2026-11-28T02:00:00Z"
WARC = "civicheck-20261128T020000Z-1a2b3c.warc.gz"
RECORD_IDS = [
    "5cca07f3-6a3e-4c1e-9d2b-2f0c8e1a7b40",
    "9e04b1d2-3f5a-4b7c-8d9e-0a1b2c3d4e5f",
    "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
    "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
]

PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Portal Kota Cilegon</title></head>
<body><nav><a href="/disnaker">Disnaker</a> <a href="/disdukcapil">Disdukcapil</a>
<a href="http://layanan-dukcapil.invalid/">Layanan Dukcapil</a></nav>
<article><h1>Cilegon menuju kota cerdas</h1>
<p>Pemerintah Kota Cilegon menetapkan Smart City sebagai program prioritas dalam RPJMD 2021-2026, kata Wali
Kota dalam rapat itu.</p>
<p>Sebanyak 29 layanan akan terhubung dengan portal kota tahun depan.</p>
</article></body></html>"""

DISNAKER = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Dinas Tenaga Kerja</title></head>
<body><article><h1>Dinas Tenaga Kerja Kota Cilegon</h1>
<p>Dinas Tenaga Kerja melayani pencari kerja, pelatihan kerja dan penempatan tenaga kerja di Kota Cilegon.</p>
<p>Kartu pencari kerja (AK/1) dapat diurus di kantor dinas pada hari kerja, pukul 08.00 sampai 15.00 WIB.</p>
<p>Informasi lowongan kerja dan jadwal bursa kerja diumumkan setiap bulan di halaman ini.</p>
</article></body></html>"""

CLAIMS = """claims:
  - id: smart-city-priority
    claim: "Smart City is a priority program of the RPJMD 2021-2026"
    checks:
      - quote: {url: "SITE/", text: "Smart City sebagai program prioritas dalam RPJMD 2021-2026"}
  - id: thirty-nine-services
    claim: "39 services will join the city portal"
    checks:
      - quote: {url: "SITE/", text: "Sebanyak 39 layanan akan terhubung dengan portal kota"}
  - id: portal-agency-links
    claim: "The city portal's agency links work"
    checks:
      - links: {url: "SITE/", max_broken: 0}
"""


def example_report(site, tmp_path: Path) -> dict:
    """The JSON report of the README's run, with everything that differs from run to run made fixed."""
    site.route("/", PAGE)
    site.route("/disnaker", DISNAKER)
    site.route("/disdukcapil", "Not Found", status=404)
    claims = tmp_path / "claims.yaml"
    claims.write_text(CLAIMS.replace("SITE", site.base_url), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "verify",
            str(claims),
            "--format",
            "json",
            "--no-history",
            "--canary",
            site.url("/canary"),
            "--archive-dir",
            str(tmp_path / "archive"),
            "-q",
        ],
    )
    assert result.exit_code == 1, result.output  # two claims not as expected
    return fixed(result.stdout, site.base_url, tmp_path)


def fixed(text: str, base_url: str, tmp_path: Path) -> dict:
    text = text.replace(base_url, PORTAL).replace(
        "layanan-dukcapil.invalid", "layanan.dukcapil.cilegon.go.id"
    )
    text = text.replace(str(tmp_path / "archive"), ".civicheck/archive")
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", WHEN, text)
    text = re.sub(r"civicheck-\d{8}T\d{6}Z-[0-9a-f]+\.warc\.gz", WARC, text)
    ids: dict[str, str] = {}
    text = re.sub(r"(?<=urn:uuid:)[0-9a-f-]{36}", lambda m: ids.setdefault(m[0], RECORD_IDS[len(ids)]), text)
    report = json.loads(text)
    report["network"] = None  # the canary's answer, which names its address
    report["outages"] = []
    for claim in report["claims"]:
        for check in claim["checks"]:
            check["evidence"].pop("elapsed", None)
    return report
