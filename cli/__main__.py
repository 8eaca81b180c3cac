"""`python -m cli` runs the `clearance` command (the same as the console script)."""

from cli.main import run

run()
