"""`clearance questionnaire`: the unknown facts behind denials, as questions to providers."""

from __future__ import annotations

from collections.abc import Callable
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
    PolicyOpt,
    fail,
    guarded,
    org_view,
    parse_as_of,
    read_checked,
)
from cli.exitcodes import ExitCode
from cli.outputs.questionnaire import empty_message, render_csv, render_markdown, render_yaml
from registry.attestations.questionnaire import Questionnaire, build_questionnaire
from registry.engine.engine import Engine
from registry.policy.targets import catalog_ids, closest_id_hint


class QuestionnaireFormat(StrEnum):
    markdown = "markdown"
    csv = "csv"
    yaml = "yaml"


RENDERERS: dict[QuestionnaireFormat, Callable[[Questionnaire], str]] = {
    QuestionnaireFormat.markdown: render_markdown,
    QuestionnaireFormat.csv: render_csv,
    QuestionnaireFormat.yaml: render_yaml,
}


def questionnaire(
    policy: PolicyOpt,
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="Only these provider or provider/deployment ids (default: all)."),
    ] = None,
    data_class: DataClassOpt = None,
    catalog: CatalogOpt = None,
    as_of: AsOfOpt = None,
    attestations: AttestationsOpt = None,
    fmt: Annotated[
        QuestionnaireFormat,
        typer.Option(
            "--format", help="markdown (for a vendor), csv, or yaml (an attestations skeleton)."
        ),
    ] = QuestionnaireFormat.markdown,
    include_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every denied target, listing its unknown facts (default: only targets "
            "denied only by unknown facts).",
        ),
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the questionnaire here.")
    ] = None,
    allow_unknown_targets: AllowUnknownTargetsOpt = False,
) -> None:
    """Print what to ask providers: for each denied target (default: those denied only by
    unknown facts), the unknown facts, the rules and policy lines that need them and the
    values that would satisfy them. A question is one fact of one provider, or of one
    deployment when a deployment writes that fact; the org's existing attestations are
    applied first. `unblocks` counts the targets this answer alone would permit: denied
    only by unknown facts, with this question as their only one. `needed by` counts the
    denied targets that have it among their unknown facts. Questions are ordered by
    unblocks (descending), then question target and fact; exit 0, even with no questions.
    """
    day = parse_as_of(as_of)
    loaded, public = read_checked(policy, catalog, allow_unknown_targets)
    known = catalog_ids(public)
    for target in targets or ():
        if target not in known:
            fail(
                f"{target!r} is not a provider or deployment in the catalog; "
                f"{closest_id_hint(target, known)}"
            )
    cat = org_view(public, attestations, day, loaded.policy.org)
    result = guarded(lambda: Engine().evaluate(loaded, cat, data_class, None, day))
    qn = build_questionnaire(result, cat, frozenset(targets) if targets else None, include_all)
    text = RENDERERS[fmt](qn)
    if output is not None:
        output.write_text(text)
    else:
        typer.echo(text, nl=False)
    if not qn.questions and fmt is not QuestionnaireFormat.markdown:
        typer.echo(empty_message(qn), err=True)
    raise typer.Exit(int(ExitCode.OK))
