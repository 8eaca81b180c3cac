"""`clearance catalog import|export`: sync catalog directories with the registry's store.

The store modules (SQLModel, Alembic) are imported inside the commands, so the offline
commands keep starting without them.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import AsOfOpt, CatalogOpt, fail, guarded, parse_as_of, read_catalog
from cli.exitcodes import ExitCode
from cli.outputs.console import progress_bar, progress_steps, status

if TYPE_CHECKING:
    from registry.catalog.loader import Catalog

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Database URL (env DATABASE_URL; default: SQLite in $CLEARANCE_DATA_DIR or ./data).",
    ),
]


VerifyKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--verify-key",
        help="Ed25519 public key (PEM): require a catalog seal signed with its private key.",
    ),
]


CLI_ACTOR = "cli"  # audit actor of writes made with direct database access


def database_choice(option: str | None) -> tuple[str, str]:
    """The database URL and where it came from: --database, DATABASE_URL, else the SQLite
    file in CLEARANCE_DATA_DIR or ./data (the order `clearance serve` uses too)."""
    if option:
        return option, "--database"
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], "DATABASE_URL"
    from registry.store.db import data_dir, default_url

    if os.environ.get("CLEARANCE_DATA_DIR"):
        return default_url(data_dir()), "CLEARANCE_DATA_DIR"
    return default_url(data_dir()), "default (no --database, DATABASE_URL or CLEARANCE_DATA_DIR)"


def database_url(option: str | None) -> str:
    return database_choice(option)[0]


def import_catalog(
    directory: Annotated[Path, typer.Argument(help="Catalog directory (holds providers/).")],
    database: DatabaseOpt = None,
    allow_removals: Annotated[
        bool,
        typer.Option(
            "--allow-removals",
            help="Import even when providers or deployments of the active revision are dropped.",
        ),
    ] = False,
    verify_key: VerifyKeyOpt = None,
) -> None:
    """Validate a catalog directory and make it the active revision (all or nothing).
    Refuses (exit 2, listing them) to drop providers or deployments unless --allow-removals.
    A sealed directory (catalog.manifest.json) must match its seal; --verify-key also
    requires its Ed25519 signature."""
    from registry.catalog.loader import load_catalog
    from registry.catalog.seal import verify
    from registry.store.repository import Store

    with progress_steps("catalog import") as progress:
        loaded = guarded(
            lambda: load_catalog(
                directory, lambda path, done, total: progress(f"reading {path.name}", done, total)
            )
        )
    sealed = guarded(lambda: verify(directory, loaded, verify_key))
    store = Store(database_url(database))
    try:
        with status(f"catalog import: writing revision {loaded.revision}"):
            store.migrate()
            result = guarded(
                lambda: store.import_catalog(loaded, actor=CLI_ACTOR, allow_removals=allow_removals)
            )
    finally:
        store.close()
    if result.created:
        typer.echo(f"imported {result.providers} providers as catalog revision {result.revision}")
    else:
        typer.echo(f"unchanged: catalog revision {result.revision} is already active")
    if sealed is not None:
        how = "signature and manifest" if sealed.signed else "manifest (unsigned)"
        typer.echo(f"seal verified: {how} match {sealed.counts['files']} files")
    raise typer.Exit(int(ExitCode.OK))


def seal_catalog(
    directory: Annotated[Path, typer.Argument(help="Catalog directory (holds providers/).")],
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Ed25519 private key (PEM) to sign the manifest with."),
    ] = None,
) -> None:
    """Validate a catalog directory and write its seal: catalog.manifest.json (every provider
    and review file's SHA-256, the counts, the catalog revision), signed into
    catalog.manifest.sig with --key. Re-seal after every edit."""
    from registry.catalog.loader import load_catalog
    from registry.catalog.seal import MANIFEST, SIGNATURE, seal

    loaded = guarded(lambda: load_catalog(directory))
    sealed = guarded(lambda: seal(directory, loaded, key))
    counts = sealed.counts
    typer.echo(
        f"sealed {counts['files']} files ({counts['providers']} providers,"
        f" {counts['deployments']} deployments) as catalog revision {sealed.revision}"
        f" in {directory / MANIFEST}"
        + (f", signed in {directory / SIGNATURE}" if sealed.signed else " (unsigned)")
    )
    raise typer.Exit(int(ExitCode.OK))


def export_catalog(
    directory: Annotated[Path, typer.Argument(help="Directory to write providers/ into.")],
    database: DatabaseOpt = None,
) -> None:
    """Write the active catalog revision as one YAML file per provider."""
    from registry.store.repository import Store

    store = Store(database_url(database))
    try:
        store.migrate()
        count = guarded(lambda: store.export_catalog(directory))
    finally:
        store.close()
    typer.echo(f"exported {count} providers to {directory / 'providers'}")
    raise typer.Exit(int(ExitCode.OK))


def schema(
    directory: Annotated[Path, typer.Argument(help="Where to write the JSON Schemas.")] = Path(
        "schemas"
    ),
) -> None:
    """Write JSON Schemas for provider and policy files, for editors (yaml-language-server)."""
    import json

    from registry.catalog.models import Provider
    from registry.policy.models import Policy

    directory.mkdir(parents=True, exist_ok=True)
    for name, model in (("provider", Provider), ("policy", Policy)):
        document = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **model.model_json_schema(),
        }
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(document, indent=2) + "\n")
        typer.echo(f"wrote {path}; first line of a {name} file:")
        typer.echo(f"  # yaml-language-server: $schema={path.resolve()}")
    raise typer.Exit(int(ExitCode.OK))


def coverage_command(catalog: CatalogOpt = None) -> None:
    """Per provider and key fact: known, inferred, unsourced or unknown, and the totals."""
    from registry.catalog.review import COVERED, KEY_FACTS, coverage

    loaded = read_catalog(catalog)
    rows = coverage(loaded)
    mark = {"known": "+", "inferred": "~", "unsourced": "?", "unknown": "."}
    numbers = "  ".join(f"{i + 1:>2}" for i in range(len(KEY_FACTS)))
    typer.echo(f"{'provider':<22}{numbers}   covered")
    for row in rows:
        cells = "  ".join(f" {mark[row.facts[f]]}" for f in KEY_FACTS)
        typer.echo(f"{row.provider:<22}{cells}   {row.covered}/{len(KEY_FACTS)}")
    per_fact = (sum(r.facts[f] in COVERED for r in rows) for f in KEY_FACTS)
    typer.echo(f"{'providers covered':<22}" + "  ".join(f"{n:>2}" for n in per_fact))
    total = sum(r.covered for r in rows)
    possible = len(rows) * len(KEY_FACTS)
    typer.echo("key facts: " + ", ".join(f"{i + 1}={f}" for i, f in enumerate(KEY_FACTS)))
    typer.echo(
        "+ known (sourced), ~ inferred, ? set but no evidence names it (not counted),"
        " . unknown on at least one deployment"
    )
    typer.echo(
        f"total: {total} of {possible} key facts known or inferred ({100 * total / possible:.0f} %)"
    )
    _echo_quote_count(loaded)
    raise typer.Exit(int(ExitCode.OK))


def _echo_quote_count(loaded: Catalog) -> None:
    from registry.catalog.quotes import quote_count
    from registry.catalog.reviews import load_reviews, review_state

    count = quote_count(loaded)
    state = guarded(lambda: review_state(loaded, load_reviews(loaded.root)))
    typer.echo(
        f"high-stakes facts quoted: {count.quoted} of {count.total} ({count.percent:.0f} %);"
        f" supported in the second reader's review: {state.supported} of {state.total}"
    )


def quotes_command(catalog: CatalogOpt = None) -> None:
    """High-stakes facts without a quote that speaks to them, quotes naming facts they are not
    about, and quotes the second reader judged broader than or unrelated to the fact they
    carry (exit 1 if any)."""
    from registry.catalog.quotes import off_subject, quote_gaps
    from registry.catalog.reviews import load_reviews, review_state

    loaded = read_catalog(catalog)
    rejected = guarded(lambda: review_state(loaded, load_reviews(loaded.root))).rejected
    found = [*map(str, quote_gaps(loaded)), *map(str, off_subject(loaded))]
    found += [f"{item} (the second reader's verdict)" for item in rejected]
    for line in found:
        typer.echo(line)
    _echo_quote_count(loaded)
    raise typer.Exit(int(ExitCode.FAILED if found else ExitCode.OK))


def stale_command(
    days: Annotated[int, typer.Option("--days", min=0, help="Maximum evidence age.")] = 365,
    catalog: CatalogOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Known facts that are unsourced or whose evidence is older than --days (exit 1 if any)."""
    from registry.catalog.review import stale_facts

    found = stale_facts(read_catalog(catalog), days, parse_as_of(as_of))
    for item in found:
        typer.echo(f"{item.target}: {item.fact}: {item.reason}")
    typer.echo(f"{len(found)} stale or unsourced fact(s)")
    raise typer.Exit(int(ExitCode.FAILED if found else ExitCode.OK))


class SourcesFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def check_sources_command(
    catalog: CatalogOpt = None,
    providers: Annotated[
        list[str] | None, typer.Argument(help="Only these provider ids (default: all).")
    ] = None,
    fmt: Annotated[SourcesFormat, typer.Option("--format", help="text, json or markdown.")] = (
        SourcesFormat.text
    ),
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help="Pages fetched at once.")
    ] = 8,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds per page before unreachable.")
    ] = 20.0,
) -> None:
    """Fetch every evidence URL and check that each quote is still on its page (HTML
    stripped, whitespace and typography normalized). Exit 1 when a high-stakes fact's quote
    or page is gone, 3 when such a page could not be read, else 0."""
    from cli.outputs.sources import render_json, render_markdown, render_text
    from registry.catalog.sourcecheck import check_sources, cited, failing, unreadable

    loaded = read_catalog(catalog)
    unknown = sorted(set(providers or ()) - set(loaded.providers))
    if unknown:
        fail(
            f"unknown provider(s) {', '.join(unknown)}; use provider ids of the catalog"
            " (`clearance catalog coverage` lists them)"
        )
    wanted = providers or ()
    pages = len({entry.evidence.url for entry in cited(loaded, wanted)})
    with progress_bar("fetching sources", pages) as advance:
        results = check_sources(
            loaded, providers=wanted, concurrency=concurrency, timeout=timeout, progress=advance
        )
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[fmt.value]
    typer.echo(render(results), nl=False)
    if failing(results):
        raise typer.Exit(int(ExitCode.FAILED))
    raise typer.Exit(int(ExitCode.UNREACHABLE if unreadable(results) else ExitCode.OK))


def catalog_app() -> typer.Typer:
    app = typer.Typer(help="Catalog revisions in the registry's store.", no_args_is_help=True)
    app.command("import")(import_catalog)
    app.command("export")(export_catalog)
    app.command("seal")(seal_catalog)
    app.command("schema")(schema)
    app.command("coverage")(coverage_command)
    app.command("stale")(stale_command)
    app.command("quotes")(quotes_command)
    app.command("check-sources")(check_sources_command)
    return app
