"""`clearance serve`: the registry service (arrives with the registry-service issue)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.exitcodes import ExitCode


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    database: Annotated[str | None, typer.Option(help="Database URL (default: SQLite).")] = None,
) -> None:
    """Run the registry service (not yet available: use the offline commands meanwhile)."""
    typer.echo(
        f"clearance serve: the registry service (REST on {host}:{port}) arrives with the next "
        "issue.\nMeanwhile try the offline commands:\n"
        "  clearance validate\n"
        "  clearance allowed --policy policies/eu-confidential.yaml --data-class confidential\n"
        "  clearance explain mistral --policy policies/eu-confidential.yaml"
    )
    raise typer.Exit(int(ExitCode.OK))
