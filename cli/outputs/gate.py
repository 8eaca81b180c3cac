"""Formats of a GateReport: one small function each (text, json), and of an input error."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console

from registry.engine.decisions import Waived
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


def to_text(report: GateReport) -> str:
    lines = [f"clearance gate: policy {report.policy} (org {report.org}), as of {report.as_of}"]
    for result in report.results:
        lines.append(
            f"{where(result.entry.file, result.entry.line)}: {_status(result)} "
            f"{result.entry.label} [{result.data_class}] {result.message}"
        )
        for target, reasons in sorted(result.denied.items()):
            for reason in reasons:
                lines.append(
                    f"    {target}: {reason.rule}: {reason.message} "
                    f"({reason.source.file}:{reason.source.line})"
                )
        lines.extend(f"    {waiver_text(t, w)}" for t, w in result.waivers)
    lines.extend(f"warning: {w.message}" for w in report.warnings)
    count = len(report.violations)
    waived = sum(1 for r in report.results if r.compliant and r.waived)
    summary = f"{len(report.results)} entries checked, {count} violation(s)"
    lines.append(summary + (f", {waived} permitted only by exceptions" if waived else ""))
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
        elif ": ok " in line:
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
