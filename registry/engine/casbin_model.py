"""The only module that imports casbin: a model fixed in code, policy rows as data.

Each row is one requirement of one data class: `p = rule, op, param, on_unknown`, where
`param` is canonical JSON. A request asks whether one rule holds for one fact value
(canonical JSON, `null` when unknown). Each rule gets its own enforcer whose matcher calls the
row's operator, a named custom function registered with `add_function`; policy text is data
and is never evaluated as code.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import casbin

from registry.codes import Code
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


def model_text(operator: str) -> str:
    """The Casbin model for rows of one operator: unknown facts follow `on_unknown`, known
    facts are decided by the operator's custom function."""
    matcher = (
        'm = r.rule == p.rule && ((r.value == "null" && p.on_unknown == "allow") || '
        f'(r.value != "null" && p.op == "{operator}" && {operator}(r.value, p.param)))'
    )
    return _HEAD + matcher + "\n"


def _json_function(op: Operator) -> Callable[[str, str], bool]:
    def call(value: str, param: str) -> bool:
        decoded: Any = json.loads(value)
        return bool(op(decoded, json.loads(param)))

    return call


class _Enforcer(casbin.Enforcer):  # type: ignore[misc]
    """pycasbin re-parses the matcher on every enforce; ours is fixed, so parse it once."""

    def _get_expression(self, expr: str, functions: Any = None) -> Any:
        cache: dict[str, Any] = self.__dict__.setdefault("_parsed_matchers", {})
        parsed = cache.get(expr)
        if parsed is None:
            parsed = cache[expr] = casbin.Enforcer._get_expression(expr, functions)
        return parsed


def _enforcer(operators: dict[str, Operator], row: Row) -> _Enforcer:
    enforcer = _Enforcer(casbin.Enforcer.new_model(text=model_text(row.op)))
    enforcer.add_function(row.op, _json_function(operators[row.op]))
    enforcer.add_policy(row.rule, row.op, row.param, row.on_unknown)
    return enforcer


class CasbinDecider:
    """Decides (rule, fact value) pairs: one enforcer per rule, each holding its one row.

    The parsed matcher keeps per-call state, so decisions are serialized with a lock.
    """

    def __init__(self, rows: Iterable[Row]) -> None:
        operators = operator_table()
        rows = list(rows)
        unknown_ops = {row.op for row in rows} - set(operators)
        if unknown_ops:
            raise EngineError(
                Code.E001,
                f"no operator named {sorted(unknown_ops)}",
                "upgrade Clearance or fix the requirement table",
            )
        self._enforcers = {row.rule: _enforcer(operators, row) for row in rows}
        self._lock = threading.Lock()

    def decide(self, rule: str, value: str) -> bool:
        """True iff the rule holds for the value; any Casbin failure is an EngineError."""
        try:
            with self._lock:
                return bool(self._enforcers[rule].enforce(rule, value))
        except Exception as err:  # casbin raises bare RuntimeError and anything an op raises
            raise EngineError(
                Code.E002,
                f"{rule} could not be decided: {err}",
                "report this; the target is denied meanwhile",
            ) from err
