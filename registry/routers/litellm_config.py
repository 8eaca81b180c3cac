"""LiteLLM proxy configs: their `model_list` entries, checked, and filtered by a view.

`config_entries` is the one reading of a config's `model_list` (the gate uses it too);
`filter_config` keeps the entries `litellm_match.decide` permits, tags each kept entry
`clearance:<data_class>` in `litellm_params.tags` (LiteLLM's tag-based routing field) and
says why every other entry was removed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from registry.errors import InputError, Problem
from registry.routers.litellm_match import Verdict, decide
from registry.yamlload import Document, KeyPath, render_path


@dataclass(frozen=True)
class ConfigEntry:
    """One `model_list` entry: where it is and what it asks LiteLLM to call."""

    index: int
    line: int | None  # the line of its litellm_params.model
    name: str  # model_name (the group routers fail over within), else the model
    params: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    entry: ConfigEntry
    verdict: Verdict


@dataclass(frozen=True)
class Filtered:
    """The config with only permitted entries, and the outcome of every entry."""

    config: dict[str, Any]
    kept: tuple[Outcome, ...]
    removed: tuple[Outcome, ...]


def _invalid(doc: Document, path: KeyPath, code: str, message: str, remedy: str) -> InputError:
    line = doc.line_of(path)
    return InputError([Problem(code, message, remedy, doc.file, line, render_path(path))])


def config_entries(doc: Document, code: str) -> list[ConfigEntry]:
    """Every `model_list` entry; InputError (with `code`, file, line, key) when the list is
    empty or an entry has no string `litellm_params.model`."""
    items = doc.data.get("model_list") if isinstance(doc.data, dict) else None
    if not isinstance(items, list) or not items:
        raise _invalid(
            doc,
            ("model_list",),
            code,
            "model_list must be a non-empty list",
            "list the proxy's deployments under model_list:",
        )
    return [_entry(doc, i, item, code) for i, item in enumerate(items)]


def _entry(doc: Document, i: int, item: Any, code: str) -> ConfigEntry:
    params = item.get("litellm_params") if isinstance(item, dict) else None
    if not isinstance(params, dict) or not isinstance(params.get("model"), str):
        raise _invalid(
            doc,
            ("model_list", i),
            code,
            "a model_list entry needs litellm_params.model (a string)",
            "write litellm_params: {model: provider/model-name}",
        )
    name = str(item.get("model_name") or params["model"])
    return ConfigEntry(i, doc.line_of(("model_list", i, "litellm_params", "model")), name, params)


def _check_tags(doc: Document, entry: ConfigEntry, code: str) -> None:
    tags = entry.params.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise _invalid(
            doc,
            ("model_list", entry.index, "litellm_params", "tags"),
            code,
            "litellm_params.tags must be a list of strings",
            "write tags: [tag-a, tag-b] or remove the key",
        )


def _tagged(item: dict[str, Any], tag: str) -> dict[str, Any]:
    kept = copy.deepcopy(item)
    params = kept["litellm_params"]
    tags = list(params.get("tags") or [])
    params["tags"] = tags if tag in tags else [*tags, tag]
    return kept


def filter_config(doc: Document, view: dict[str, Any], code: str = "CLR-R001") -> Filtered:
    """The config with denied or unresolvable entries removed and kept entries tagged with
    the view's tag; every other key of the config is kept as it is."""
    entries = config_entries(doc, code)
    for entry in entries:
        _check_tags(doc, entry, code)
    outcomes = [Outcome(e, decide(view, e.params)) for e in entries]
    items = doc.data["model_list"]
    config = copy.deepcopy(doc.data)
    config["model_list"] = [
        _tagged(items[o.entry.index], str(view["tag"])) for o in outcomes if o.verdict.permitted
    ]
    return Filtered(
        config,
        tuple(o for o in outcomes if o.verdict.permitted),
        tuple(o for o in outcomes if not o.verdict.permitted),
    )
