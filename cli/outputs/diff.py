"""Formats of a policy or catalog diff (`clearance diff`): text, markdown and json."""

from __future__ import annotations

import json

from registry.diff import ClassDiff, Diff, Gain, Loss


def to_json(result: Diff) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def _gain_why(gain: Gain) -> str:
    return ", ".join(gain.rules) or "(no failed rules recorded)"


def _loss_why(loss: Loss) -> str:
    return "; ".join(f"{rule}: {message}" for rule, message in loss.reasons) or "(no reasons)"


def _header(result: Diff) -> str:
    return f"{result.kind} diff as of {result.as_of.isoformat()}"


def _catalog_lines(result: Diff) -> list[str]:
    lines = [f"target added: {t}" for t in result.targets_added]
    lines += [f"target removed: {t}" for t in result.targets_removed]
    return lines


def to_text(result: Diff) -> str:
    lines = [_header(result), *_catalog_lines(result)]
    for name, cls in result.classes.items():
        if not cls.changed:
            lines.append(f"{name}: no change")
            continue
        lines.append(f"{name}: {len(cls.gained)} gained, {len(cls.lost)} lost")
        lines += [f"  + {g.target}  (was denied by: {_gain_why(g)})" for g in cls.gained]
        lines += [f"  - {loss.target}  ({_loss_why(loss)})" for loss in cls.lost]
    lines.append("changes found" if result.changed else "no change")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_class(name: str, cls: ClassDiff) -> list[str]:
    lines = [f"### {name}", ""]
    if not cls.changed:
        return [*lines, "No change.", ""]
    if cls.gained:
        lines += ["**Gains**", "", "| target | why (failed on the old side) |", "| --- | --- |"]
        lines += [f"| `{g.target}` | {_cell(_gain_why(g))} |" for g in cls.gained]
        lines.append("")
    if cls.lost:
        lines += ["**Losses**", "", "| target | why (fails on the new side) |", "| --- | --- |"]
        lines += [f"| `{loss.target}` | {_cell(_loss_why(loss))} |" for loss in cls.lost]
        lines.append("")
    return lines


def to_markdown(result: Diff) -> str:
    lines = [f"## Clearance {_header(result)}", ""]
    catalog = _catalog_lines(result)
    if catalog:
        lines += [f"- {line}" for line in catalog] + [""]
    for name, cls in result.classes.items():
        lines += _md_class(name, cls)
    lines.append("Changes found." if result.changed else "No change.")
    return "\n".join(lines) + "\n"
