"""`clearance allowed`: the permitted set of a policy data class, or a router's form of it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    AllowUnknownTargetsOpt,
    AsOfOpt,
    AttestationsOpt,
    CatalogOpt,
    DataClassOpt,
    EnvFileOpt,
    EnvOpt,
    ModelOpt,
    PolicyOpt,
    VerboseOpt,
    attestation_paths,
    fail,
    guarded,
    org_view,
    parse_as_of,
    read_checked,
)
from cli.env import read_env
from cli.exitcodes import ExitCode
from cli.outputs.console import console
from cli.outputs.evaluation import render_table, to_json
from cli.outputs.routers import filter_report, render_json, render_yaml
from cli.remote import (
    ApiKeyOpt,
    Registry,
    ServerOpt,
    ServiceRefusedError,
    refuse_local_options,
    run_remote,
    same_policy,
)
from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation
from registry.engine.engine import Engine
from registry.policy.loader import ResolvedClass, load_policy
from registry.routers.formats import ROUTER_FORMATS, restricts
from registry.routers.litellm import to_litellm
from registry.routers.litellm_config import filter_config
from registry.routers.openrouter import openrouter_only
from registry.routers.vercel import vercel_only
from registry.yamlload import load_file


class AllowedFormat(StrEnum):
    table = "table"
    json = "json"
    openrouter = "openrouter"
    litellm = "litellm"
    vercel = "vercel"


@dataclass(frozen=True)
class Allowed:
    """What every output of `allowed` may read."""

    result: Evaluation
    catalog: Catalog
    cls: ResolvedClass
    litellm_config: Path | None
    env: Mapping[str, str]
    verbose: bool = False


def _echo_err(lines: list[str]) -> None:
    for line in lines:
        typer.echo(line, err=True)


def _table(ctx: Allowed) -> ExitCode:
    render_table(ctx.result, console(), verbose=ctx.verbose)
    return ExitCode.OK


def _json(ctx: Allowed) -> ExitCode:
    typer.echo(to_json(ctx.result), nl=False)
    return ExitCode.OK


def _openrouter_warnings(ctx: Allowed) -> list[str]:
    _, missing = openrouter_only(ctx.result, ctx.catalog)
    return [
        f"warning: permitted {t} has no OpenRouter slug that reaches only permitted deployments;"
        " it is left out"
        for t in missing
    ]


def _vercel_warnings(ctx: Allowed) -> list[str]:
    _, left_out = vercel_only(ctx.result, ctx.catalog)
    return [
        f"warning: permitted {t} cannot be expressed for the Vercel AI Gateway "
        + (
            "(its provider has no gateway slug)"
            if not ctx.catalog.providers[t.split("/", 1)[0]].aliases.vercel
            else "(the gateway cannot pin a region and a sibling deployment is denied)"
        )
        + "; it is left out"
        for t in left_out
    ]


def _router(fmt: str, warnings: Callable[[Allowed], list[str]]) -> Callable[[Allowed], ExitCode]:
    def emit(ctx: Allowed) -> ExitCode:
        document = ROUTER_FORMATS[fmt].render(ctx.result, ctx.catalog, ctx.cls)
        _echo_err(warnings(ctx))
        if not restricts(fmt, document):  # e.g. an empty `only`: fail closed
            typer.echo(f"error: {ROUTER_FORMATS[fmt].refusal}", err=True)
            return ExitCode.FAILED
        typer.echo(render_json(document), nl=False)
        return ExitCode.OK

    return emit


def _litellm(ctx: Allowed) -> ExitCode:
    """The LiteLLM view, or with --litellm-config that config with only permitted entries."""
    view = to_litellm(ctx.result, ctx.catalog, ctx.cls)
    return _litellm_view(view, ctx.litellm_config, ctx.env, ctx.result.data_class)


def _litellm_view(
    view: dict[str, Any], path: Path | None, env: Mapping[str, str], data_class: str
) -> ExitCode:
    """Print the LiteLLM view, or the config at `path` with only the entries it permits."""
    if path is None:
        typer.echo(render_json(view), nl=False)
        return ExitCode.OK
    doc = guarded(lambda: load_file(path, manifest=True))
    filtered = guarded(lambda: filter_config(doc, view, env=env))
    _echo_err(filter_report(filtered, doc.file, str(view["tag"])))
    if not filtered.kept:
        typer.echo(
            f"error: no model_list entry of {doc.file} is permitted for data class "
            f"{data_class}; refusing to print an empty model_list",
            err=True,
        )
        return ExitCode.FAILED
    typer.echo(render_yaml(filtered.config), nl=False)
    return ExitCode.OK


@dataclass(frozen=True)
class Remote:
    """What `allowed --server` was asked."""

    policy: Path
    data_class: str | None
    model: str | None
    fmt: AllowedFormat
    litellm_config: Path | None
    env: list[str] | None
    env_file: list[Path] | None
    catalog: Path | None  # local only: refused
    as_of: str | None  # local only: refused
    verbose: bool = False


def _remote(
    ask: Remote, server: str, api_key: str | None, attestations: list[Path] | None
) -> ExitCode:
    """The registry's answer (cli/remote.py): the JSON or table of its permitted set, or a
    router's document; the drift check always reads the JSON answer first."""
    refuse_local_options(
        "clearance allowed",
        catalog=ask.catalog,
        as_of=ask.as_of,
        attestations=bool(attestation_paths(attestations)),
    )
    loaded = load_policy(ask.policy)
    given = read_env(ask.env or [], ask.env_file or [])
    with Registry(server, api_key, "clearance allowed") as registry:
        body = registry.permitted(loaded, ask.data_class, ask.model, "json")
        same_policy(body, loaded, ask.policy)
        if ask.fmt is AllowedFormat.json:
            typer.echo(json.dumps(body, indent=2, ensure_ascii=False), nl=True)
            return ExitCode.OK
        if ask.fmt is AllowedFormat.table:
            render_table(Evaluation.from_json(body), console(), verbose=ask.verbose)
            return ExitCode.OK
        try:
            document = registry.permitted(loaded, ask.data_class, ask.model, ask.fmt.value)
        except ServiceRefusedError as err:
            if err.status != 409:  # 409: nothing routable, as the local refusal
                raise
            typer.echo(f"error: {err.message}", err=True)
            return ExitCode.FAILED
    if ask.fmt is AllowedFormat.litellm:
        return _litellm_view(document, ask.litellm_config, given, str(body["data_class"]))
    typer.echo(render_json(document), nl=False)
    return ExitCode.OK


