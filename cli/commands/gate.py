"""`clearance gate`: check deploy manifests against a policy (0 compliant, 1 violations,
2 invalid input)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    AsOfOpt,
    CatalogOpt,
    DataClassOpt,
    PolicyOpt,
    guarded,
    parse_as_of,
    read_catalog,
    read_policy,
)
from cli.outputs.gate import to_json, to_text
from cli.outputs.gate_ci import to_github, to_junit, to_sarif
from registry.gate.check import run_gate


class GateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"


RENDER = {
    GateFormat.text: to_text,
    GateFormat.json: to_json,
    GateFormat.sarif: to_sarif,
    GateFormat.junit: to_junit,
    GateFormat.github: to_github,
}


def gate(
    manifests: Annotated[
        list[Path], typer.Argument(help="Deploy manifests (LiteLLM config, Clearance manifest).")
    ],
    policy: PolicyOpt,
    data_class: DataClassOpt = None,
    catalog: CatalogOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[GateFormat, typer.Option("--format", help="Report format.")] = (GateFormat.text),
    output: Annotated[Path | None, typer.Option("--output", help="Write the report here.")] = None,
) -> None:
    """Fail the build when a manifest may send a data class to a deployment the policy
    does not permit (or that the catalog does not know)."""
    day = parse_as_of(as_of)
    loaded = read_policy(policy)
    cat = read_catalog(catalog)
    report = guarded(lambda: run_gate(loaded, cat, manifests, data_class, day))
    text = RENDER[fmt](report)
    if output is not None:
        output.write_text(text)
    else:
        typer.echo(text, nl=False)
    raise typer.Exit(report.exit_code)
