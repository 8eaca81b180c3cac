"""Formats of an Evaluation (`clearance allowed`): json and table."""

from __future__ import annotations

import json

from rich import box
from rich.console import Console
from rich.table import Table

from cli.outputs.console import print_trimmed
from registry.engine.decisions import Decision, Evaluation


def to_json(result: Evaluation) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def _status(decision: Decision) -> str:
    if not decision.permitted:
        return "denied"
    return "permitted (waived)" if decision.waived else "permitted"


def _why(decision: Decision) -> str:
    if decision.permitted:
        return ", ".join(sorted({w.reason.rule for w in decision.waived}))
    return ", ".join(r.rule for r in decision.reasons)


def render_table(result: Evaluation, out: Console) -> None:
    model = f", model {result.model}" if result.model else ""
    out.print(
        f"policy {result.policy} (org {result.org}), data class {result.data_class}{model}, "
        f"as of {result.as_of.isoformat()}, catalog {result.catalog_revision}"
    )
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    table.add_column("deployment", no_wrap=True)
    table.add_column("decision", no_wrap=True)
    table.add_column("failed or waived rules")
    for target, decision in sorted(result.decisions.items()):
        table.add_row(target, _status(decision), _why(decision))
    print_trimmed(out, table)
    out.print(
        f"{len(result.permitted)} of {len(result.decisions)} deployments permitted "
        f"({len(result.providers)} providers). `clearance explain TARGET` shows why."
    )
    for warning in result.warnings:
        out.print(f"warning: {warning}")
