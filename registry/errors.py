"""Every error Clearance raises on purpose, in one tree.

    ClearanceError                  base: a code, a message and a remedy
    ├── InputError                  bad user input (CLI exit 2); carries one or more Problems,
    │                               each naming file, line and key path
    │   ├── YamlError               rejected by the strict YAML loader (syntax, tags, anchors, …)
    │   ├── CatalogError            a catalog file breaks the schema or a catalog rule
    │   ├── PolicyError             a policy file breaks the schema or a policy rule
    │   └── AttestationError        an attestations file breaks the schema or a rule (§9)
    ├── EngineError                 the engine could not decide; callers deny with this reason
    └── StoreError                  a store operation could not be done; the store is unchanged
        ├── CatalogRemovalError     an import would drop providers or deployments (HTTP 409)
        ├── PreconditionRequiredError   replacing needs If-Match (HTTP 428)
        └── PreconditionFailedError     If-Match / If-None-Match did not hold (HTTP 412)

Beside them, outside this package: `ProblemError` (registry/api/problems.py, an HTTP
problem answer) and `clearance_client.errors` (the library's own tree).

Codes are stable strings (`CLR-Y001`, `CLR-C003`, …): every one is in registry/codes.py with
its title and usual remedy, and listed in docs/errors.md, generated from that table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from registry.codes import Code


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in one input file."""

    code: str
    message: str
    remedy: str
    file: str = "<input>"
    line: int | None = None
    key: str = ""

    def __post_init__(self) -> None:  # a `Code` member becomes its plain text (YAML, JSON)
        object.__setattr__(self, "code", str(self.code))

    def render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}:{key} {self.code} {self.message}. Fix: {self.remedy}"


class ClearanceError(Exception):
    """Base of all deliberate errors: code, message, remedy."""

    def __init__(self, code: str, message: str, remedy: str) -> None:
        super().__init__(f"{code} {message}. Fix: {remedy}")
        self.code = str(code)  # a `Code` member becomes its plain text
        self.message = message
        self.remedy = remedy


class InputError(ClearanceError):
    """User input is invalid; holds every problem found, first one in the message."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        first = self.problems[0]
        super().__init__(first.code, first.message, first.remedy)
        self.args = (self.render(),)

    def render(self) -> str:
        return "\n".join(p.render() for p in self.problems)


class YamlError(InputError):
    """The strict YAML loader rejected a document."""


class CatalogError(InputError):
    """A catalog file is invalid."""


class PolicyError(InputError):
    """A policy file is invalid."""


class AttestationError(InputError):
    """An attestations file is invalid (schema, unknown target, conflict, placeholder)."""


class EngineError(ClearanceError):
    """The engine failed to decide; every affected target is denied with this reason."""


class StoreError(ClearanceError):
    """A store operation could not be done; the store is unchanged."""


class CatalogRemovalError(StoreError):
    """An import would drop providers or deployments the active revision has (HTTP 409):
    a truncated file that is still valid YAML looks exactly like this, so removals are
    refused unless the caller asks for them (`--allow-removals`, `?allow_removals=true`)."""

    def __init__(self, providers: Iterable[str], deployments: Iterable[str]) -> None:
        self.providers = tuple(providers)
        self.deployments = tuple(deployments)
        parts = []
        if self.providers:
            parts.append(f"{len(self.providers)} provider(s) ({', '.join(self.providers)})")
        if self.deployments:
            parts.append(f"{len(self.deployments)} deployment(s) ({', '.join(self.deployments)})")
        super().__init__(
            Code.C010,
            "the import removes " + " and ".join(parts) + " from the active catalog",
            "check that no provider file is missing or cut short; if the removals are meant,"
            " import with --allow-removals (API: ?allow_removals=true)",
        )


class PreconditionRequiredError(StoreError):
    """Replacing a policy needs `If-Match` (HTTP 428)."""


class PreconditionFailedError(StoreError):
    """`If-Match` / `If-None-Match` did not hold (HTTP 412)."""
