"""Formats of a GateReport: one small function each (text, json), and of an input error."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from registry.engine.decisions import Reason, Waived
from registry.errors import Problem
from registry.gate.report import GateReport, Result


def to_json(report: GateReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line is not None else file


def waiver_text(target: str, waived: Waived) -> str:
    """One waiver as CI shows it: what was set aside, by whom, until when, and where."""
    return (
        f"{target}: {waived.reason.rule} waived by the exception at "
        f"{where(waived.source.file, waived.source.line)} (approved by {waived.approved_by}, "
        f"expires {waived.expires.isoformat()}): {waived.justification}"
    )


def _status(result: Result) -> str:
    if not result.compliant:
        return "VIOLATION"
    return "ok (waived)" if result.waived else "ok       "


@dataclass(frozen=True)
class Finding:
    """One rule that denies some of an entry's deployments: which, and each one's reason."""

    rule: str
    denied: tuple[tuple[str, Reason], ...]  # (deployment, reason), sorted by deployment

    @property
    def source(self) -> str:
        first = self.denied[0][1].source
        return where(first.file, first.line)


def findings(result: Result) -> list[Finding]:
    """The entry's denied deployments grouped by rule, rules in the order they first appear."""
    grouped: dict[str, list[tuple[str, Reason]]] = {}
    for target, reasons in sorted(result.denied.items()):
        for reason in reasons:
            grouped.setdefault(reason.rule, []).append((target, reason))
    return [Finding(rule, tuple(pairs)) for rule, pairs in grouped.items()]


def _names(targets: list[str], shown: int = 3) -> str:
    more = len(targets) - shown
    return ", ".join(targets[:shown]) + (f", … {more} more" if more > 0 else "")


def finding_text(finding: Finding, total: int) -> str:
    """One line per rule: the deployment and its reason when one is denied; else how many,
    with the reason they share, or the most common one and how many differ."""
    targets = [t for t, _ in finding.denied]
    messages = Counter(r.message for _, r in finding.denied)
    message, count = messages.most_common(1)[0]
    if len(targets) == 1:
        who = targets[0]
    elif len(messages) == 1:
        who = f"{len(targets)} of {total} deployments ({_names(targets)})"
    else:
        example = next(t for t, r in finding.denied if r.message == message)
        who = f"{len(targets)} of {total} deployments"
        others = len(targets) - count
        message = f"{message} for {count} (e.g. {example}), other values for {others}"
    return f"{who}: {finding.rule}: {message} ({finding.source})"


def _denied_lines(result: Result, verbose: bool) -> list[str]:
    if verbose:
        return [
            f"{target}: {r.rule}: {r.message} ({where(r.source.file, r.source.line)})"
            for target, reasons in sorted(result.denied.items())
            for r in reasons
        ]
    return [finding_text(f, len(result.entry.targets)) for f in findings(result)]


def condensed(result: Result) -> bool:
    """Whether the default text leaves out deployments that --verbose lists."""
    return any(len(f.denied) > 1 for f in findings(result))


def to_text(report: GateReport, *, verbose: bool = False) -> str:
    """One line per entry; under a violation one line per failed rule (every deployment and
    reason with `verbose`), then the compliant alternative when there is one."""
    lines = [f"clearance gate: policy {report.policy} (org {report.org}), as of {report.as_of}"]
    for result in report.results:
        lines.append(
            f"{where(result.entry.file, result.entry.line)}: {_status(result)} "
            f"{result.entry.label} [{result.data_class}] {result.message}"
        )
        lines.extend(f"    {line}" for line in _denied_lines(result, verbose))
        lines.extend(f"    {waiver_text(t, w)}" for t, w in result.waivers)
        if result.alternative is not None:
            lines.append(f"    alternative: {result.alternative.text}")
    lines.extend(f"warning: {w.message}" for w in report.warnings)
    count = len(report.violations)
    waived = sum(1 for r in report.results if r.compliant and r.waived)
    summary = f"{len(report.results)} entries checked, {count} violation(s)"
    lines.append(summary + (f", {waived} permitted only by exceptions" if waived else ""))
    if not verbose and any(condensed(r) for r in report.results):
        lines.append("(--verbose lists every denied deployment with its reasons)")
    return "\n".join(lines) + "\n"


def colour_text(text: str, out: Console) -> None:
    """The text report on a terminal: violations red, waivers and warnings yellow, passes
    green."""
    for line in text.splitlines():
        style = None
        if ": VIOLATION " in line:
            style = "red"
        elif ": ok (waived) " in line or line.startswith("warning: "):
            style = "yellow"
        elif ": ok " in line or line.startswith("    alternative: "):
            style = "green"
        out.print(line, style=style, markup=False, highlight=False, soft_wrap=True)


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "message": problem.message,
        "remedy": problem.remedy,
        "file": problem.file,
        "line": problem.line,
        "key": problem.key,
    }


def error_json(problems: tuple[Problem, ...]) -> str:
    """The JSON report of a gate that could not run: not compliant, with every problem."""
    doc = {
        "compliant": False,
        "error": "invalid input: the manifests were not checked",
        "problems": [problem_json(p) for p in problems],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def error_text(problems: tuple[Problem, ...]) -> str:
    return "".join(p.render() + "\n" for p in problems)
