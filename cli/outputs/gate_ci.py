"""CI formats of a GateReport: SARIF 2.1.0, JUnit XML, GitHub workflow annotations."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from registry import __version__
from registry.gate.report import GateReport, Result

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
UNRESOLVED_HELP = (
    "The manifest entry maps to no provider, deployment or region of the "
    "catalog, so nothing can vouch for it. Name a catalog provider or "
    "deployment (see `clearance allowed`) or add the provider to the catalog."
)


def _details(result: Result) -> str:
    lines = [f"{result.entry.label} [{result.data_class}]: {result.message}"]
    for target, reasons in sorted(result.denied.items()):
        lines.extend(f"{target}: {r.rule}: {r.message}" for r in reasons)
    return "\n".join(lines)


def _rule_help(rule: str) -> str:
    if rule == "gate.unresolved":
        return UNRESOLVED_HELP
    data_class, _, key = rule.partition(".")
    return (
        f"Requirement `{key}` of data class `{data_class}` in the policy failed (or its "
        f"fact is unknown) for a deployment this manifest may use. Run `clearance explain "
        f"TARGET --policy FILE --data-class {data_class}` for the facts and evidence."
    )


def to_sarif(report: GateReport) -> str:
    rules = sorted({rule for r in report.violations for rule in r.rules})
    results: list[dict[str, Any]] = []
    for result in report.violations:
        region = {"startLine": result.entry.line} if result.entry.line else {}
        location = {
            "physicalLocation": {
                "artifactLocation": {"uri": result.entry.file},
                **({"region": region} if region else {}),
            }
        }
        for rule in result.rules:
            results.append(
                {
                    "ruleId": rule,
                    "ruleIndex": rules.index(rule),
                    "level": "error",
                    "message": {"text": _details(result)},
                    "locations": [location],
                }
            )
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "clearance",
                        "version": __version__,
                        "informationUri": "https://github.com/clearance-dev/clearance",
                        "rules": [
                            {
                                "id": rule,
                                "name": rule.replace(".", "_"),
                                "shortDescription": {"text": f"policy requirement {rule}"},
                                "help": {"text": _rule_help(rule)},
                                "defaultConfiguration": {"level": "error"},
                            }
                            for rule in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def to_junit(report: GateReport) -> str:
    suite = ET.Element(
        "testsuite",
        name=f"clearance gate ({report.policy})",
        tests=str(len(report.results)),
        failures=str(len(report.violations)),
        errors="0",
    )
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=result.entry.file,
            name=f"line {result.entry.line}: {result.entry.label} [{result.data_class}]",
        )
        if not result.compliant:
            failure = ET.SubElement(
                case, "failure", message=result.message, type=",".join(result.rules)
            )
            failure.text = _details(result)
    suites = ET.Element("testsuites")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _escape(text: str) -> str:
    """GitHub workflow-command escaping for messages (data) and properties."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def to_github(report: GateReport) -> str:
    lines = []
    for result in report.violations:
        props = f"file={_escape(result.entry.file).replace(',', '%2C').replace(':', '%3A')}"
        if result.entry.line:
            props += f",line={result.entry.line}"
        title = _escape(", ".join(result.rules)).replace(",", "%2C").replace(":", "%3A")
        lines.append(f"::error {props},title={title}::{_escape(_details(result))}")
    return "\n".join(lines) + ("\n" if lines else "")
