"""The only module that imports casbin: a model fixed in code, policy rows as data.

Each row is one requirement of one data class: `p = rule, op, param, on_unknown`, where
`param` is canonical JSON. A request asks whether one rule holds for one fact value
(canonical JSON, `null` when unknown). The matcher dispatches on the row's operator name to a
custom function registered with `add_function`; policy text is never evaluated as code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import casbin

from registry.engine.operators import Operator, operator_table
from registry.errors import EngineError

_HEAD = """
[request_definition]
r = rule, value

[policy_definition]
p = rule, op, param, on_unknown

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
"""


@dataclass(frozen=True)
class Row:
    rule: str
    op: str
    param: str
    on_unknown: str


def model_text(operators: Iterable[str]) -> str:
    """The Casbin model: unknown facts follow on_unknown; known ones the row's operator."""
    dispatch = " || ".join(f'(p.op == "{name}" && {name}(r.value, p.param))' for name in operators)
    matcher = (
        'm = r.rule == p.rule && ((r.value == "null" && p.on_unknown == "allow") || '
        f'(r.value != "null" && ({dispatch})))'
    )
    return _HEAD + matcher + "\n"


def _json_function(op: Operator) -> Callable[[str, str], bool]:
    def call(value: str, param: str) -> bool:
        decoded: Any = json.loads(value)
        return bool(op(decoded, json.loads(param)))

    return call


class CasbinDecider:
    """Decides (rule, fact value) pairs with one enforcer holding one data class's rows."""

    def __init__(self, rows: Iterable[Row]) -> None:
        operators = operator_table()
        model = casbin.Enforcer.new_model(text=model_text(operators))
        self._enforcer = casbin.Enforcer(model)
        for name, op in operators.items():
            self._enforcer.add_function(name, _json_function(op))
        unknown_ops = {row.op for row in rows} - set(operators)
        if unknown_ops:
            raise EngineError(
                "CLR-E001",
                f"no operator named {sorted(unknown_ops)}",
                "upgrade Clearance or fix the requirement table",
            )
        self._enforcer.add_policies([[r.rule, r.op, r.param, r.on_unknown] for r in rows])

    def decide(self, rule: str, value: str) -> bool:
        """True iff the rule holds for the value; any Casbin failure is an EngineError."""
        try:
            return bool(self._enforcer.enforce(rule, value))
        except Exception as err:  # casbin raises bare RuntimeError and anything an op raises
            raise EngineError(
                "CLR-E002",
                f"{rule} could not be decided: {err}",
                "report this; the target is denied meanwhile",
            ) from err
