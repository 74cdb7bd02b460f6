"""The README cannot drift: its test command is CI's, and its tables name every check, format and exit code."""

from __future__ import annotations

import re
from pathlib import Path

from civicheck.claims import CHECK_KINDS
from civicheck.cli import ExitCode
from civicheck.report import FORMATS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert len(ci_lines) == 1
    setup = _sh_blocks()[:2]
    assert setup[1].strip() == ci_lines[0].strip()
    assert "pytest" in setup[1] and "civicheck verify claims/" in setup[0]


def test_readme_documents_every_check_kind_format_and_exit_code():
    for kind in CHECK_KINDS:
        assert f"| `{kind}" in README, kind
    for fmt in FORMATS:
        assert f"### {fmt}" in README, fmt
    table = README.split("## Exit codes", 1)[1]
    for code in ExitCode:
        assert f"| {int(code)} |" in table, code


def test_example_claims_are_valid(tmp_path):
    from civicheck.claims import load_claims

    claims = load_claims([ROOT / "claims"])
    assert {c.id for c in claims} >= {"labour-app-live", "portal-agency-links", "smart-city-priority"}
    hosts = {re.match(r"https?://([^/]+)/", ch.url)[1] for c in claims for ch in c.checks}
    assert hosts <= {"www.cilegon.go.id", "www.bantennews.co.id"}
