"""Load a policy file strictly, check its references, resolve inheritance and region groups."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from registry.codes import Code
from registry.countries import BUILTIN_GROUPS, ISO_3166_1_ALPHA2, expand
from registry.errors import PolicyError, Problem
from registry.policy.models import (
    COUNTRY_KEYS,
    REQUIREMENT_KEYS,
    DataClass,
    Policy,
    PolicyException,
)
from registry.validation import problems_from_validation
from registry.yamlload import Document, KeyPath, load_file, load_text, render_path


@dataclass(frozen=True)
class Requirement:
    """One requirement of a resolved data class, with where it was written."""

    key: str
    rule: str
    value: Any
    labels: tuple[str, ...] | None
    line: int | None


@dataclass(frozen=True)
class ResolvedClass:
    name: str
    requirements: tuple[Requirement, ...]
    on_unknown: Literal["deny", "allow"]


@dataclass(frozen=True)
class ListEntry:
    target: str
    line: int | None


@dataclass(frozen=True)
class Waiver:
    exception: PolicyException
    line: int | None

    def applies(self, target: str, data_class: str, as_of: date) -> bool:
        ex = self.exception
        matches = ex.target == target or ex.target == target.split("/", 1)[0]
        return matches and ex.data_class == data_class and ex.expires >= as_of


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy with its content hash and everything resolved for the engine.

    `revision` hashes what the policy means; `source` hashes where it says it (the file
    name and the line of every key), which every reason cites: two texts that differ only
    in comments share a revision, and share a source only if no line moved."""

    policy: Policy
    file: str
    revision: str
    groups: Mapping[str, frozenset[str]]
    classes: Mapping[str, ResolvedClass]
    allow: tuple[ListEntry, ...]
    deny: tuple[ListEntry, ...]
    waivers: tuple[Waiver, ...]
    source: str = ""

    @property
    def cache_key(self) -> tuple[str, str]:
        """What decisions about this policy depend on: its meaning and its source lines."""
        return self.revision, self.source

    @property
    def name(self) -> str:
        return self.policy.policy

    def data_class(self, requested: str | None) -> ResolvedClass:
        """The class to evaluate: the one asked for, else the policy's default."""
        name = requested or self.policy.default_data_class
        if name is None:
            raise PolicyError(
                [
                    Problem(
                        Code.P004,
                        "no data class given and no default_data_class",
                        "pass --data-class or set default_data_class",
                        self.file,
                        None,
                        "default_data_class",
                    )
                ]
            )
        if name not in self.classes:
            raise PolicyError(
                [
                    Problem(
                        Code.P004,
                        f"unknown data class {name!r}",
                        f"use one of {sorted(self.classes)}",
                        self.file,
                        None,
                        "data_classes",
                    )
                ]
            )
        return self.classes[name]


def _p(doc: Document, path: KeyPath, message: str, remedy: str) -> Problem:
    return Problem(Code.P002, message, remedy, doc.file, doc.line_of(path), render_path(path))


def _group_problems(policy: Policy, doc: Document) -> Iterator[Problem]:
    for name in policy.region_groups:
        if name in BUILTIN_GROUPS or name in ISO_3166_1_ALPHA2:
            yield _p(
                doc,
                ("region_groups", name),
                f"group {name} shadows a built-in name",
                "choose another group name",
            )


def _country_problems(
    policy: Policy, doc: Document, groups: Mapping[str, Any]
) -> Iterator[Problem]:
    for cname, dclass in policy.data_classes.items():
        for key in COUNTRY_KEYS:
            for i, ref in enumerate(getattr(dclass, key) or ()):
                if ref not in ISO_3166_1_ALPHA2 and ref not in groups:
                    yield _p(
                        doc,
                        ("data_classes", cname, key, i),
                        f"{ref!r} is neither an ISO 3166-1 alpha-2 code nor a region group",
                        "use a code such as DE, a built-in group (EU, EEA, ANY)"
                        " or one of region_groups",
                    )


def _class_problems(policy: Policy, doc: Document) -> Iterator[Problem]:
    classes = policy.data_classes
    for cname, dclass in classes.items():
        seen = [cname]
        parent = dclass.inherits
        while parent is not None:
            if parent not in classes:
                yield _p(
                    doc,
                    ("data_classes", cname, "inherits"),
                    f"unknown class {parent!r}",
                    f"inherit from one of {sorted(classes)}",
                )
                break
            if parent in seen:
                yield _p(
                    doc,
                    ("data_classes", cname, "inherits"),
                    f"inheritance cycle {' -> '.join([*seen, parent])}",
                    "break the cycle",
                )
                break
            seen.append(parent)
            parent = classes[parent].inherits
    default = policy.default_data_class
    if default is not None and default not in classes:
        yield _p(
            doc,
            ("default_data_class",),
            f"unknown class {default!r}",
            f"use one of {sorted(classes)}",
        )


