"""The `clearance` Typer app: commands are registered here, explicitly, in one place.

Each command lives in its own module, named here and imported only when that command is
registered: `clearance validate …` imports the validate module and what it needs, not the
gate, the routers, the server or the HTTP client (issue 15; `bench/cli_start.py` measures
it, `tests/cli/test_cli_start.py` checks it). `clearance --help` and the tests register all.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

HELP = "Data-policy compliance for LLM inference providers."

# name -> (module, attribute): a command function, in help order
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("cli.commands.validate", "validate"),
    "allowed": ("cli.commands.allowed", "allowed"),
    "explain": ("cli.commands.explain", "explain"),
    "gate": ("cli.commands.gate", "gate"),
    "diff": ("cli.commands.diff", "diff"),
    "test": ("cli.commands.policytest", "run_tests"),
    "questionnaire": ("cli.commands.questionnaire", "questionnaire"),
    "serve": ("cli.commands.serve", "serve"),
    "push": ("cli.commands.push", "push"),
    "pull": ("cli.commands.push", "pull"),
}
# name -> (module, attribute): a function that builds a Typer sub-app
GROUPS: dict[str, tuple[str, str]] = {
    "catalog": ("cli.commands.catalog", "catalog_app"),
    "keys": ("cli.commands.keys", "keys_app"),
    "audit": ("cli.commands.keys", "audit_app"),
}

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


def _load(where: tuple[str, str]) -> Any:
    module, attribute = where
    return getattr(importlib.import_module(module), attribute)


def build_app(only: str | None = None) -> typer.Typer:
    """The app with every command, or with only the command `only` names (when it names
    one): what a run of that command needs, and nothing else."""
    app = typer.Typer(
        name="clearance",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)  # also keeps a one-command app a group: `clearance NAME …`
    chosen = only if only in COMMANDS or only in GROUPS else None
    for name, where in COMMANDS.items():
        if chosen in (None, name):
            command: Callable[..., None] = _load(where)
            app.command(name)(command)
    for name, where in GROUPS.items():
        if chosen in (None, name):
            app.add_typer(_load(where)(), name=name)
    return app


def requested(argv: Sequence[str]) -> str | None:
    """The command a command line runs (its first word), if it is one."""
    return argv[1] if len(argv) > 1 else None


def run() -> None:
    """Console-script entry point."""
    build_app(requested(sys.argv))()
