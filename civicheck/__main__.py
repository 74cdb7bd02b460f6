"""`python -m civicheck` runs the command-line interface."""

from civicheck.cli import main

main()
