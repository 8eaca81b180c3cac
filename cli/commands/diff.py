"""`clearance diff`: what gains or loses permission between two policies or two catalogs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    AllowUnknownTargetsOpt,
    AsOfOpt,
    DataClassOpt,
    check_policy_targets,
    fail,
    guarded,
    parse_as_of,
    read_catalog,
    read_policy,
)
from cli.exitcodes import ExitCode
from cli.outputs.diff import to_json, to_markdown, to_text
from registry.gate.diff import Kind
from registry.gate.diff import diff as compute_diff


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


USAGE = (
    "give two policies (--policy OLD NEW, at most one --catalog) "
    "or two catalogs (--catalog OLD_DIR NEW_DIR) with exactly one --policy"
)


def diff(
    extra: Annotated[
        list[Path] | None,
        typer.Argument(
            help="The NEW of --policy OLD NEW or --catalog OLD NEW (directories are catalogs).",
            show_default=False,
        ),
    ] = None,
    policy: Annotated[
        list[Path] | None, typer.Option("--policy", help="Policy file; give one or two.")
    ] = None,
    catalog: Annotated[
        list[Path] | None, typer.Option("--catalog", help="Catalog directory; give none or two.")
    ] = None,
    data_class: DataClassOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[DiffFormat, typer.Option("--format", help="Output format.")] = DiffFormat.text,
    allow_unknown_targets: AllowUnknownTargetsOpt = False,
) -> None:
    """List per data class what gains or loses permission (exit 1 when anything changed)."""
    policies = list(policy or [])
    catalogs = list(catalog or [])
    for path in extra or []:
        (catalogs if path.is_dir() else policies).append(path)
    kind: Kind
    if len(policies) == 2 and len(catalogs) <= 1:
        kind = "policy"
    elif len(catalogs) == 2 and len(policies) == 1:
        kind = "catalog"
    else:
        fail(f"got {len(policies)} policies and {len(catalogs)} catalogs; {USAGE}")
    day = parse_as_of(as_of)
    old_policy = read_policy(policies[0])
    new_policy = read_policy(policies[-1])
    if kind == "policy":
        old_catalog = new_catalog = read_catalog(catalogs[0] if catalogs else None)
    else:
        old_catalog, new_catalog = read_catalog(catalogs[0]), read_catalog(catalogs[1])
    # the new side only: a diff that fixes a typo in a target must be able to show the fix
    check_policy_targets(new_policy, new_catalog, allow_unknown_targets)
    if data_class and data_class not in {*old_policy.classes, *new_policy.classes}:
        fail(f"unknown data class {data_class!r}")
    result = guarded(
        lambda: compute_diff(
            kind, old_policy, new_policy, old_catalog, new_catalog, day, data_class
        )
    )
    if fmt is DiffFormat.json:
        typer.echo(to_json(result), nl=False)
    elif fmt is DiffFormat.markdown:
        typer.echo(to_markdown(result), nl=False)
    else:
        typer.echo(to_text(result), nl=False)
    raise typer.Exit(int(ExitCode.FAILED if result.changed else ExitCode.OK))
