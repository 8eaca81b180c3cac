"""Formats of a GateReport: one small function each (text, json)."""

from __future__ import annotations

import json

from rich.console import Console

from registry.gate.report import GateReport, Result


def to_json(report: GateReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def _where(result: Result) -> str:
    line = f":{result.entry.line}" if result.entry.line is not None else ""
    return f"{result.entry.file}{line}"


def to_text(report: GateReport) -> str:
    lines = [f"clearance gate: policy {report.policy} (org {report.org}), as of {report.as_of}"]
    for result in report.results:
        status = "ok       " if result.compliant else "VIOLATION"
        lines.append(
            f"{_where(result)}: {status} {result.entry.label} "
            f"[{result.data_class}] {result.message}"
        )
        for target, reasons in sorted(result.denied.items()):
            for reason in reasons:
                lines.append(
                    f"    {target}: {reason.rule}: {reason.message} "
                    f"({reason.source.file}:{reason.source.line})"
                )
    count = len(report.violations)
    lines.append(f"{len(report.results)} entries checked, {count} violation(s)")
    return "\n".join(lines) + "\n"


def colour_text(text: str, out: Console) -> None:
    """The text report on a terminal: violations red, passes green."""
    for line in text.splitlines():
        style = "red" if ": VIOLATION " in line else "green" if ": ok " in line else None
        out.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
