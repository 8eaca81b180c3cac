"""`clearance gate`: check deploy manifests against a policy (0 compliant, 1 violations,
2 invalid input)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cli.common import (
    AllowUnknownTargetsOpt,
    AsOfOpt,
    AttestationsOpt,
    CatalogOpt,
    DataClassOpt,
    EnvFileOpt,
    EnvOpt,
    PolicyOpt,
    VerboseOpt,
    as_of_date,
    attestation_paths,
    catalog_dir,
)
from cli.env import read_env
from cli.exitcodes import ExitCode
from cli.outputs.console import console, progress_steps
from cli.outputs.gate import colour_text, error_json, error_text, to_json, to_text
from cli.outputs.gate_ci import (
    error_github,
    error_junit,
    error_sarif,
    to_github,
    to_junit,
    to_sarif,
)
from cli.remote import (
    ApiKeyOpt,
    Registry,
    ServerOpt,
    ServiceRefusedError,
    ServiceUnavailableError,
    refuse_local_options,
    same_policy,
)
from registry.attestations.apply import org_view_of
from registry.catalog.loader import load_catalog
from registry.codes import Code
from registry.errors import ClearanceError, InputError, Problem
from registry.gate.check import run_gate
from registry.gate.report import GateReport, report_from_json
from registry.policy.expiry import EXPIRY_WARNING_DAYS
from registry.policy.loader import LoadedPolicy, load_policy
from registry.policy.targets import check_targets


class GateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"
    github = "github"


def _remote(args: GateArgs, loaded: LoadedPolicy) -> GateReport:
    """The registry's report on the manifests, judged with its stored policy of the same org
    and name, which must be the revision of `--policy` (cli/remote.py)."""
    refuse_local_options(
        "clearance gate",
        catalog=args.catalog,
        as_of=args.as_of,
        attestations=bool(args.attestations),
    )
    manifests = [(str(p), _manifest_text(p)) for p in args.manifests]
    with Registry(args.server or "", args.api_key, "clearance gate") as registry:
        try:
            answer = registry.gate(loaded, manifests, args.data_class, args.env)
        except ServiceRefusedError as err:
            raise _input_error(f"{err.code} {err.message}", err.remedy) from None
    same_policy(answer, loaded, args.policy)
    return report_from_json(answer)


def _manifest_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "it is not UTF-8"
        message = f"cannot read manifest {path}: {reason}"
        raise _input_error(message, "pass readable UTF-8 files") from None


def _input_error(message: str, remedy: str) -> InputError:
    return InputError([Problem(Code.G004, message, remedy, "clearance gate")])


def _problem_of(err: ClearanceError) -> Problem:
    return Problem(err.code, err.message, err.remedy, "clearance gate")


RENDER = {
    GateFormat.text: to_text,
    GateFormat.json: to_json,
    GateFormat.sarif: to_sarif,
    GateFormat.junit: to_junit,
    GateFormat.github: to_github,
}
RENDER_ERROR = {
    GateFormat.text: error_text,
    GateFormat.json: error_json,
    GateFormat.sarif: error_sarif,
    GateFormat.junit: error_junit,
    GateFormat.github: error_github,
}


@dataclass(frozen=True, kw_only=True)
class GateArgs:
    """What `clearance gate` was asked, for the local or the remote run."""

    manifests: list[Path]
    policy: Path
    data_class: str | None
    catalog: Path | None
    as_of: str | None
    server: str | None
    api_key: str | None
    env: dict[str, str]
    allow_unknown_targets: bool
    warn_days: int
    attestations: list[Path]


def _report(args: GateArgs, progress: Callable[[str, int, int], None] | None = None) -> GateReport:
    """The report, or InputError for anything that stops the gate from judging."""
    loaded = load_policy(args.policy)
    if args.server:
        return _remote(args, loaded)
    day = as_of_date(args.as_of, "clearance gate")
    cat = load_catalog(catalog_dir(args.catalog))
    if not args.allow_unknown_targets:
        check_targets(loaded, cat)
    cat = org_view_of(cat, args.attestations, day, loaded.policy.org)
    return run_gate(
        loaded,
        cat,
        args.manifests,
        args.data_class,
        day,
        env=args.env,
        warn_days=args.warn_days,
        progress=progress,
    )


def _emit(text: str, fmt: GateFormat, output: Path | None, coloured: bool) -> None:
    if output is not None:
        output.write_text(text)
    elif coloured:
        colour_text(text, console())
    else:
        typer.echo(text, nl=False)


def gate(
    manifests: Annotated[
        list[Path],
        typer.Argument(
            help="Deploy manifests (LiteLLM config, OpenRouter request, Clearance manifest)."
        ),
    ],
    policy: PolicyOpt,
    data_class: DataClassOpt = None,
    catalog: CatalogOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[GateFormat, typer.Option("--format", help="Report format.")] = (GateFormat.text),
    output: Annotated[Path | None, typer.Option("--output", help="Write the report here.")] = None,
    env: EnvOpt = None,
    env_file: EnvFileOpt = None,
    allow_unknown_targets: AllowUnknownTargetsOpt = False,
    warn_days: Annotated[
        int,
        typer.Option(
            "--warn-expiring-days",
            min=0,
            help="Warn about exceptions that expire within this many days.",
        ),
    ] = EXPIRY_WARNING_DAYS,
    server: ServerOpt = None,
    api_key: ApiKeyOpt = None,
    attestations: AttestationsOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Fail the build when a manifest may send a data class to a deployment the policy
    does not permit (or that the catalog does not know). Exit 0 compliant, 1 violations,
    2 invalid input (the report in --format still says so), 3 the registry (--server) was
    unreachable or failed."""
    coloured = fmt is GateFormat.text and output is None and sys.stdout.isatty()
    try:
        args = GateArgs(
            manifests=manifests,
            policy=policy,
            data_class=data_class,
            catalog=catalog,
            as_of=as_of,
            server=server,
            api_key=api_key,
            env=read_env(env or [], env_file or []),
            allow_unknown_targets=allow_unknown_targets,
            warn_days=warn_days,
            attestations=attestation_paths(attestations),
        )
        with progress_steps("clearance gate") as progress:
            report = _report(args, progress)
    except ServiceUnavailableError as err:
        _fail(fmt, output, (_problem_of(err),), ExitCode.UNREACHABLE)
    except InputError as err:
        _fail(fmt, output, err.problems, ExitCode.INVALID)
    except ClearanceError as err:
        _fail(fmt, output, (_problem_of(err),), ExitCode.INVALID)
    text = to_text(report, verbose=verbose) if fmt is GateFormat.text else RENDER[fmt](report)
    _emit(text, fmt, output, coloured)
    raise typer.Exit(report.exit_code)


def _fail(
    fmt: GateFormat, output: Path | None, problems: tuple[Problem, ...], code: int
) -> NoReturn:
    """Print the problems and still write a report in the format asked for, carrying them
    (a CI step that uploads the report then shows the failure, not a missing file)."""
    typer.echo(error_text(problems), err=True, nl=False)
    if fmt is not GateFormat.text or output is not None:
        _emit(RENDER_ERROR[fmt](problems), fmt, output, coloured=False)
    raise typer.Exit(int(code))
