"""Values of LiteLLM configs read from the environment: `os.environ/NAME` (LiteLLM's syntax),
`${NAME}` and `$NAME`. Standard library only.

A variable without a value in the environment given is *unresolved* (UnresolvedError): the
field is not known, and what depends on it resolves to nothing — never to the default the
field would have without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ENV_PREFIX = "os.environ/"
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=?+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
REMEDY = "give the value the proxy runs with (clearance gate --env {name}=VALUE or --env-file FILE)"
_TRUE = frozenset({"true", "1", "yes", "on"})


class UnresolvedError(ValueError):
    """A field whose value cannot be known here; the message says which and how to fix it."""


def _substitute(key: str, text: str, env: Mapping[str, str]) -> str:
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        found = env.get(name)
        if found is None:
            missing.append(name)
            return ""
        return found

    out = _VARIABLE.sub(value, text)
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        raise UnresolvedError(
            f"{key} {text!r} uses environment variable {names}, which has no value here: "
            + REMEDY.format(name=missing[0])
        )
    return out


def env_value(key: str, value: Any, env: Mapping[str, str]) -> str | None:
    """The string a field means with this environment; None when it is not set (or empty).
    Raises UnresolvedError when it cannot be known (module doc)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise UnresolvedError(f"{key} is {type(value).__name__} {value!r}, not a string")
    if value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX) :]
        found = env.get(name)
        if found is None:
            raise UnresolvedError(
                f"{key} is read from environment variable {name} ({value}), which has no "
                f"value here: {REMEDY.format(name=name)}"
            )
        value = found
    elif "$" in value:
        value = _substitute(key, value, env)
    return value.strip() or None


def implicit(name: str, env: Mapping[str, str], unknown: frozenset[str]) -> str | None:
    """A variable LiteLLM reads by itself (no `os.environ/` in the config): its value, None
    when not set, UnresolvedError when the config sets it from a value not known here."""
    if name in unknown:
        raise UnresolvedError(
            f"environment variable {name} is set by the config's environment_variables from "
            f"a value that has no value here: {REMEDY.format(name=name)}"
        )
    return (env.get(name) or "").strip() or None


def truthy(value: Any) -> bool:
    """LiteLLM's reading of a boolean switch (`true`, `1`, `yes`, `on`; a YAML true)."""
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)
