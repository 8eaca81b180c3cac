"""The README's example output is real: each `readme-example` block is what the CLI prints."""

from __future__ import annotations

import os
import re
import shlex

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from tests.conftest import ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- readme-example: (?P<args>.+?) -->\n```\n(?P<body>.*?)```\n", re.S)


def examples() -> list[tuple[str, str]]:
    return [(m["args"], m["body"]) for m in BLOCK.finditer(README.read_text())]


def test_readme_names_the_two_commands_first() -> None:
    text = README.read_text()
    assert text.index("make serve") < text.index("## A policy")
    assert text.index("make test") < text.index("## A policy")


def test_readme_has_examples() -> None:
    assert examples()


@pytest.mark.parametrize(("args", "body"), examples())
def test_readme_example_output_is_exact(
    args: str, body: str, app: typer.Typer, runner: CliRunner, in_repo: object
) -> None:
    result = runner.invoke(app, shlex.split(args))
    expected = f"$ clearance {args}\n{result.stdout}"
    if os.environ.get("CLEARANCE_UPDATE_EXPECTED") == "1":
        README.write_text(README.read_text().replace(f"```\n{body}```", f"```\n{expected}```"))
        body = expected
    assert body == expected
    assert result.exit_code in (ExitCode.OK, ExitCode.FAILED)


def test_readme_exit_code_table_matches_the_enum() -> None:
    rows = re.findall(r"^\| (\d) \| ", README.read_text(), re.M)
    assert [int(r) for r in rows] == [int(code) for code in ExitCode]
