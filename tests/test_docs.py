"""The README cannot drift: its test command is CI's, and its tables name every check, format and exit code.

The other tests here hold every command, option, default, output sample and JSON field name the README shows
to what the command line really has and prints.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import click
from click.testing import CliRunner

from civicheck import kinds
from civicheck.cli import ExitCode, cli
from civicheck.fetch import ErrorKind
from civicheck.render import FORMATS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE_CLAIMS = ROOT / "claims" / "cilegon.yaml"
# Options the README names that belong to other tools: pywb's `wayback --record -a`.
FOREIGN_OPTIONS = {"--record", "-a"}


def _sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def _fenced(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def _code_spans() -> list[str]:
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    return re.findall(r"`([^`\n]+)`", prose)


def _section(title: str) -> str:
    """The README text under a heading, up to the next heading of any level."""
    after = README.split(title, 1)[1]
    return re.split(r"\n#{2,4} ", after, maxsplit=1)[0]


def _options(command: click.Command) -> set[str]:
    names = set()
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts + param.secondary_opts)
    return names | {"-h", "--help"}  # every command has them (click adds them outside `params`)


def _flags(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w/.-])(--?[a-z][a-z0-9-]*)", text))


def _readme_invocations() -> list[list[str]]:
    """Every civicheck command line the README shows, in a code block or an inline code span, as argv."""
    lines = [line for block in _sh_blocks() for line in block.splitlines()] + _code_spans()
    found = []
    for line in lines:
        for chain in line.split("&&"):
            chain = chain.split(" #", 1)[0].split(">", 1)[0].strip()
            match = re.match(r"(?:\.venv/bin/)?civicheck\s+([a-z].*)$", chain)  # not `civicheck …`
            if match:
                found.append(shlex.split(match[1]))
    return found


def test_ci_runs_exactly_the_readme_test_commands():
    ci_lines = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    setup = _sh_blocks()[:2]
    commands = [line.strip() for line in setup[1].strip().splitlines()]
    # One command (continued over lines with a backslash): the newcomer copies it whole.
    assert all(line.endswith("\\") for line in commands[:-1]) and not commands[-1].endswith("\\")
    assert [line.strip() for line in ci_lines[-len(commands) :]] == commands
    # Anything before them only installs the system programs some tests need (as root, from Debian's packages).
    assert all(line.strip().startswith(("if ", "apt-get ", "fi")) for line in ci_lines[: -len(commands)]), (
        ci_lines
    )
    assert "pytest" in commands[-1] and "civicheck verify claims/" in setup[0]
    # The habits CONTRIBUTING.md asks for are CI's too: lint, formatting, types, the generated help blocks.
    for step in ("ruff check", "ruff format --check", "mypy", "cog --check"):
        assert any(step in line for line in commands), step


def test_readme_help_blocks_are_what_the_commands_print():
    """The `--help` blocks are written by cog (docs/cli_help.py); this fails when a command's options or help
    changed and `cog -r -I docs README.md` was not run (CI runs `cog --check` too)."""
    from cogapp import Cog

    cog, said = Cog(), io.StringIO()
    cog.set_output(stdout=said, stderr=said)
    status = cog.main(["cog", "--check", "--diff", "-I", str(ROOT / "docs"), str(ROOT / "README.md")])
    assert status == 0, (
        f"the README's --help blocks are out of date: run .venv/bin/cog -r -I docs README.md\n{said.getvalue()}"
    )
    blocks = re.findall(r"```text\n(Usage: civicheck.*?)```", README, re.S)
    assert {re.match(r"Usage: civicheck (\w*)", block)[1] for block in blocks} == set(cli.commands) | {""}


def test_readme_documents_every_check_kind_format_and_exit_code():
    for kind in kinds.names():
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


def test_every_command_is_documented_and_every_documented_command_exists():
    invocations = _readme_invocations()
    used = {argv[0] for argv in invocations}
    assert used <= set(cli.commands), used - set(cli.commands)
    assert set(cli.commands) <= used, set(cli.commands) - used


def test_every_option_in_a_readme_command_line_exists_for_that_command():
    for argv in _readme_invocations():
        command = cli.commands[argv[0]]
        for token in argv[1:]:
            if token.startswith("-") and len(token) > 1:
                assert token.split("=", 1)[0] in _options(command), f"civicheck {' '.join(argv)}: {token}"


def test_every_option_the_readme_names_exists():
    every = set().union(*(_options(command) for command in cli.commands.values()))
    named = set()
    for span in _code_spans():
        if re.match(r"--?[a-z]", span):
            named |= _flags(span)
    assert named, "no options found in the README"
    assert named - FOREIGN_OPTIONS <= every, named - FOREIGN_OPTIONS - every


def test_readme_claims_example_is_valid_and_shows_every_check_kind(tmp_path):
    from civicheck.claims import load_claims

    example = _fenced("yaml")[0]  # the claims example; `draft`'s samples follow (tests/test_draft.py)
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    [claim] = load_claims([path])
    assert {check.kind for check in claim.checks} == set(kinds.names())


def test_readme_lint_output_is_what_lint_prints():
    result = CliRunner().invoke(cli, ["lint", str(ROOT / "claims")])
    assert result.exit_code == 0, result.output
    assert f"`{result.stdout.strip()}`" in _section("### When a file is wrong")


def test_readme_bad_file_sample_is_what_lint_prints(tmp_path, monkeypatch):
    """The sample is the example file with the two mistakes the README describes; line numbers included."""
    section = _section("### When a file is wrong")
    [sample] = re.findall(r"```text\n(.*?)```", section, re.S)
    text = EXAMPLE_CLAIMS.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    live_line = next(
        i for i, line in enumerate(lines) if line.strip() == "- live: https://www.cilegon.go.id/"
    )
    lines[live_line] = lines[live_line].replace("https://www.cilegon.go.id/", "ftp://app.cilegon.go.id/")
    # portal-agency-links' first check becomes a quote with `txt:` for `text:`.
    start = next(i for i, line in enumerate(lines) if "id: portal-agency-links" in line)
    check = next(i for i in range(start, len(lines)) if lines[i].strip() == "- contains:")
    indent = lines[check][: len(lines[check]) - len(lines[check].lstrip())]
    lines[check : check + 3] = [
        f'{indent}- quote: {{url: https://www.cilegon.go.id/, txt: "Dinas Tenaga Kerja"}}\n'
    ]
    assert f"on line {live_line + 1} of the example file" in " ".join(section.split())
    assert f"on line {check + 1}," in " ".join(section.split())
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "cilegon.yaml").write_text("".join(lines), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "claims/"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr == sample


def _verify_json(site, tmp_path) -> dict:
    url = site.route(
        "/",
        "<html><head><title>Portal</title></head><body><article><h1>Berita</h1>"
        "<p>Pemerintah Kota Cilegon menetapkan Smart City sebagai program prioritas dalam RPJMD "
        "2021-2026, kata Wali Kota dalam rapat paripurna di gedung DPRD pada Senin pagi.</p>"
        "</article></body></html>",
    )
    claims = tmp_path / "claims.yaml"
    claims.write_text(
        f"""claims:
  - id: smart-city-priority
    claim: "Smart City is a priority program of the RPJMD 2021-2026"
    checks:
      - quote: {{url: "{url}", text: "Smart City sebagai program prioritas dalam RPJMD 2021-2026"}}
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["verify", str(claims), "--format", "json", "--no-canary", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_readme_json_sample_has_exactly_the_real_field_names(site, tmp_path):
    [sample] = [json.loads(block) for block in _fenced("json")]
    real = _verify_json(site, tmp_path)  # the first run with history on, as in the sample
    assert set(sample) == set(real)
    [sample_claim], [real_claim] = sample["claims"], real["claims"]
    assert set(sample_claim) == set(real_claim)
    [sample_check], [real_check] = sample_claim["checks"], real_claim["checks"]
    assert set(sample_check) == set(real_check)
    assert set(sample_check["spec"]) == set(real_check["spec"])
    assert set(sample_check["evidence"]) == set(real_check["evidence"])
    assert set(sample_check["evidence"]["hits"][0]) == set(real_check["evidence"]["hits"][0])
    assert set(sample["summary"]) == set(real["summary"])


def test_readme_csv_columns_are_the_real_ones(site, tmp_path):
    report = _verify_json(site, tmp_path)
    from civicheck.render import render

    header = next(csv.reader(io.StringIO(render(report, "csv"))))
    documented = re.search(r"One row per check: `([^`]+)`", " ".join(_section("### csv").split()))[1]
    assert documented.split(", ") == header


def _example_outputs(site, tmp_path) -> dict[str, str]:
    """What the tool prints for the README's example run (tests/readme_example.py), by the README's label."""
    from readme_example import example_report

    from civicheck.render import render

    report = example_report(site, tmp_path)
    return {
        "table at 80 columns": render(report, "table", width=80),
        "table in a pipe": render(report, "table"),
        "markdown": render(report, "markdown"),
    }


def test_readme_output_samples_are_what_the_tool_prints(site, tmp_path):
    """Each sample under an `<!-- example: LABEL -->` is regenerated from a fixed run over a local site and
    compared; CIVICHECK_UPDATE_README=1 writes them into the README instead (review the diff)."""
    import os

    outputs = _example_outputs(site, tmp_path)
    block = re.compile(r"(<!-- example: ([^>]+?) -->\n```[a-z]*\n)(.*?)(```)", re.S)
    labels = [m[2] for m in block.finditer(README)]
    assert sorted(labels) == sorted(outputs), labels
    if os.environ.get("CIVICHECK_UPDATE_README"):
        text = block.sub(lambda m: m[1] + outputs[m[2]].rstrip("\n") + "\n" + m[4], README)
        (ROOT / "README.md").write_text(text, encoding="utf-8")
        return
    for m in block.finditer(README):
        assert m[3] == outputs[m[2]].rstrip("\n") + "\n", (
            f"the README's sample '{m[2]}' is not what civicheck prints (CIVICHECK_UPDATE_README=1 "
            f"pytest tests/test_docs.py -k samples rewrites it):\n{outputs[m[2]]}"
        )
    narrow = outputs["table at 80 columns"]
    assert max(len(line) for line in narrow.splitlines()) <= 80


def test_start_here_counts_the_example_claims():
    from civicheck.claims import load_claims

    n = len(load_claims([ROOT / "claims"]))
    start = " ".join(_section("## Start here").split())
    assert f"`{n} claims: 0 supported, 0 refuted, {n} unverified; {n} not as expected`" in start


def test_readme_lists_every_error_kind():
    bullet = re.search(r"`evidence\.error`: (.*?)\. ", " ".join(README.split()))[1]
    documented = set(re.findall(r"`([a-z_0-9]+)`", bullet))
    assert documented == {kind.value for kind in ErrorKind} | {"null"}


def test_readme_layout_names_only_modules_that_exist():
    layout = _section("## Layout")
    modules = set(re.findall(r"([a-z_0-9]+\.py)", layout))
    assert len(modules) >= 15
    present = {path.name for path in (ROOT / "civicheck").rglob("*.py")}
    assert modules <= present, modules - present


def test_readme_claimreview_ratings_are_the_real_ones():
    from civicheck.render.claimreview import RATINGS

    table = _section("### claimreview")
    for verdict, (value, name) in RATINGS.items():
        row = re.search(rf"^\| {verdict} \| (.*?) \| (.*?) \|$", table, re.M)
        assert row, verdict
        assert row[1] == (str(value) if value is not None else "(none)") and row[2] == name
