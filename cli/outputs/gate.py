"""Formats of a GateReport: one small function each (text, json)."""

from __future__ import annotations

import json

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
