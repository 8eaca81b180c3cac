"""The `clearance` Typer app: commands are registered here, explicitly, in one place."""

from __future__ import annotations

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


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="clearance",
        help="Data-policy compliance for LLM inference providers.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
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
