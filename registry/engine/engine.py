"""The engine's public face: compile on change, serve decisions from a bounded cache.

Results are cached by (policy revision and source, catalog revision and the org's
attestations in effect, engine version, data class, model, evaluation date): reasons cite
the policy's file and lines, so two texts of one policy that differ in layout, or the same
policy under another file name, never share them. Any failure inside the engine becomes a
denial of every target with the reason, never a permit and never an exception escaping to
the caller.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.engine.compiled import CompiledClass, compile_class
from registry.engine.decisions import Decision, Evaluation, Reason, Source
from registry.engine.evaluate import evaluate_compiled, evaluation_of
from registry.errors import EngineError
from registry.gcpause import gc_paused
from registry.policy.loader import LoadedPolicy

ENGINE_VERSION = "1"


class _Lru(OrderedDict[Any, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Any, value: Any) -> Any:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class Engine:
    """Evaluates policies against catalogs; one instance per process is enough."""

    def __init__(self, cache_size: int = 256) -> None:
        self._compiled = _Lru(cache_size)
        self._results = _Lru(cache_size)

    def compiled(
        self, policy: LoadedPolicy, data_class: str | None, as_of: date, model_query: bool
    ) -> CompiledClass:
        cls = policy.data_class(data_class)
        key = (*policy.cache_key, cls.name, as_of, model_query, ENGINE_VERSION)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled.remember(key, compile_class(policy, cls, as_of, model_query))
        result: CompiledClass = found
        return result

    def evaluate(
        self,
        policy: LoadedPolicy,
        catalog: Catalog,
        data_class: str | None = None,
        model: str | None = None,
        as_of: date | None = None,
    ) -> Evaluation:
        """The permitted set; raises PolicyError only for an unknown data class."""
        day = as_of or date.today()
        cls = policy.data_class(data_class)
        key = (*policy.cache_key, *catalog.cache_key, ENGINE_VERSION, cls.name, model, day)
        cached = self._results.get(key)
        if cached is not None:
            self._results.move_to_end(key)
            hit: Evaluation = cached
            return hit
        try:
            with gc_paused():  # many small objects, no cycles (registry/gcpause.py)
                compiled = self.compiled(policy, cls.name, day, model is not None)
                result = evaluate_compiled(compiled, catalog, model)
        except Exception as err:  # fail closed: deny everything, say why
            result = deny_all(policy, catalog, cls.name, model, day, err)
        self._results.remember(key, result)
        return result


def deny_all(
    policy: LoadedPolicy,
    catalog: Catalog,
    data_class: str,
    model: str | None,
    as_of: date,
    err: Exception,
) -> Evaluation:
    """Every target denied because the engine failed; the reason names the failure."""
    detail = err.message if isinstance(err, EngineError) else f"{type(err).__name__}: {err}"
    reason = Reason(
        rule=f"{data_class}.engine",
        message=f"engine error, denied: {detail}",
        fact=None,
        value=None,
        expected=None,
        source=Source(policy.file, None),
        outcome="error",
    )
    found = targets(catalog, model.lower() if model else None)
    denied = Decision(False, (reason,))
    decisions = {t.id: denied for t in found}
    return evaluation_of(policy, data_class, as_of, catalog, model, decisions)
