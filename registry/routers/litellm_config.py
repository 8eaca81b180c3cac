"""LiteLLM proxy configs: their `model_list` entries, checked, and filtered by a view.

`config_entries` is the one reading of a config's `model_list` (the gate uses it too);
`filter_config` keeps the entries `litellm_match.decide` permits, tags each kept entry
`clearance:<data_class>` in `litellm_params.tags` (LiteLLM's tag-based routing field) and
says why every other entry was removed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.codes import Code
from registry.errors import InputError, Problem
from registry.routers.litellm_match import NO_ENV, Verdict, decide
from registry.routers.litellm_proxy import from_config
from registry.yamlload import Document, KeyPath, render_path


@dataclass(frozen=True)
class ConfigEntry:
    """One `model_list` entry: where it is and what it asks LiteLLM to call."""

    index: int
    line: int | None  # the line of its litellm_params.model
    name: str  # model_name (the group routers fail over within), else the model
    params: dict[str, Any]
    file: str = ""  # the file that holds it (an included file's name for included entries)


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
    return InputError([_problem(doc, path, code, message, remedy)])


def config_entries(doc: Document, code: str) -> list[ConfigEntry]:
    """Every `model_list` entry; InputError (with `code`, file, line, key) naming every entry
    without a string `litellm_params.model`, or the list when it is missing or empty."""
    entries, problems = model_list_entries(doc, code, required=True)
    if problems:
        raise InputError(problems)
    return entries


def model_list_entries(
    doc: Document, code: str, *, required: bool
) -> tuple[list[ConfigEntry], list[Problem]]:
    """The entries of one file's `model_list` and a problem for each bad one (an included
    file may have no `model_list`: `required=False`)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    items = data.get("model_list")
    if items is None and not required:
        return [], []
    if not isinstance(items, list) or (required and not items):
        return [], [_problem(doc, ("model_list",), code, _LIST, "list the proxy's deployments")]
    entries: list[ConfigEntry] = []
    problems: list[Problem] = []
    for i, item in enumerate(items):
        params = item.get("litellm_params") if isinstance(item, dict) else None
        if not isinstance(params, dict) or not isinstance(params.get("model"), str):
            problems.append(
                _problem(
                    doc,
                    ("model_list", i),
                    code,
                    "a model_list entry needs litellm_params.model (a string)",
                    "write litellm_params: {model: provider/model-name}",
                )
            )
            continue
        name = str(item.get("model_name") or params["model"])
        line = doc.line_of(("model_list", i, "litellm_params", "model"))
        entries.append(ConfigEntry(i, line, name, params, doc.file))
    return entries, problems


_LIST = "model_list must be a non-empty list"


def _problem(doc: Document, path: KeyPath, code: str, message: str, remedy: str) -> Problem:
    return Problem(code, message, remedy, doc.file, doc.line_of(path), render_path(path))


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


def filter_config(
    doc: Document,
    view: dict[str, Any],
    code: str = Code.R001,
    env: Mapping[str, str] = NO_ENV,
) -> Filtered:
    """The config with denied or unresolvable entries removed and kept entries tagged with
    the view's tag; every other key of the config is kept as it is."""
    if isinstance(doc.data, dict) and "include" in doc.data:
        raise _invalid(
            doc,
            ("include",),
            code,
            "the config includes other files, whose entries this filter would pass unchecked",
            "merge the included files' model_list into this config, or filter each file",
        )
    entries = config_entries(doc, code)
    for entry in entries:
        _check_tags(doc, entry, code)
    settings, full_env = from_config(doc.data, env)
    outcomes = [Outcome(e, decide(view, e.params, full_env, settings)) for e in entries]
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
