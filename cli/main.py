"""The `clearance` Typer app: commands are registered here, explicitly, in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.commands.allowed import allowed
from cli.commands.catalog import catalog_app
from cli.commands.diff import diff
from cli.commands.explain import explain
from cli.commands.gate import gate
from cli.commands.keys import audit_app, keys_app
from cli.commands.policytest import run_tests
from cli.commands.push import pull, push
from cli.commands.questionnaire import questionnaire
from cli.commands.serve import serve
from cli.commands.validate import validate

if TYPE_CHECKING:
    from registry.catalog.shipped import CatalogSource


def _catalog_line(label: str, path: Path, chosen_by: str) -> str:
    from cli.common import guarded
    from registry.catalog.facts import targets
    from registry.catalog.loader import load_catalog

    catalog = guarded(lambda: load_catalog(path))
    deployments = len(targets(catalog))
    return (
        f"{label}: revision {catalog.revision} ({len(catalog.providers)} providers, "
        f"{deployments} deployments; {chosen_by}) at {path}"
    )


def _version(value: bool) -> None:
    """`clearance --version`: the package version, the packaged catalog's revision and, when
    another one would be read (--catalog is per command), the catalog in use."""
    if not value:
        return
    from registry import __version__
    from registry.catalog.shipped import packaged_catalog

    typer.echo(f"clearance-llm {__version__}")
    packaged = packaged_catalog()
    if packaged is None:
        typer.echo("packaged catalog: missing (reinstall clearance-llm)")
    else:
        typer.echo(_catalog_line("packaged catalog", packaged, "packaged"))
    source = _source_in_use()
    if source is not None and (packaged is None or source.path.resolve() != packaged.resolve()):
        typer.echo(_catalog_line("catalog in use", source.path, source.chosen_by))
    raise typer.Exit()


def _source_in_use() -> CatalogSource | None:
    from registry.catalog.shipped import resolve_catalog
    from registry.errors import InputError

    try:
        return resolve_catalog(None, os.environ)
    except InputError:
        return None


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and the catalog revisions, then exit.",
        ),
    ] = False,
) -> None:
    """Data-policy compliance for LLM inference providers."""


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="clearance",
        help="Data-policy compliance for LLM inference providers.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    app.command("validate")(validate)
    app.command("allowed")(allowed)
    app.command("explain")(explain)
    app.command("gate")(gate)
    app.command("diff")(diff)
    app.command("test")(run_tests)
    app.command("questionnaire")(questionnaire)
    app.command("serve")(serve)
    app.command("push")(push)
    app.command("pull")(pull)
    app.add_typer(catalog_app(), name="catalog")
    app.add_typer(keys_app(), name="keys")
    app.add_typer(audit_app(), name="audit")
    return app


def run() -> None:
    """Console-script entry point."""
    build_app()()
