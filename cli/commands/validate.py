"""`clearance validate`: schema and lint of catalog directories, policies and policy tests."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    AllowUnknownTargetsOpt,
    AttestationsOpt,
    CatalogOpt,
    attestation_paths,
)
from cli.exitcodes import ExitCode
from registry.attestations.loader import (
    AttestationsDoc,
    attestation_files,
    attestation_set,
    attestations_from_document,
    conflict_problems,
)
from registry.attestations.loader import (
    target_problems as attested_target_problems,
)
from registry.catalog.loader import Catalog, load_catalog, load_provider
from registry.catalog.shipped import resolve_catalog
from registry.errors import InputError, Problem
from registry.policy.loader import LoadedPolicy, policy_from_document
from registry.policy.targets import unknown_targets
from registry.policytest import load_test_file
from registry.yamlload import load_file

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


Checked = Catalog | LoadedPolicy | AttestationsDoc | None


def _check(path: Path) -> tuple[str, Checked]:
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
    doc = load_file(path)
    if isinstance(doc.data, dict) and "attestations" in doc.data:
        found = attestations_from_document(doc)
        return f"attestations {path}: {found.name} ({len(found.entries)} entries)", found
    policy = policy_from_document(doc)
    return f"policy {path}: {policy.name} ({len(policy.classes)} data classes)", policy


def _attestation_files(path: Path) -> list[Path]:
    try:
        return attestation_files(path)
    except InputError:
        return [path]  # reported when it is checked


def _attestation_problems(docs: list[AttestationsDoc], catalogs: list[Catalog]) -> list[Problem]:
    """One org per set, distinct names; targets and conflicts (today) against each catalog."""
    try:
        found = attestation_set(docs)
    except InputError as err:
        return list(err.problems)
    if found is None:
        return []
    problems = list(conflict_problems(found, date.today()))
    seen = {p.render() for p in problems}
    for catalog in catalogs:
        for problem in attested_target_problems(found, catalog):
            if problem.render() not in seen:
                seen.add(problem.render())
                problems.append(problem)
    return problems


def _reference_catalogs(catalogs: list[Catalog], option: Path | None) -> list[Catalog]:
    """The catalogs to check policy targets against: those validated in this run, else the
    default one (--catalog, CLEARANCE_CATALOG, ./provider_catalog, the packaged one)."""
    if catalogs:
        return catalogs
    try:
        path = resolve_catalog(option, os.environ).path
        if not (path / "providers").is_dir():
            return []
        return [load_catalog(path)]
    except InputError:
        return []  # reported when validated itself; targets are then left unchecked


def target_problems(policies: list[LoadedPolicy], catalogs: list[Catalog]) -> list[Problem]:
    """List and exception targets that no catalog knows (a typo in a deny list fails open)."""
    problems: list[Problem] = []
    for policy in policies:
        found = [unknown_targets(policy, catalog) for catalog in catalogs]
        elsewhere = [{p.key for p in other} for other in found[1:]]
        problems.extend(p for p in found[0] if all(p.key in keys for keys in elsewhere))
    return problems


def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Catalog dirs, policy files or dirs.")
    ] = None,
    catalog: CatalogOpt = None,
    allow_unknown_targets: AllowUnknownTargetsOpt = False,
    attestations: AttestationsOpt = None,
) -> None:
    """Validate catalog directories and policy files (default: provider_catalog/ policies/);
    policy targets are checked against the catalogs given, else the default catalog."""
    problems = 0
    policies: list[LoadedPolicy] = []
    catalogs: list[Catalog] = []
    docs: list[AttestationsDoc] = []
    extra = [f for p in attestation_paths(attestations) for f in _attestation_files(p)]
    for path in [*_expand(list(paths or DEFAULT_PATHS)), *extra]:
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
        elif isinstance(loaded, AttestationsDoc):
            docs.append(loaded)
        typer.echo(f"ok   {summary}")
    reference = _reference_catalogs(catalogs, catalog)
    if policies and not reference:
        typer.echo("warning: policy targets not checked: no catalog (pass --catalog)", err=True)
    for problem in target_problems(policies, reference):
        if allow_unknown_targets:
            typer.echo(f"warning: {problem.file}:{problem.line}: {problem.message}", err=True)
        else:
            typer.echo(problem.render(), err=True)
            problems += 1
    for problem in _attestation_problems(docs, reference):
        typer.echo(problem.render(), err=True)
        problems += 1
    if problems:
        typer.echo(f"{problems} problem(s) found", err=True)
        raise typer.Exit(int(ExitCode.INVALID))
    raise typer.Exit(int(ExitCode.OK))
