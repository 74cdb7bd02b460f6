"""The README's `--help` blocks, written by cog from the command line itself so they cannot drift.

.venv/bin/cog -r -I docs README.md        # rewrite the blocks after changing a command's options or help
.venv/bin/cog --check -I docs README.md   # what CI runs (tests/test_docs.py runs it too)
"""

from __future__ import annotations

# Wide enough for the option names and their help on one line each, narrow enough for a phone or a diff.
WIDTH = 100


def help_block(*command: str) -> str:
    """`civicheck COMMAND --help` as a fenced text block, exactly as the command prints it at WIDTH columns."""
    from click.testing import CliRunner

    from civicheck.cli import cli

    result = CliRunner().invoke(
        cli, [*command, "--help"], prog_name="civicheck", terminal_width=WIDTH, max_content_width=WIDTH
    )
    if result.exit_code != 0:
        raise RuntimeError(f"civicheck {' '.join(command)} --help failed: {result.output}")
    return "```text\n" + result.stdout.rstrip() + "\n```\n"