OUTPUTS: dict[AllowedFormat, Callable[[Allowed], ExitCode]] = {
    AllowedFormat.table: _table,
    AllowedFormat.json: _json,
    AllowedFormat.openrouter: _router("openrouter", _openrouter_warnings),
    AllowedFormat.litellm: _litellm,
    AllowedFormat.vercel: _router("vercel", _vercel_warnings),
}


def allowed(
    policy: PolicyOpt,
    data_class: DataClassOpt = None,
    model: ModelOpt = None,
    catalog: CatalogOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[AllowedFormat, typer.Option("--format", help="Output format.")] = (
        AllowedFormat.table
    ),
    litellm_config: Annotated[
        Path | None,
        typer.Option(
            "--litellm-config",
            help="With --format litellm: a LiteLLM proxy config to print with only its "
            "permitted model_list entries (each tagged clearance:<data class>).",
        ),
    ] = None,
    env: EnvOpt = None,
    env_file: EnvFileOpt = None,
    allow_unknown_targets: AllowUnknownTargetsOpt = False,
    attestations: AttestationsOpt = None,
    verbose: VerboseOpt = False,
    server: ServerOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Print the deployments the policy permits for a data class (exit 0 even when none;
    router formats exit 1 rather than print something that would not restrict routing).
    With --server, the registry's answer for its stored policy of the same org and name
    (exit 2 if that is another revision, 3 if the registry cannot answer)."""
    if litellm_config is not None and fmt is not AllowedFormat.litellm:
        fail("--litellm-config is only used with --format litellm")
    if server:
        remote = Remote(
            policy, data_class, model, fmt, litellm_config, env, env_file, catalog, as_of, verbose
        )
        code = run_remote(lambda: _remote(remote, server, api_key, attestations))
        raise typer.Exit(int(code))
    day = parse_as_of(as_of)
    loaded, public = read_checked(policy, catalog, allow_unknown_targets)
    cat = org_view(public, attestations, day, loaded.policy.org)
    result = guarded(lambda: Engine().evaluate(loaded, cat, data_class, model, day))
    cls = guarded(lambda: loaded.data_class(data_class))
    given = guarded(lambda: read_env(env or [], env_file or []))
    ctx = Allowed(result, cat, cls, litellm_config, given, verbose)
    raise typer.Exit(int(OUTPUTS[fmt](ctx)))
