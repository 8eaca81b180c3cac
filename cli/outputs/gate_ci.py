"""CI formats of a GateReport: SARIF 2.1.0, JUnit XML, GitHub workflow annotations.

Every format shows three kinds of finding: violations (errors), entries permitted only
through a policy exception (SARIF `note` results pointing at the exception, a JUnit
property, a GitHub notice: approver and expiry in each), and warnings (an exception that
expired or expires soon: SARIF `warning` results on the policy line, GitHub warnings). A gate
that could not run still writes a report in the format asked for, carrying the input error.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from cli.outputs.gate import finding_text, findings, waiver_text, where
from cli.outputs.rules import rule_help, rule_title
from registry import __version__
from registry.errors import Problem
from registry.gate.report import GateReport, Result

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _entry_name(result: Result) -> str:
    return f"{result.entry.label} [{result.data_class}]"


def _alternative(result: Result) -> list[str]:
    alt = result.alternative
    return [] if alt is None else [f"Compliant alternative: {alt.text}."]


def rule_messages(result: Result) -> dict[str, str]:
    """One message per rule the entry fails: its own finding (not the entry's others), so
    no two results of one entry read alike; then the compliant alternative if any."""
    messages = {f.rule: finding_text(f, len(result.entry.targets)) for f in findings(result)}
    if result.entry.problem is not None or not result.entry.targets:
        # the entry's own message: an OpenRouter request's carries the fix to send
        messages[result.entry.problem_rule] = result.message
    return {
        rule: "\n".join([f"{_entry_name(result)}: {text}", *_alternative(result)])
        for rule, text in messages.items()
    }


def _details(result: Result) -> str:
    """Every finding of an entry, one line per rule, then the alternative."""
    lines = [f"{_entry_name(result)}: {result.message}"]
    lines.extend(finding_text(f, len(result.entry.targets)) for f in findings(result))
    return "\n".join(lines + _alternative(result))


def _location(file: str, line: int | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": file}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _findings(report: GateReport) -> list[dict[str, Any]]:
    """(ruleId, level, message, locations, related) of every finding, before indexing."""
    found: list[dict[str, Any]] = []
    for result in report.violations:
        location = _location(result.entry.file, result.entry.line)
        for rule, text in rule_messages(result).items():
            found.append(
                {
                    "ruleId": rule,
                    "level": "error",
                    "message": {"text": text},
                    "locations": [location],
                }
            )
    for result in report.results:
        if not result.compliant:
            continue
        for target, waived in result.waivers:
            found.append(
                {
                    "ruleId": waived.reason.rule,
                    "level": "note",
                    "kind": "review",
                    "message": {
                        "text": f"permitted only by an exception: {waiver_text(target, waived)}"
                    },
                    "locations": [_location(result.entry.file, result.entry.line)],
                    "relatedLocations": [
                        {**_location(waived.source.file, waived.source.line), "id": 0}
                    ],
                }
            )
    for warning in report.warnings:
        found.append(
            {
                "ruleId": warning.code,
                "level": "warning",
                "message": {"text": warning.message},
                "locations": [_location(warning.source.file, warning.source.line)],
            }
        )
    return found


def _sarif(results: list[dict[str, Any]], invocation: dict[str, Any]) -> str:
    rules = sorted({r["ruleId"] for r in results})
    for result in results:
        result["ruleIndex"] = rules.index(result["ruleId"])
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
                                "shortDescription": {"text": rule_title(rule)},
                                "fullDescription": {"text": f"{rule}: {rule_title(rule)}"},
                                "help": {"text": rule_help(rule)},
                                "defaultConfiguration": {"level": "error"},
                            }
                            for rule in rules
                        ],
                    }
                },
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def to_sarif(report: GateReport) -> str:
    return _sarif(_findings(report), {"executionSuccessful": True})


def error_sarif(problems: tuple[Problem, ...]) -> str:
    """A SARIF log of a gate that could not run: no results, the input errors as tool
    execution notifications (GitHub's upload-sarif then shows the failure, not a gap)."""
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{p.code} {p.message}. Fix: {p.remedy}"},
            "descriptor": {"id": p.code},
            "locations": [_location(p.file, p.line)],
        }
        for p in problems
    ]
    invocation = {"executionSuccessful": False, "toolExecutionNotifications": notifications}
    return _sarif([], invocation)


def _xml(suite: ET.Element) -> str:
    suites = ET.Element("testsuites")
    suites.append(suite)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _properties(parent: ET.Element, items: list[tuple[str, str]]) -> None:
    if items:
        props = ET.SubElement(parent, "properties")
        for name, value in items:
            ET.SubElement(props, "property", name=name, value=value)


def to_junit(report: GateReport) -> str:
    suite = ET.Element(
        "testsuite",
        name=f"clearance gate ({report.policy})",
        tests=str(len(report.results)),
        failures=str(len(report.violations)),
        errors="0",
    )
    _properties(suite, [("clearance.warning", w.message) for w in report.warnings])
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=result.entry.file,
            name=f"line {result.entry.line}: {result.entry.label} [{result.data_class}]",
        )
        _properties(case, [("clearance.waived", waiver_text(t, w)) for t, w in result.waivers])
        if not result.compliant:
            failure = ET.SubElement(
                case, "failure", message=result.message, type=",".join(result.rules)
            )
            failure.text = _details(result)
    return _xml(suite)


def error_junit(problems: tuple[Problem, ...]) -> str:
    """A JUnit report of a gate that could not run: one errored case per input problem."""
    suite = ET.Element("testsuite", name="clearance gate", tests=str(len(problems)), failures="0")
    suite.set("errors", str(len(problems)))
    for problem in problems:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=problem.file,
            name=f"input {where(problem.file, problem.line)}",
        )
        error = ET.SubElement(case, "error", message=problem.message, type=problem.code)
        error.text = problem.render()
    return _xml(suite)


def _escape(text: str) -> str:
    """GitHub workflow-command escaping for messages (data) and properties."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _annotation(kind: str, file: str, line: int | None, title: str, message: str) -> str:
    props = f"file={_escape(file).replace(',', '%2C').replace(':', '%3A')}"
    if line:
        props += f",line={line}"
    title = _escape(title).replace(",", "%2C").replace(":", "%3A")
    return f"::{kind} {props},title={title}::{_escape(message)}"


def github_title(result: Result) -> str:
    """A title a person reads first: the entry and what is wrong, not a list of rule ids."""
    rules = list(rule_messages(result))
    if len(rules) == 1:
        return f"{_entry_name(result)}: {rule_title(rules[0])}"
    keys = ", ".join(r.partition(".")[2] for r in rules)
    return f"{_entry_name(result)}: not permitted ({keys})"


def to_github(report: GateReport) -> str:
    lines = [
        _annotation("error", r.entry.file, r.entry.line, github_title(r), _details(r))
        for r in report.violations
    ]
    for result in report.results:
        if result.compliant:
            lines.extend(
                _annotation(
                    "notice",
                    result.entry.file,
                    result.entry.line,
                    f"{_entry_name(result)}: permitted only by an exception ({w.reason.rule})",
                    f"permitted only by an exception: {waiver_text(t, w)}",
                )
                for t, w in result.waivers
            )
    lines.extend(
        _annotation("warning", w.source.file, w.source.line, rule_title(w.code), w.message)
        for w in report.warnings
    )
    return "\n".join(lines) + ("\n" if lines else "")


def error_github(problems: tuple[Problem, ...]) -> str:
    lines = [
        _annotation("error", p.file, p.line, p.code, f"{p.message}. Fix: {p.remedy}")
        for p in problems
    ]
    return "\n".join(lines) + "\n"
