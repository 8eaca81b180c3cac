"""`clearance test`: run policy unit tests (`*.test.yaml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import AllowUnknownTargetsOpt, AttestationsOpt, attestation_paths
from cli.exitcodes import ExitCode
from registry.engine.engine import Engine
from registry.errors import InputError
from registry.policytest import run_test_file


def _discover(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted([*path.rglob("*.test.yaml"), *path.rglob("*.test.yml")]))
        else:
            out.append(path)
    return out


def run_tests(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Test files or dirs (default: policies/).")
    ] = None,
    allow_unknown_targets: AllowUnknownTargetsOpt = False,
    attestations: AttestationsOpt = None,
) -> None:
    """Run policy unit tests; exit 0 when all pass, 1 when any fails, 2 on invalid input."""
    found = _discover(list(files or [Path("policies")]))
    if not found:
        typer.echo("error: no *.test.yaml files found", err=True)
        raise typer.Exit(int(ExitCode.INVALID))
    engine = Engine()
    passed = failed = 0
    for path in found:
        try:
            results = run_test_file(
                path,
                engine,
                allow_unknown_targets=allow_unknown_targets,
                attestations=attestation_paths(attestations),
            )
        except InputError as err:
            typer.echo(err.render(), err=True)
            raise typer.Exit(int(ExitCode.INVALID)) from None
        for case in results:
            where = f"{case.file}:{case.line}"
            if case.passed:
                passed += 1
                typer.echo(f"PASS {where} {case.name}")
                continue
            failed += 1
            typer.echo(f"FAIL {where} {case.name}")
            for failure in case.failures:
                typer.echo(f"     {failure}")
    typer.echo(f"policy tests: {passed} passed, {failed} failed")
    raise typer.Exit(int(ExitCode.FAILED if failed else ExitCode.OK))
