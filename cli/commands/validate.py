"""`clearance validate`: schema and lint of catalog directories, policies and policy tests."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    AllowUnknownTargetsOpt,
    AttestationsOpt,
    CatalogOpt,
    attestation_paths,
)
from cli.exitcodes import ExitCode
from registry.catalog.shipped import resolve_catalog
from registry.errors import InputError, Problem
from registry.policy.loader import LoadedPolicy, policy_from_document
from registry.policy.targets import named_providers, unknown_targets
from registry.yamlload import load_file

if TYPE_CHECKING:
    from registry.attestations.loader import AttestationsDoc
    from registry.catalog.loader import Catalog

# Catalogs, attestations and policy tests are imported when one is read: validating a policy
# that names no provider pays for none of their models (nor the engine, which tests run).

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


@dataclass(frozen=True)
class Checked:
    """One validated path: what to print, and what later checks need of it."""

    summary: str
    catalog: Catalog | None = None
    policy: LoadedPolicy | None = None
    attestations: AttestationsDoc | None = None


def _check(path: Path) -> Checked:
    if path.is_dir():
        from registry.catalog.loader import load_catalog

        catalog = load_catalog(path)
        summary = f"catalog {path}: {len(catalog.providers)} providers, revision {catalog.revision}"
        return Checked(summary, catalog=catalog)
    if _is_test_file(path):
        from registry.policytest import load_test_file

        spec = load_test_file(path)[0]
        return Checked(f"policy test {path}: {len(spec.cases)} cases")
    if path.parent.name == "providers":
        from registry.catalog.loader import load_provider

        provider, _ = load_provider(path, str(path))
        return Checked(f"provider {path}: {provider.id}")
    doc = load_file(path)
    if isinstance(doc.data, dict) and "attestations" in doc.data:
        from registry.attestations.loader import attestations_from_document

        found = attestations_from_document(doc)
        summary = f"attestations {path}: {found.name} ({len(found.entries)} entries)"
        return Checked(summary, attestations=found)
    policy = policy_from_document(doc)
    summary = f"policy {path}: {policy.name} ({len(policy.classes)} data classes)"
    return Checked(summary, policy=policy)


def _attestation_files(path: Path) -> list[Path]:
    from registry.attestations.loader import attestation_files

    try:
        return attestation_files(path)
    except InputError:
        return [path]  # reported when it is checked


def _attestation_problems(docs: list[AttestationsDoc], catalogs: list[Catalog]) -> list[Problem]:
    """One org per set, distinct names; targets and conflicts (today) against each catalog."""
    if not docs:
        return []
    from registry.attestations.loader import attestation_set, conflict_problems
    from registry.attestations.loader import target_problems as attested_target_problems

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


def _reference_catalogs(
    catalogs: list[Catalog], option: Path | None, policies: list[LoadedPolicy], full: bool
) -> list[Catalog] | None:
    """The catalogs to check policy targets against: those validated in this run, else the
    default one (--catalog, CLEARANCE_CATALOG, ./provider_catalog, the packaged one); None
    when there is none. Of the default one, only the files of the providers the policies
    name are read when that finds every target (the whole catalog could only say the same;
    none for policies that name none); the whole catalog when a target is missing (its
    message suggests the closest id) or `full` is asked (attestations name targets of their
    own)."""
    if catalogs:
        return catalogs
    wanted = {name for policy in policies for name in named_providers(policy)}
    if not wanted and not full:
        return []  # nothing to check
    try:
        path = resolve_catalog(option, os.environ).path
    except InputError:
        return None
    if not (path / "providers").is_dir():
        return None
    from registry.catalog.loader import load_catalog, load_named

    if not full:
        try:
            named = load_named(path, wanted)
        except InputError:
            named = None  # the whole catalog says whether it is usable
        if named is not None and not target_problems(policies, [named]):
            return [named]
    try:
        return [load_catalog(path)]
    except InputError:
        return None  # reported when validated itself; targets are then left unchecked


def target_problems(policies: list[LoadedPolicy], catalogs: list[Catalog]) -> list[Problem]:
    """List and exception targets that no catalog knows (a typo in a deny list fails open)."""
    problems: list[Problem] = []
    if not catalogs:
        return problems
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
            checked = _check(path)
        except InputError as err:
            typer.echo(err.render(), err=True)
            problems += len(err.problems)
            continue
        if checked.catalog is not None:
            catalogs.append(checked.catalog)
        if checked.policy is not None:
            policies.append(checked.policy)
        if checked.attestations is not None:
            docs.append(checked.attestations)
        typer.echo(f"ok   {checked.summary}")
    found = _reference_catalogs(catalogs, catalog, policies, full=bool(docs))
    if found is None and policies:
        typer.echo("warning: policy targets not checked: no catalog (pass --catalog)", err=True)
    reference = found or []
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
