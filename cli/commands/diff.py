"""`clearance diff`: what gains or loses permission between two policies or two catalogs."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    AllowUnknownTargetsOpt,
    AsOfOpt,
    AttestationsOpt,
    DataClassOpt,
    attestation_paths,
    check_policy_targets,
    fail,
    guarded,
    org_view,
    parse_as_of,
    read_catalog,
    read_policy,
)
from cli.exitcodes import ExitCode
from cli.outputs.diff import to_json, to_markdown, to_text
from registry.catalog.loader import Catalog
from registry.diff import Kind
from registry.diff import diff as compute_diff
from registry.errors import InputError
from registry.yamlload import load_file


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


USAGE = (
    "give two policies (--policy OLD NEW, at most one --catalog), "
    "two catalogs (--catalog OLD_DIR NEW_DIR) with exactly one --policy, "
    "or two attestations (--attestations OLD NEW) with exactly one --policy"
)


def _is_attestations(path: Path) -> bool:
    """A positional NEW that is an attestations file, or a directory that is no catalog."""
    if path.is_dir():
        return not (path / "providers").is_dir()
    try:
        data = load_file(path).data
    except InputError:
        return False  # reported when it is read as a policy
    return isinstance(data, dict) and "attestations" in data


def _sides(
    org: str,
    kind: Kind,
    attestations: list[Path],
    catalogs: tuple[Catalog, Catalog],
    day: date,
) -> tuple[Catalog, Catalog]:
    """Each side's catalog as the org sees it: for an attestations diff, OLD and NEW; else
    the same attestations (if any) on both sides."""
    if kind == "attestations":
        old, new = ([p] for p in attestations)
        return org_view(catalogs[0], old, day, org), org_view(catalogs[1], new, day, org)
    if not attestation_paths(attestations):
        return catalogs
    return (
        org_view(catalogs[0], attestations, day, org),
        org_view(catalogs[1], attestations, day, org),
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
    attestations: AttestationsOpt = None,
) -> None:
    """List per data class what gains or loses permission (exit 1 when anything changed).

    With two policies or two catalogs, --attestations (a file or directory) is the org's
    set on both sides; with one policy, --attestations OLD NEW diffs the attestations."""
    policies = list(policy or [])
    catalogs = list(catalog or [])
    atts = list(attestations or [])
    for path in extra or []:
        if atts and len(policies) == 1 and _is_attestations(path):
            atts.append(path)
        else:
            (catalogs if path.is_dir() else policies).append(path)
    kind: Kind
    if len(policies) == 2 and len(catalogs) <= 1:
        kind = "policy"
    elif len(catalogs) == 2 and len(policies) == 1:
        kind = "catalog"
    elif len(atts) == 2 and len(policies) == 1 and len(catalogs) <= 1:
        kind = "attestations"
    else:
        fail(
            f"got {len(policies)} policies, {len(catalogs)} catalogs and "
            f"{len(atts)} attestations; {USAGE}"
        )
    day = parse_as_of(as_of)
    old_policy = read_policy(policies[0])
    new_policy = read_policy(policies[-1])
    if kind == "catalog":
        old_catalog, new_catalog = read_catalog(catalogs[0]), read_catalog(catalogs[1])
    else:
        old_catalog = new_catalog = read_catalog(catalogs[0] if catalogs else None)
    # the new side only: a diff that fixes a typo in a target must be able to show the fix
    check_policy_targets(new_policy, new_catalog, allow_unknown_targets)
    old_catalog, new_catalog = _sides(
        new_policy.policy.org, kind, atts, (old_catalog, new_catalog), day
    )
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
