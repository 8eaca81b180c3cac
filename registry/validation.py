"""Turn schema validation failures into Problems that name file, line, key path and a fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from registry.errors import Problem
from registry.yamlload import Document, KeyPath, render_path

_REMEDIES: dict[str, str] = {
    "missing": "add the key",
    "string_type": "quote the value so it is read as text",
    "int_type": "write a whole number without quotes",
    "int_parsing": "write a whole number without quotes",
    "float_type": "write a number without quotes",
    "bool_type": "write true or false (yes/no/on/off are plain strings here)",
    "list_type": "write a list, e.g. [a, b] or one '- item' per line",
    "dict_type": "write a mapping of key: value lines",
    "model_type": "write a mapping of key: value lines",
    "too_short": "give at least one item, or write null when the fact is unknown",
    "greater_than_equal": "use a larger number",
    "less_than_equal": "use a smaller number",
    "date_type": "write a date as YYYY-MM-DD",
    "frozen_instance": "do not set this key",
}


@cache
def model_keys(model: type[BaseModel]) -> frozenset[str]:
    """Every key any (nested) model of this schema accepts, for did-you-mean hints."""
    keys: set[str] = set()
    pending: list[Any] = [model]
    seen: set[Any] = set()
    while pending:
        item = pending.pop()
        if item in seen:
            continue
        seen.add(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            keys.update(item.model_fields)
            pending.extend(f.annotation for f in item.model_fields.values())
        else:
            pending.extend(get_args(item))
    return frozenset(keys)


def _clean_loc(loc: Iterable[int | str]) -> KeyPath:
    """Drop pydantic's schema tags (`function-after[...]`, `list[...]`) from an error location."""
    return tuple(p for p in loc if isinstance(p, int) or "[" not in p)


def _remedy(kind: str, err: dict[str, Any], key: str, vocabulary: frozenset[str]) -> str:
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, sorted(vocabulary), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{hint}remove the key or fix its spelling (see docs/)"
    if kind == "literal_error":
        expected = (err.get("ctx") or {}).get("expected", "")
        return f"use one of {expected}"
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        return f"write a value matching {pattern} (see docs/)"
    if kind == "value_error":
        return "correct the value as the message says"
    return _REMEDIES.get(kind, "correct the value to match the schema (see docs/)")


def problems_from_validation(
    err: ValidationError,
    doc: Document,
    code: str,
    model: type[BaseModel],
    prefix: KeyPath = (),
) -> list[Problem]:
    """One Problem per schema error, located by the document's line map (under `prefix`)."""
    problems: list[Problem] = []
    vocabulary = model_keys(model)
    for item in err.errors(include_url=False):
        path = (*prefix, *_clean_loc(item["loc"]))
        key = str(path[-1]) if path else ""
        kind = item["type"]
        message = str(item["msg"]).removeprefix("Value error, ")
        if kind not in ("missing", "extra_forbidden", "value_error") and "input" in item:
            shown = repr(item["input"])
            message += f" (got {shown[:60]})"
        if kind == "extra_forbidden":
            message = f"unknown key {key!r}"
        elif kind == "missing":
            message = f"required key {key!r} is missing"
        line = doc.line_of(path)
        remedy = _remedy(kind, dict(item), key, vocabulary)
        problems.append(Problem(code, message, remedy, doc.file, line, render_path(path)))
    return sorted(problems, key=lambda p: p.line or 0)
