"""`clearance explain`: every requirement for one provider or deployment."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cli.common import (
    AllowUnknownTargetsOpt,
    AsOfOpt,
    AttestationsOpt,
    CatalogOpt,
    DataClassOpt,
    ModelOpt,
    PolicyOpt,
    guarded,
    org_view,
    parse_as_of,
    read_checked,
)
from cli.exitcodes import ExitCode
from cli.outputs.console import console
from cli.outputs.explanation import render_table, to_json
from registry.engine.engine import Engine
from registry.engine.explain import explain as explain_targets


class ExplainFormat(StrEnum):
    table = "table"
    json = "json"


def explain(
    target: Annotated[str, typer.Argument(help="provider or provider/deployment id")],
    policy: PolicyOpt,
    data_class: DataClassOpt = None,
    model: ModelOpt = None,
    catalog: CatalogOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[ExplainFormat, typer.Option("--format", help="Output format.")] = (
        ExplainFormat.table
    ),
    allow_unknown_targets: AllowUnknownTargetsOpt = False,
    attestations: AttestationsOpt = None,
) -> None:
    """Show pass/fail/waived for every requirement; exit 0 if permitted, 1 if denied.

    For a provider id, exit 0 only when every one of its deployments is permitted.
    """
    day = parse_as_of(as_of)
    loaded, public = read_checked(policy, catalog, allow_unknown_targets)
    cat = org_view(public, attestations, day, loaded.policy.org)
    items = guarded(lambda: explain_targets(Engine(), loaded, cat, target, data_class, model, day))
    if fmt is ExplainFormat.json:
        typer.echo(to_json(items), nl=False)
    else:
        render_table(items, console())
    permitted = all(item.decision.permitted for item in items)
    raise typer.Exit(int(ExitCode.OK if permitted else ExitCode.FAILED))
