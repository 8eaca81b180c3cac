"""`clearance validate`: schema and lint of catalog directories, policies and policy tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.exitcodes import ExitCode
from registry.catalog.loader import Catalog, load_catalog, load_provider
from registry.errors import InputError
from registry.policy.loader import LoadedPolicy, load_policy
from registry.policytest import load_test_file

DEFAULT_PATHS = (Path("provider_catalog"), Path("policies"))


def _is_test_file(path: Path) -> bool:
    return path.name.endswith((".test.yaml", ".test.yml"))


def _expand(paths: list[Path]) -> list[Path]:
    """Catalog directories stay whole; other directories yield their YAML files."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / "providers").is_dir():
            out.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            out.append(path)
    return out


def _check(path: Path) -> tuple[str, Catalog | LoadedPolicy | None]:
    if path.is_dir():
        catalog = load_catalog(path)
        return (
            f"catalog {path}: {len(catalog.providers)} providers, revision {catalog.revision}",
            catalog,
        )
    if _is_test_file(path):
        spec = load_test_file(path)[0]
        return f"policy test {path}: {len(spec.cases)} cases", None
    if path.parent.name == "providers":
        provider, _ = load_provider(path, str(path))
        return f"provider {path}: {provider.id}", None
    policy = load_policy(path)
    return f"policy {path}: {policy.name} ({len(policy.classes)} data classes)", policy


def lint(policies: list[LoadedPolicy], catalogs: list[Catalog]) -> list[str]:
    """Warnings: list and exception targets that no validated catalog knows."""
    if not catalogs:
        return []
    known: set[str] = set()
    for catalog in catalogs:
        for pid, provider in catalog.providers.items():
            known.add(pid)
            known.update(f"{pid}/{d.id}" for d in provider.deployments or ())
            known.add(f"{pid}/default")
    warnings: list[str] = []
    for policy in policies:
        names = [
            *(e.target for e in policy.allow),
            *(e.target for e in policy.deny),
            *(w.exception.target for w in policy.waivers),
        ]
        warnings.extend(
            f"{policy.file}: {name} is not in the catalog" for name in names if name not in known
        )
    return warnings


def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Catalog dirs, policy files or dirs.")
    ] = None,
) -> None:
    """Validate catalog directories and policy files (default: provider_catalog/ policies/)."""
    problems = 0
    policies: list[LoadedPolicy] = []
    catalogs: list[Catalog] = []
    for path in _expand(list(paths or DEFAULT_PATHS)):
        try:
            summary, loaded = _check(path)
        except InputError as err:
            typer.echo(err.render(), err=True)
            problems += len(err.problems)
            continue
        if isinstance(loaded, Catalog):
            catalogs.append(loaded)
        elif isinstance(loaded, LoadedPolicy):
            policies.append(loaded)
        typer.echo(f"ok   {summary}")
    for warning in lint(policies, catalogs):
        typer.echo(f"warning: {warning}", err=True)
    if problems:
        typer.echo(f"{problems} problem(s) found", err=True)
        raise typer.Exit(int(ExitCode.INVALID))
    raise typer.Exit(int(ExitCode.OK))
