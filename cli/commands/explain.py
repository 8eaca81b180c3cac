"""`clearance explain`: every requirement for one provider or deployment."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
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
    attestation_paths,
    guarded,
    org_view,
    parse_as_of,
    read_checked,
)
from cli.exitcodes import ExitCode
from cli.outputs.console import console
from cli.outputs.explanation import render_table, to_json
from cli.remote import ApiKeyOpt, Registry, ServerOpt, refuse_local_options, run_remote, same_policy
from registry.engine.engine import Engine
from registry.engine.explain import Explanation
from registry.engine.explain import explain as explain_targets
from registry.policy.loader import load_policy


class ExplainFormat(StrEnum):
    table = "table"
    json = "json"


@dataclass(frozen=True)
class Remote:
    """What `explain --server` was asked."""

    server: str
    api_key: str | None
    policy: Path
    target: str
    data_class: str | None
    model: str | None
    catalog: Path | None  # local only: refused
    as_of: str | None  # local only: refused


def _remote(ask: Remote, attestations: list[Path] | None) -> list[Explanation]:
    """The registry's explanation (cli/remote.py), for the same outputs as a local one."""
    refuse_local_options(
        "clearance explain",
        catalog=ask.catalog,
        as_of=ask.as_of,
        attestations=bool(attestation_paths(attestations)),
    )
    loaded = load_policy(ask.policy)
    with Registry(ask.server, ask.api_key, "clearance explain") as registry:
        answer = registry.explain(loaded, ask.target, ask.data_class, ask.model)
    same_policy(answer, loaded, ask.policy)
    return [Explanation.from_json(item) for item in answer["targets"]]


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
    server: ServerOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Show pass/fail/waived for every requirement; exit 0 if permitted, 1 if denied.

    For a provider id, exit 0 only when every one of its deployments is permitted.
    With --server, the registry's explanation for its stored policy of the same org and
    name (exit 2 if that is another revision, 3 if the registry cannot answer).
    """
    if server:
        ask = Remote(server, api_key, policy, target, data_class, model, catalog, as_of)
        items = run_remote(lambda: _remote(ask, attestations))
    else:
        day = parse_as_of(as_of)
        loaded, public = read_checked(policy, catalog, allow_unknown_targets)
        cat = org_view(public, attestations, day, loaded.policy.org)
        items = guarded(
            lambda: explain_targets(Engine(), loaded, cat, target, data_class, model, day)
        )
    if fmt is ExplainFormat.json:
        typer.echo(to_json(items), nl=False)
    else:
        render_table(items, console())
    permitted = all(item.decision.permitted for item in items)
    raise typer.Exit(int(ExitCode.OK if permitted else ExitCode.FAILED))
