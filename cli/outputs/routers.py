"""Router formats on the command line: the documents come from `registry.routers`; this
module only serialises them and words the report of a filtered LiteLLM config."""

from __future__ import annotations

import json
from typing import Any

import yaml

from registry.routers.litellm_config import Filtered, Outcome


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def render_yaml(document: dict[str, Any]) -> str:
    """YAML LiteLLM reads back as the same data (comments and key order of the input aside:
    keys keep the input's order, strings that look like other types are quoted)."""
    text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return text


def _label(outcome: Outcome) -> str:
    """How the config names the deployment, as the gate prints it."""
    found = outcome.verdict.resolution
    return (
        str(outcome.entry.params["model"])
        + (f" ({found.region})" if found.region else "")
        + (f" @ {found.host}" if found.host else "")
    )


def filter_report(filtered: Filtered, file: str, tag: str) -> list[str]:
    """One line per removed entry (where and why), then a summary."""
    lines = [
        f"removed {file}:{o.entry.line} model_list[{o.entry.index}] {o.entry.name} "
        f"[{_label(o)}]: {'; '.join(o.verdict.reasons)}"
        for o in filtered.removed
    ]
    total = len(filtered.kept) + len(filtered.removed)
    lines.append(
        f"kept {len(filtered.kept)} of {total} model_list entries of {file}, each tagged {tag}; "
        f"removed {len(filtered.removed)}"
    )
    return lines
