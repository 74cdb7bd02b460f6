"""`civicheck init`: a valid example claims file and a nightly workflow whose shell steps do what they say; the
composite action.yml at the repository's root; actionlint (and shellcheck) accept both."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from civicheck.claims import load_claims
from civicheck.errors import CivicheckError
from civicheck.scaffold import ScaffoldError, init, install_source, spec_from_direct_url

SPEC = "civicheck @ git+https://github.com/example-org/civicheck@0123456789abcdef"


def workflow(root: Path) -> dict:
    data = yaml.safe_load((root / ".github/workflows/civicheck.yml").read_text(encoding="utf-8"))
    # YAML 1.1 reads the bare key `on` as True; GitHub reads it as "on".
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(root: Path) -> list[dict]:
    return workflow(root)["jobs"]["verify"]["steps"]


def step(root: Path, *, uses: str | None = None, name: str | None = None) -> dict:
    found = [
        s
        for s in steps(root)
        if (uses and s.get("uses", "").startswith(uses)) or (name and s.get("name") == name)
    ]
    assert len(found) == 1, (uses, name, found)
    return found[0]


def test_init_writes_valid_claims_and_a_workflow(tmp_path):
    written = init(tmp_path, install=SPEC)
    assert written == [tmp_path / "claims/example.yaml", tmp_path / ".github/workflows/civicheck.yml"]
    claims = load_claims([tmp_path / "claims"])
    assert len(claims) >= 3 and len({c.id for c in claims}) == len(claims)
    assert {check.kind for c in claims for check in c.checks} >= {"live", "contains", "dead"}


def test_the_workflow_runs_nightly_and_by_hand_with_the_expected_steps(tmp_path):
    init(tmp_path, install=SPEC)
    wf = workflow(tmp_path)
    assert set(wf["on"]) == {"schedule", "workflow_dispatch"}
    [schedule] = wf["on"]["schedule"]
    assert len(schedule["cron"].split()) == 5
    assert wf["permissions"] == {"contents": "read"}
    assert wf["concurrency"]["cancel-in-progress"] is False
    assert wf["env"]["CIVICHECK_INSTALL"] == SPEC and wf["env"]["CIVICHECK_FAIL_ON"] == "unexpected"
    uses = [s["uses"].split("@")[0] for s in steps(tmp_path) if "uses" in s]
    assert uses == [
        "actions/checkout",
        "actions/cache/restore",
        "actions/setup-python",
        "actions/cache/save",
        "actions/upload-artifact",
        "actions/upload-artifact",
    ]
    restore, save = step(tmp_path, uses="actions/cache/restore"), step(tmp_path, uses="actions/cache/save")
    # Cache keys are immutable: each run saves under its own key; the next restores the newest by prefix.
    assert "${{ github.run_id }}" in save["with"]["key"] and restore["with"]["key"] == save["with"]["key"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
    assert restore["with"]["path"] == save["with"]["path"] == ".civicheck/history.sqlite*"
    verify = step(tmp_path, name="Verify the claims")["run"]
    assert wf["env"]["CIVICHECK_CONFIRM"] == "2"
    for part in (
        "civicheck verify claims/",
        "--db .civicheck/history.sqlite",
        '--confirm "$CIVICHECK_CONFIRM"',
        '--fail-on "$CIVICHECK_FAIL_ON"',
        "--format markdown -o reports/civicheck.md",
        "--report reports/civicheck.json",
        "--report reports/civicheck.html",
        '>> "$GITHUB_STEP_SUMMARY"',
    ):
        assert part in verify
    assert step(tmp_path, name="Verify the claims")["env"] == {
        "CIVICHECK_NOTIFY": "${{ secrets.CIVICHECK_NOTIFY }}"
    }
    evidence = step(tmp_path, name="Upload the evidence archive")
    assert ".civicheck/archive/*.warc.gz" in evidence["with"]["path"]
    reports = step(tmp_path, name="Upload the reports")
    assert reports["with"]["path"] == "reports/" and reports["with"]["name"].startswith("civicheck-reports-")
    for later in (save, evidence, reports, step(tmp_path, name="Fail as civicheck said")):
        assert later["if"].startswith(
            "always()"
        )  # history, reports and evidence are kept whatever the verdicts


def _bash(
    script: str, tmp_path: Path, env: dict[str, str], *, flags: str = "-e", cwd: Path | None = None
) -> subprocess.CompletedProcess:
    path = tmp_path / "step.sh"
    path.write_text(script, encoding="utf-8")
    return subprocess.run(
        ["bash", *flags.split(), str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ["PATH"], **env},
        cwd=cwd,
    )


def _fake_command(bin_dir: Path, name: str, body: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize(
    "flags", ["-e", "--noprofile --norc -eo pipefail"]
)  # GitHub's default and `shell: bash`
@pytest.mark.parametrize("code", [0, 1, 2])
def test_the_verify_step_keeps_the_exit_code_for_the_last_step(tmp_path, flags, code):
    init(tmp_path, install=SPEC)
    bin_dir = tmp_path / "bin"
    # Writes its arguments as the markdown report (-o reports/civicheck.md), then exits as told.
    _fake_command(
        bin_dir, "civicheck", f'echo "**civicheck:** report $*" > reports/civicheck.md; exit {code}'
    )
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "CIVICHECK_FAIL_ON": "changed",
        "CIVICHECK_CONFIRM": "3",
    }
    done = _bash(step(tmp_path, name="Verify the claims")["run"], tmp_path, env, flags=flags, cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the step itself succeeds, so the saving steps run
    assert output.read_text() == f"exit-code={code}\n"
    assert summary.read_text().startswith(
        "**civicheck:** report verify claims/ --db .civicheck/history.sqlite"
        " --confirm 3 --fail-on changed --format markdown -o reports/civicheck.md"
    )
    last = step(tmp_path, name="Fail as civicheck said")
    assert last["env"]["EXIT_CODE"] == "${{ steps.verify.outputs.exit-code }}"
    assert _bash(last["run"], tmp_path, {"EXIT_CODE": str(code)}).returncode == code
    assert (
        _bash(last["run"], tmp_path, {"EXIT_CODE": ""}).returncode == 3
    )  # no code recorded: civicheck failed


def test_the_install_step_passes_the_requirement_as_one_argument(tmp_path):
    hostile = 'civicheck @ git+https://github.com/o/c@v1"; touch pwned; echo "'
    init(tmp_path, install=hostile)
    assert workflow(tmp_path)["env"]["CIVICHECK_INSTALL"] == hostile  # one YAML string, not YAML syntax
    bin_dir = tmp_path / "bin"
    args = tmp_path / "args"
    _fake_command(bin_dir, "python", f'for a in "$@"; do printf "%s\\n" "$a"; done > "{args}"')
    install = step(tmp_path, name="Install civicheck")["run"]
    done = _bash(install, tmp_path, {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CIVICHECK_INSTALL": hostile})
    assert done.returncode == 0, done.stderr
    assert args.read_text().splitlines() == ["-m", "pip", "install", "--quiet", hostile]
    assert not (tmp_path / "pwned").exists()


def test_without_an_install_source_the_workflow_says_what_to_set(tmp_path):
    init(tmp_path, install="")
    assert workflow(tmp_path)["env"]["CIVICHECK_INSTALL"] == ""
    done = _bash(step(tmp_path, name="Install civicheck")["run"], tmp_path, {"CIVICHECK_INSTALL": ""})
    assert done.returncode == 1 and "::error::Set CIVICHECK_INSTALL" in done.stdout


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    mine = tmp_path / ".github/workflows/civicheck.yml"
    mine.parent.mkdir(parents=True)
    mine.write_text("name: my own workflow\n")
    with pytest.raises(ScaffoldError, match=r"civicheck\.yml already exists.*--force") as caught:
        init(tmp_path, install=SPEC)
    assert isinstance(caught.value, CivicheckError)
    assert mine.read_text() == "name: my own workflow\n"
    assert not (tmp_path / "claims/example.yaml").exists()  # nothing half-written
    init(tmp_path, force=True, install=SPEC)
    assert workflow(tmp_path)["name"] == "civicheck"
    assert load_claims([tmp_path / "claims/example.yaml"])


def test_init_rejects_a_multi_line_install_source(tmp_path):
    with pytest.raises(ScaffoldError, match="one line"):
        init(tmp_path, install="civicheck\nrun: evil")


def test_install_source_from_pep_610_records(tmp_path):
    assert (
        spec_from_direct_url(
            {
                "url": "https://github.com/o/civicheck",
                "vcs_info": {"vcs": "git", "commit_id": "abc123", "requested_revision": "v0.1.0"},
            }
        )
        == "civicheck @ git+https://github.com/o/civicheck@abc123"
    )  # pinned to the exact commit
    assert (
        spec_from_direct_url(
            {
                "url": "https://files.example/civicheck-0.1.0.tar.gz",
                "archive_info": {"hashes": {"sha256": "ff00"}},
            }
        )
        == "civicheck @ https://files.example/civicheck-0.1.0.tar.gz#sha256=ff00"
    )
    assert spec_from_direct_url({"url": "file:///home/me/civicheck", "dir_info": {"editable": True}}) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "civicheck"\n')
    assert install_source(tmp_path) == "."  # the repository is civicheck itself
    other = tmp_path / "newsroom"
    other.mkdir()
    (other / "pyproject.toml").write_text('[project]\nname = "newsroom-claims"\n')
    assert install_source(other) != "."
