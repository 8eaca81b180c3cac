"""`clearance gate`: check deploy manifests against a policy (0 compliant, 1 violations,
2 invalid input)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.client import ServiceRefusedError, ServiceUnavailableError, post_gate
from cli.common import (
    AsOfOpt,
    CatalogOpt,
    DataClassOpt,
    PolicyOpt,
    fail,
    guarded,
    parse_as_of,
    read_catalog,
    read_policy,
)
from cli.exitcodes import ExitCode
from cli.outputs.console import console
from cli.outputs.gate import colour_text, to_json, to_text
from cli.outputs.gate_ci import to_github, to_junit, to_sarif
from registry.gate.check import run_gate
from registry.gate.report import GateReport, report_from_json


class GateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"


def _remote(
    server: str,
    org: str,
    name: str,
    data_class: str | None,
    manifests: list[Path],
    api_key: str | None,
) -> GateReport:
    missing = [str(p) for p in manifests if not p.is_file()]
    if missing:
        fail(f"cannot read manifest {', '.join(missing)}")
    try:
        return report_from_json(post_gate(server, org, name, data_class, manifests, api_key))
    except ServiceUnavailableError as err:
        fail(str(err), ExitCode.UNREACHABLE)
    except ServiceRefusedError as err:
        fail(str(err))


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
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="CLEARANCE_SERVER",
            help="Ask this registry (its stored policy of the same name and org); "
            "unreachable or failing: exit 3.",
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            envvar="CLEARANCE_API_KEY",
            help="API key for --server (a router, viewer, editor or admin key of the org).",
        ),
    ] = None,
) -> None:
    """Fail the build when a manifest may send a data class to a deployment the policy
    does not permit (or that the catalog does not know). Exit 0 compliant, 1 violations,
    2 invalid input, 3 the registry (--server) was unreachable or failed."""
    loaded = read_policy(policy)
    if server:
        report = _remote(server, loaded.policy.org, loaded.name, data_class, manifests, api_key)
    else:
        day = parse_as_of(as_of)
        cat = read_catalog(catalog)
        report = guarded(lambda: run_gate(loaded, cat, manifests, data_class, day))
    text = RENDER[fmt](report)
    if output is not None:
        output.write_text(text)
    elif fmt is GateFormat.text and sys.stdout.isatty():
        colour_text(text, console())
    else:
        typer.echo(text, nl=False)
    raise typer.Exit(report.exit_code)
