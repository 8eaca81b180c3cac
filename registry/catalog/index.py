"""What is derived from one catalog and kept with it: built once, typed, owned by the catalog.

A catalog revision never changes, so targets, fact columns, slug tables and org views
computed from it stay valid as long as it lives. Each kind of derived value is declared
once, as a typed `Kind`, by the module that computes it (`TARGETS` in catalog/facts.py,
`COLUMNS` in engine/compiled.py, …); `CatalogIndex.get` builds a value on first use. Two
threads may both build the same value; each result is the same, the last one stays.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Kind(Generic[T]):
    """One kind of value derived from a catalog. Kinds are told apart by identity (two
    declarations never share values, whatever their names); `name` is for people."""

    name: str


_MISSING = object()


class CatalogIndex:
    """The derived values of one catalog (or of one org's view of it), by kind and key."""

    def __init__(self) -> None:
        self._values: dict[tuple[Kind[object], Hashable], object] = {}

    def get(self, kind: Kind[T], key: Hashable, build: Callable[[], T]) -> T:
        """The value of `kind` for `key` (a model, a fact, …), built on first use."""
        slot = (cast(Kind[object], kind), key)
        found = self._values.get(slot, _MISSING)
        if found is _MISSING:
            found = build()
            self._values[slot] = found
        return cast(T, found)

    def forget(self, kind: Kind[T], where: Callable[[Hashable], bool]) -> int:
        """Drop the values of `kind` whose key matches (benchmarks time a rebuild)."""
        gone = [slot for slot in list(self._values) if slot[0] is kind and where(slot[1])]
        for slot in gone:
            del self._values[slot]
        return len(gone)
