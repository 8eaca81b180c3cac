"""Formats of an explanation (`clearance explain`): json and table."""

from __future__ import annotations

import json

from rich import box
from rich.console import Console
from rich.table import Table

from cli.outputs.console import print_trimmed
from registry.engine.explain import Explanation

_MARK = {
    "pass": "pass",
    "failed": "FAIL",
    "unknown": "UNKNOWN",
    "unknown-allowed": "pass?",
    "waived": "waived",
    "error": "ERROR",
}


def to_json(items: list[Explanation]) -> str:
    return json.dumps([e.to_json() for e in items], indent=2, ensure_ascii=False) + "\n"


def _value(value: object) -> str:
    if value is None:
        return "unknown"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def render_table(items: list[Explanation], out: Console) -> None:
    for item in items:
        verdict = "PERMITTED" if item.decision.permitted else "DENIED"
        model = f", model {item.model}" if item.model else ""
        policy_file = item.checks[0].source.file if item.checks else ""
        out.print(
            f"{item.target}: {verdict} for data class {item.data_class}{model} "
            f"(as of {item.as_of.isoformat()}, lines of {policy_file})"
        )
        table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False)
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("fact value", overflow="fold", max_width=28)
        table.add_column("trust", no_wrap=True)
        table.add_column("detail", overflow="fold")
        for check in item.checks:
            table.add_row(
                str(check.source.line or ""),
                check.rule,
                _MARK[check.status],
                _value(check.value),
                check.trust or ("unverified" if check.fact else ""),
                check.message,
            )
        print_trimmed(out, table)
        urls = sorted({e["url"] for c in item.checks for e in c.evidence if e.get("url")})
        if urls:
            out.print("evidence:")
            for url in urls:
                out.print(f"  {url}", soft_wrap=True)
        notes = sorted({c.attested.note() for c in item.checks if c.attested is not None})
        if notes:
            out.print("the org's attestations:")
            for note in notes:
                out.print(f"  {note}", soft_wrap=True, markup=False)
        out.print("")
