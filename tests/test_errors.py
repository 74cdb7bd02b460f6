"""The error tree (errors.py): every error class lives there, carries its exit code, is drawn in the module's
docstring as it is, and only the command line's Command class turns one into an exit code."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from click.testing import CliRunner

import civicheck
from civicheck import errors
from civicheck.cli import cli
from civicheck.errors import CivicheckError, ExitCode

PACKAGE = Path(civicheck.__file__).parent
# Raised inside PyYAML's loader, which needs its own base class to carry the line it stopped at.
NOT_IN_ERRORS = {"civicheck.claims.yaml_lines.RefusedYAML"}


def _modules() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages([str(PACKAGE)], "civicheck.")
        if not m.name.endswith("__main__") and m.name != "civicheck.errors"
    ]


def test_every_error_class_is_defined_in_errors_py():
    elsewhere = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == name
                and not attr.startswith("_")
                and f"{name}.{attr}" not in NOT_IN_ERRORS
            ):
                elsewhere.append(f"{name}.{attr}")
    assert elsewhere == []


def _drawn_tree() -> dict[str, str]:
    """class name -> the exit code the docstring's tree gives it ("-" for none)."""
    drawn = {}
    for line in errors.__doc__.splitlines():
        m = re.match(r"^\s+[│├└─ ]*(\w+)\s+(\d+|-)\s", line)
        if m:
            drawn[m[1]] = m[2]
    return drawn


def test_the_docstring_draws_every_error_with_its_exit_code():
    classes = {
        name: cls
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, CivicheckError)
    }
    drawn = _drawn_tree()
    assert set(drawn) == set(classes)
    for name, cls in classes.items():
        assert isinstance(cls.exit_code, ExitCode)
        if drawn[name] != "-":
            assert int(drawn[name]) == cls.exit_code, name


def test_the_tree_is_drawn_with_each_class_under_its_parent():
    lines = [line for line in errors.__doc__.splitlines() if re.match(r"^\s+[│├└─ ]*\w+\s+(\d+|-)\s", line)]
    parents: list[tuple[int, str]] = []
    for line in lines:
        name = re.search(r"(\w+)\s+(\d+|-)\s", line)[1]
        indent = line.index(name)
        while parents and parents[-1][0] >= indent:
            parents.pop()
        cls = getattr(errors, name)
        if parents:
            assert cls.__base__ is getattr(errors, parents[-1][1]), name
        parents.append((indent, name))


def test_only_the_command_class_exits():
    """The library never exits; in the command line, sys.exit is called by the Command and Group classes only
    (commands return an ExitCode or raise)."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            exits = isinstance(node, ast.Call) and ast.unparse(node.func) in (
                "sys.exit",
                "exit",
                "SystemExit",
            )
            raised = (
                isinstance(node, ast.Raise) and node.exc is not None and "SystemExit" in ast.unparse(node.exc)
            )
            if exits or raised:
                owner = _enclosing_class(tree, node)
                assert path.parent.name == "cli" or path.stem == "cli", f"{path}: exits"
                assert owner in ("Command", "Group", "_Command", "_Group"), (
                    f"{path}:{node.lineno} exits outside them"
                )


def _enclosing_class(tree: ast.AST, target: ast.AST) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(child is target for child in ast.walk(node)):
            return node.name
    return None


def test_an_archive_that_does_not_answer_is_not_civicheck_failing(closed_port_url):
    result = CliRunner().invoke(
        cli,
        ["timeline", "https://www.cilegon.go.id/", "--archive", f"pywb={closed_port_url.rstrip('/')}/coll"],
    )
    assert result.exit_code == ExitCode.UNEXPECTED == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: pywb CDX lookup of https://www.cilegon.go.id/ failed")


def test_a_replay_file_that_is_not_a_warc_is_bad_input(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "claims:\n  - id: a\n    claim: x\n    checks:\n      - live: http://x.example/\n"
    )
    (tmp_path / "bad.warc.gz").write_bytes(b"not a warc")
    result = CliRunner().invoke(cli, ["verify", "c.yaml", "--replay", "bad.warc.gz", "--no-history"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr.startswith("error: bad.warc.gz is not a readable WARC file")


def test_a_warc_that_cannot_be_written_is_civicheck_failing(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "claims:\n  - id: a\n    claim: x\n    checks:\n      - live: http://x.example/\n"
    )
    (tmp_path / "archive").write_text("a file where the folder should be")
    result = CliRunner().invoke(
        cli, ["verify", "c.yaml", "--no-history", "--no-canary", "--archive-dir", "archive/run"]
    )
    assert result.exit_code == ExitCode.INTERNAL
    assert result.stderr.startswith("error: cannot create a WARC archive in archive/run")
