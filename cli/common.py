"""Shared CLI plumbing: option types, loading inputs, turning errors into exit code 2."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from cli.exitcodes import ExitCode
from registry.catalog.shipped import resolve_catalog
from registry.codes import Code
from registry.errors import ClearanceError, InputError, Problem
from registry.policy.loader import LoadedPolicy, load_policy
from registry.policy.targets import check_targets

if TYPE_CHECKING:
    from registry.catalog.loader import Catalog

T = TypeVar("T")

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Catalog directory (holds providers/). Default: CLEARANCE_CATALOG, else "
        "./provider_catalog, else the catalog shipped with the package.",
    ),
]
PolicyOpt = Annotated[Path, typer.Option("--policy", help="Policy file (YAML).")]


def _class_name(value: str | None) -> str | None:
    """An empty --data-class (a CI variable that is unset) would silently mean the policy's
    default class: refuse it."""
    if value is not None and not value.strip():
        raise typer.BadParameter("is empty: pass a data class name, or omit the option")
    return value


DataClassOpt = Annotated[
    str | None,
    typer.Option(
        "--data-class",
        help="Data class (default: the policy's default).",
        callback=_class_name,
    ),
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", help="Model id, e.g. meta-llama/llama-3.3-70b-instruct.")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default: today).")
]
EnvOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--env",
        help="NAME=VALUE of an environment variable the LiteLLM proxy runs with, for config "
        "values written os.environ/NAME or ${NAME} (repeatable).",
    ),
]
EnvFileOpt = Annotated[
    list[Path] | None,
    typer.Option("--env-file", help="A dotenv file of the proxy's environment (repeatable)."),
]
AllowUnknownTargetsOpt = Annotated[
    bool,
    typer.Option(
        "--allow-unknown-targets",
        help="Accept providers.allow/deny and exception targets the catalog does not know "
        "(a policy shared across catalogs); they are then only warned about.",
    ),
]

AttestationsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--attestations",
        help="The org's attestations: a file or a directory of them (repeatable). Env: "
        "CLEARANCE_ATTESTATIONS (paths separated by the OS path separator).",
    ),
]
ATTESTATIONS_ENV = "CLEARANCE_ATTESTATIONS"
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Text output: list every deployment and every reason (--format json always has "
        "them all).",
    ),
]


def fail(message: str, code: ExitCode = ExitCode.INVALID) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(int(code))


def guarded(action: Callable[[], T]) -> T:
    """Run a loading step; input errors print every problem and exit 2."""
    try:
        return action()
    except InputError as err:
        typer.echo(err.render(), err=True)
        raise typer.Exit(int(ExitCode.INVALID)) from None
    except ClearanceError as err:
        fail(str(err))


def catalog_dir(option: Path | None) -> Path:
    """--catalog > CLEARANCE_CATALOG > ./provider_catalog > the packaged catalog."""
    return guarded(lambda: resolve_catalog(option, os.environ).path)


def read_catalog(option: Path | None) -> Catalog:
    from registry.catalog.loader import load_catalog  # the catalog models: when one is read

    return guarded(lambda: load_catalog(catalog_dir(option)))


def read_policy(path: Path) -> LoadedPolicy:
    return guarded(lambda: load_policy(path))


def check_policy_targets(policy: LoadedPolicy, catalog: Catalog, allow_unknown: bool) -> None:
    """Exit 2 naming every allow/deny/exception target the catalog does not know (a typo
    in a deny list would otherwise deny nothing), unless `--allow-unknown-targets`."""
    if not allow_unknown:
        guarded(lambda: check_targets(policy, catalog))


def read_checked(
    policy_path: Path, catalog_option: Path | None, allow_unknown: bool
) -> tuple[LoadedPolicy, Catalog]:
    """The policy and the catalog, the policy's targets checked against the catalog."""
    policy = read_policy(policy_path)
    catalog = read_catalog(catalog_option)
    check_policy_targets(policy, catalog, allow_unknown)
    return policy, catalog


def attestation_paths(option: list[Path] | None) -> list[Path]:
    """--attestations, else CLEARANCE_ATTESTATIONS, else none."""
    if option:
        return list(option)
    env = os.environ.get(ATTESTATIONS_ENV, "")
    return [Path(p) for p in env.split(os.pathsep) if p.strip()]


def org_view(catalog: Catalog, option: list[Path] | None, as_of: date, org: str) -> Catalog:
    """The catalog as the policy's org sees it on `as_of` (SPEC §9), from --attestations or
    CLEARANCE_ATTESTATIONS; exit 2 naming every problem of an unusable set."""
    from registry.attestations.apply import org_view_of  # only commands that evaluate

    paths = attestation_paths(option)
    return guarded(lambda: org_view_of(catalog, paths, as_of, org))


def as_of_date(value: str | None, where: str = "--as-of") -> date:
    """`--as-of` as a date (today when not given); InputError when it is not YYYY-MM-DD."""
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        problem = Problem(Code.G004, f"--as-of {value!r} is not a date", "write YYYY-MM-DD", where)
        raise InputError([problem]) from None


def parse_as_of(value: str | None) -> date:
    try:
        return as_of_date(value)
    except InputError:
        fail(f"--as-of {value!r} is not a date; write YYYY-MM-DD")