def _list_and_exception_problems(policy: Policy, doc: Document) -> Iterator[Problem]:
    both = set(policy.providers.allow) & set(policy.providers.deny)
    for target in sorted(both):
        yield _p(
            doc,
            ("providers", "deny", policy.providers.deny.index(target)),
            f"{target} is both allowed and denied",
            "keep it in one list",
        )
    for i, ex in enumerate(policy.exceptions):
        if ex.data_class not in policy.data_classes:
            yield _p(
                doc,
                ("exceptions", i, "data_class"),
                f"unknown class {ex.data_class!r}",
                f"use one of {sorted(policy.data_classes)}",
            )
        for j, key in enumerate(ex.waive):
            if key not in REQUIREMENT_KEYS:
                yield _p(
                    doc,
                    ("exceptions", i, "waive", j),
                    f"{key!r} is not a requirement",
                    "waive requirement keys such as gpu_ownership or inference_within",
                )


def _resolve_class(
    policy: Policy, doc: Document, name: str, groups: Mapping[str, frozenset[str]]
) -> ResolvedClass:
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        chain.append(current)
        current = policy.data_classes[current].inherits
    merged: dict[str, tuple[Any, int | None]] = {}
    for cname in reversed(chain):
        dclass: DataClass = policy.data_classes[cname]
        for key in dclass.model_fields_set - {"inherits"}:
            value = getattr(dclass, key)
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = (value, doc.line_of(("data_classes", cname, key)))
    on_unknown = merged.pop("on_unknown", ("deny", None))[0]
    requirements = tuple(
        _requirement(name, key, *merged[key], groups) for key in REQUIREMENT_KEYS if key in merged
    )
    return ResolvedClass(name, requirements, on_unknown)


def _requirement(
    cname: str, key: str, raw: Any, line: int | None, groups: Mapping[str, frozenset[str]]
) -> Requirement:
    labels: tuple[str, ...] | None = None
    value: Any = raw
    if key in COUNTRY_KEYS:
        labels = tuple(raw)
        value = expand(raw, groups)
    elif isinstance(raw, list):
        labels = tuple(raw)
        value = frozenset(str(v).lower() for v in raw)
    return Requirement(key, f"{cname}.{key}", value, labels, line)


def policy_revision(policy: Policy) -> str:
    canonical = json.dumps(policy.model_dump(mode="json"), sort_keys=True).encode()
    return hashlib.sha256(canonical).hexdigest()[:16]


def source_digest(doc: Document) -> str:
    """A hash of the file name and of the line of every key path (LoadedPolicy doc)."""
    lines = sorted((render_path(path), line) for path, line in doc.lines.items())
    canonical = json.dumps([doc.file, lines]).encode()
    return hashlib.sha256(canonical).hexdigest()[:16]


def policy_from_document(doc: Document) -> LoadedPolicy:
    """Validate a loaded YAML/JSON document as a policy and resolve it."""
    if not isinstance(doc.data, dict):
        raise PolicyError(
            [
                Problem(
                    Code.P001,
                    "a policy must be a mapping",
                    "start the file with `policy:` and `org:`",
                    doc.file,
                    1,
                )
            ]
        )
    try:
        policy = Policy.model_validate(doc.data)
    except ValidationError as err:
        raise PolicyError(problems_from_validation(err, doc, Code.P001, Policy)) from None
    groups = {**BUILTIN_GROUPS, **{k: frozenset(v) for k, v in policy.region_groups.items()}}
    problems = [
        *_group_problems(policy, doc),
        *_country_problems(policy, doc, groups),
        *_class_problems(policy, doc),
        *_list_and_exception_problems(policy, doc),
    ]
    if problems:
        raise PolicyError(problems)
    classes = {name: _resolve_class(policy, doc, name, groups) for name in policy.data_classes}
    lists = policy.providers
    return LoadedPolicy(
        policy=policy,
        file=doc.file,
        revision=policy_revision(policy),
        groups=groups,
        classes=classes,
        allow=tuple(
            ListEntry(t, doc.line_of(("providers", "allow", i))) for i, t in enumerate(lists.allow)
        ),
        deny=tuple(
            ListEntry(t, doc.line_of(("providers", "deny", i))) for i, t in enumerate(lists.deny)
        ),
        waivers=tuple(
            Waiver(ex, doc.line_of(("exceptions", i))) for i, ex in enumerate(policy.exceptions)
        ),
        source=source_digest(doc),
    )


def load_policy(path: Path | str, display: str | None = None) -> LoadedPolicy:
    return policy_from_document(load_file(Path(path), display))


def load_policy_text(text: str, file: str = "<policy>") -> LoadedPolicy:
    return policy_from_document(load_text(text, file))
