"""`clearance diff`: what gains or loses permission between two policies or two catalogs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.engine.decisions import Decision
from registry.engine.engine import Engine
from registry.policy.loader import LoadedPolicy

Kind = Literal["policy", "catalog", "attestations"]

TARGET_ADDED = "catalog.added"
TARGET_REMOVED = "catalog.removed"


@dataclass(frozen=True)
class Gain:
    """A target permitted on the new side only; `rules` are what failed on the old side."""

    target: str
    rules: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "rules": list(self.rules)}


@dataclass(frozen=True)
class Loss:
    """A target permitted on the old side only; `reasons` are (rule, message) on the new side."""

    target: str
    reasons: tuple[tuple[str, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "reasons": [{"rule": rule, "message": message} for rule, message in self.reasons],
        }


@dataclass(frozen=True)
class ClassDiff:
    gained: tuple[Gain, ...]
    lost: tuple[Loss, ...]

    @property
    def changed(self) -> bool:
        return bool(self.gained or self.lost)


@dataclass(frozen=True)
class Diff:
    kind: Kind
    as_of: date
    classes: dict[str, ClassDiff]
    targets_added: tuple[str, ...]
    targets_removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.classes.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "as_of": self.as_of.isoformat(),
            "classes": {
                name: {
                    "gained": [g.to_json() for g in c.gained],
                    "lost": [loss.to_json() for loss in c.lost],
                }
                for name, c in self.classes.items()
            },
            "targets_added": list(self.targets_added),
            "targets_removed": list(self.targets_removed),
            "changed": self.changed,
        }


def _decisions(
    engine: Engine, policy: LoadedPolicy, catalog: Catalog, name: str, as_of: date
) -> dict[str, Decision] | None:
    """Decisions of one class, or None when the policy has no such class."""
    if name not in policy.classes:
        return None
    return dict(engine.evaluate(policy, catalog, name, None, as_of).decisions)


def _class_diff(
    name: str,
    old: dict[str, Decision] | None,
    new: dict[str, Decision] | None,
    old_targets: set[str],
    new_targets: set[str],
) -> ClassDiff:
    gained: list[Gain] = []
    lost: list[Loss] = []
    for target in sorted(old_targets | new_targets):
        before = old.get(target) if old is not None else None
        after = new.get(target) if new is not None else None
        was = before is not None and before.permitted
        now = after is not None and after.permitted
        if now and not was:
            if target not in old_targets:
                rules: tuple[str, ...] = (TARGET_ADDED,)
            elif old is None:
                rules = (f"{name}.absent",)
            else:
                rules = tuple(r.rule for r in before.reasons) if before else ()
            gained.append(Gain(target, rules))
        elif was and not now:
            if target not in new_targets:
                reasons: tuple[tuple[str, str], ...] = (
                    (TARGET_REMOVED, "target is no longer in the catalog"),
                )
            elif new is None:
                reasons = ((f"{name}.absent", f"data class {name} is not in the new policy"),)
            else:
                reasons = tuple((r.rule, r.message) for r in after.reasons) if after else ()
            lost.append(Loss(target, reasons))
    return ClassDiff(tuple(gained), tuple(lost))


def diff(
    kind: Kind,
    old_policy: LoadedPolicy,
    new_policy: LoadedPolicy,
    old_catalog: Catalog,
    new_catalog: Catalog,
    as_of: date,
    data_class: str | None = None,
) -> Diff:
    """Compare every data class of either policy (or just `data_class`) on both sides."""
    engine = Engine()
    names = [data_class] if data_class else sorted({*old_policy.classes, *new_policy.classes})
    old_targets = {t.id for t in targets(old_catalog)}
    new_targets = {t.id for t in targets(new_catalog)}
    classes = {
        name: _class_diff(
            name,
            _decisions(engine, old_policy, old_catalog, name, as_of),
            _decisions(engine, new_policy, new_catalog, name, as_of),
            old_targets,
            new_targets,
        )
        for name in names
    }
    return Diff(
        kind,
        as_of,
        classes,
        tuple(sorted(new_targets - old_targets)),
        tuple(sorted(old_targets - new_targets)),
    )
