"""Formats of an Evaluation (`clearance allowed`): json and table."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table

from cli.outputs.console import print_trimmed
from cli.outputs.rules import rule_title
from registry.engine.decisions import Decision, Evaluation, Reason


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


def decisive(reasons: tuple[Reason, ...]) -> Reason:
    """The reason that matters most for a denied deployment: a deny/allow list entry (the
    policy names it), else the first requirement whose known fact fails (new evidence
    cannot lift it), else the first fact the catalog does not know — each in the order the
    reasons come (list entries, then requirements in the policy reference's order)."""

    def rank(reason: Reason) -> int:
        if reason.rule.startswith("providers."):
            return 0
        return 2 if reason.outcome == "unknown" else 1

    return min(reasons, key=rank)  # min keeps the first of equal rank


@dataclass(frozen=True)
class DeniedGroup:
    """Denied deployments counted under one decisive rule and outcome."""

    rule: str
    unknown: bool
    targets: tuple[str, ...]
    example: str  # the unknown fact, or the most common reason message in the group

    @property
    def why(self) -> str:
        if self.rule.startswith("providers."):
            return rule_title(self.rule)
        if self.unknown:
            return self.example
        return f"e.g. {self.example}"


def _example(reason: Reason) -> str:
    if reason.outcome == "unknown" and reason.fact is not None:
        return f"{reason.fact} not known (fail closed)"
    return reason.message


def denied_groups(result: Evaluation) -> list[DeniedGroup]:
    """Every denied deployment once, under its decisive reason; largest group first."""
    grouped: dict[tuple[str, bool], list[tuple[str, Reason]]] = {}
    for target, decision in sorted(result.decisions.items()):
        if not decision.permitted:
            reason = decisive(decision.reasons)
            key = (reason.rule, reason.outcome == "unknown")
            grouped.setdefault(key, []).append((target, reason))
    groups = [
        DeniedGroup(
            rule=rule,
            unknown=unknown,
            targets=tuple(t for t, _ in pairs),
            example=Counter(_example(r) for _, r in pairs).most_common(1)[0][0],
        )
        for (rule, unknown), pairs in grouped.items()
    ]
    return sorted(groups, key=lambda g: (-len(g.targets), g.rule, g.unknown))


def _header(result: Evaluation) -> str:
    model = f", model {result.model}" if result.model else ""
    return (
        f"policy {result.policy} (org {result.org}), data class {result.data_class}{model}, "
        f"as of {result.as_of.isoformat()}, catalog {result.catalog_revision}"
    )


def _footer(result: Evaluation, out: Console, hint: str) -> None:
    providers = len(result.providers)
    out.print(
        f"{len(result.permitted)} of {len(result.decisions)} deployments permitted "
        f"({providers} provider{'s' if providers != 1 else ''}). {hint}"
    )
    for warning in result.warnings:
        out.print(f"warning: {warning}")


def render_table(result: Evaluation, out: Console, *, verbose: bool = False) -> None:
    """The permitted set and the denied deployments counted by their decisive reason;
    `verbose`: every deployment with every failed or waived rule."""
    out.print(_header(result))
    if verbose:
        _render_every_decision(result, out)
        _footer(result, out, "`clearance explain TARGET` shows why.")
        return
    _render_permitted(result, out)
    _render_denied(result, out)
    _footer(result, out, "--verbose lists all; `clearance explain TARGET` says why.")


def _render_permitted(result: Evaluation, out: Console) -> None:
    by_provider: dict[str, list[str]] = {}
    for target in result.permitted:
        provider, _, deployment = target.partition("/")
        waived = result.decisions[target].waived
        mark = f" (waived: {', '.join(sorted({w.reason.rule for w in waived}))})" if waived else ""
        by_provider.setdefault(provider, []).append(deployment + mark)
    if not by_provider:
        out.print("permitted: none")
        return
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    table.add_column("permitted provider", no_wrap=True)
    table.add_column("deployments")
    for provider, deployments in by_provider.items():
        table.add_row(provider, ", ".join(deployments))
    print_trimmed(out, table)


def _render_denied(result: Evaluation, out: Console) -> None:
    groups = denied_groups(result)
    if not groups:
        return
    out.print(
        "denied, each once under its decisive reason "
        "(a list entry, else a known failing fact, else an unknown one):"
    )
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    table.add_column("denied", justify="right", no_wrap=True)
    table.add_column("decisive rule", no_wrap=True)
    table.add_column("why")
    for group in groups:
        table.add_row(str(len(group.targets)), group.rule, group.why)
    print_trimmed(out, table)


def _render_every_decision(result: Evaluation, out: Console) -> None:
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
    table.add_column("deployment", no_wrap=True)
    table.add_column("decision", no_wrap=True)
    table.add_column("failed or waived rules")
    for target, decision in sorted(result.decisions.items()):
        table.add_row(target, _status(decision), _why(decision))
    print_trimmed(out, table)
