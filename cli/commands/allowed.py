"""`clearance allowed`: the permitted set of a policy data class."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cli.common import (
    AsOfOpt,
    CatalogOpt,
    DataClassOpt,
    ModelOpt,
    PolicyOpt,
    guarded,
    parse_as_of,
    read_catalog,
    read_policy,
)
from cli.exitcodes import ExitCode
from cli.outputs.console import console
from cli.outputs.evaluation import render_table, to_json
from cli.outputs.routers import openrouter_only, to_openrouter
from registry.engine.engine import Engine


class AllowedFormat(StrEnum):
    table = "table"
    json = "json"
    openrouter = "openrouter"


def allowed(
    policy: PolicyOpt,
    data_class: DataClassOpt = None,
    model: ModelOpt = None,
    catalog: CatalogOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[AllowedFormat, typer.Option("--format", help="Output format.")] = (
        AllowedFormat.table
    ),
) -> None:
    """Print the deployments the policy permits for a data class (exit 0 even when none)."""
    day = parse_as_of(as_of)
    loaded = read_policy(policy)
    cat = read_catalog(catalog)
    result = guarded(lambda: Engine().evaluate(loaded, cat, data_class, model, day))
    if fmt is AllowedFormat.json:
        typer.echo(to_json(result), nl=False)
    elif fmt is AllowedFormat.openrouter:
        only, missing = openrouter_only(result, cat)
        for target in missing:
            typer.echo(
                f"warning: permitted {target} has no OpenRouter slug; it is left out", err=True
            )
        if not only:  # an empty `only` would not restrict OpenRouter at all: fail closed
            typer.echo(
                "error: no permitted deployment has an OpenRouter slug; refusing to "
                "print a provider object that would not restrict routing",
                err=True,
            )
            raise typer.Exit(int(ExitCode.FAILED))
        typer.echo(to_openrouter(result, cat, loaded.data_class(data_class)), nl=False)
    else:
        render_table(result, console())
    raise typer.Exit(int(ExitCode.OK))
