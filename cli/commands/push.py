"""`clearance push FILE…` and `clearance pull KIND NAME`: policies and attestations files
to and from a registry (--server), through cli/client.py (unreachable or 5xx: exit 3).

A file is a policy (top-level `policy:`) or an attestations file (`attestations:`); its
`org:` and name pick the URL. Push sends the file's bytes as application/yaml. Replacing
needs the current ETag: push GETs it first and sends it in If-Match (creating sends
If-None-Match: *), so a file someone else created or changed in between is refused (412),
never silently overwritten by a stale read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from cli.common import fail
from cli.exitcodes import ExitCode
from registry.attestations.loader import attestations_from_document
from registry.codes import Code
from registry.errors import InputError, Problem
from registry.policy.loader import policy_from_document
from registry.yamlload import load_file

if TYPE_CHECKING:
    from cli.client import ServiceRefusedError, ServiceUnavailableError

ServerOpt = Annotated[
    str,
    typer.Option(
        "--server", envvar="CLEARANCE_SERVER", help="Registry URL, e.g. http://host:8080."
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="CLEARANCE_API_KEY",
        help="API key of the org (editor or admin to push; viewer is enough to pull).",
    ),
]
Kind = Literal["policies", "attestations"]
KINDS: dict[str, Kind] = {"policy": "policies", "attestations": "attestations"}


def resource_of(path: Path) -> tuple[Kind, str, str]:
    """(kind, org, name) of a policy or attestations file, validated here first (the strict
    loader and the schema: a file that cannot pass never reaches the server); InputError
    (exit 2, file:line) otherwise — also for an unreadable or non-UTF-8 file."""
    doc = load_file(path)
    data = doc.data
    if isinstance(data, dict) and isinstance(data.get("attestations"), str):
        found = attestations_from_document(doc)
        return "attestations", found.org, found.name
    if isinstance(data, dict) and isinstance(data.get("policy"), str):
        policy = policy_from_document(doc)
        return "policies", policy.policy.org, policy.name
    raise InputError(
        [
            Problem(
                Code.N003,
                "neither a policy nor an attestations file",
                "start the file with `policy: NAME` or `attestations: NAME`, and `org: ORG`",
                str(path),
                1,
            )
        ]
    )


def url_of(server: str, kind: Kind, org: str, name: str) -> str:
    return f"{server.rstrip('/')}/v1/orgs/{org}/{kind}/{name}"


def push_one(server: str, api_key: str | None, path: Path) -> str:
    """PUT one file with the precondition its current state needs; the line to print."""
    from cli.client import call  # httpx only when talking to a server

    kind, org, name = resource_of(path)
    raw = path.read_bytes()
    url = url_of(server, kind, org, name)
    current = call("GET", url, api_key, headers={"Accept": "application/json"}, allow=(404,))
    precondition = (
        {"If-None-Match": "*"}
        if current.status_code == 404
        else {"If-Match": current.headers.get("etag", "")}
    )
    put = call(
        "PUT",
        url,
        api_key,
        content=raw,
        headers={"Content-Type": "application/yaml", **precondition},
    )
    body = put.json()
    verb = "created" if put.status_code == 201 else "pushed"
    what = "policy" if kind == "policies" else "attestations"
    return f"{verb} {what} {org}/{name}: revision {body['revision']} ({body['etag']})"


def _exit_for(err: ServiceRefusedError | ServiceUnavailableError | InputError) -> ExitCode:
    from cli.client import ServiceUnavailableError

    return ExitCode.UNREACHABLE if isinstance(err, ServiceUnavailableError) else ExitCode.INVALID


def push(
    files: Annotated[list[Path], typer.Argument(help="Policy and attestations files (YAML).")],
    server: ServerOpt,
    api_key: ApiKeyOpt = None,
) -> None:
    """Create or replace policies and attestations files on the registry, in order; stops at
    the first refusal. Exit 0 all pushed, 2 a file or the server refused one (the problem
    is printed), 3 the registry was unreachable or failed."""
    from cli.client import ServiceRefusedError, ServiceUnavailableError

    for path in files:
        if not path.is_file():
            fail(f"{path}: no such file")
        try:
            typer.echo(push_one(server, api_key, path))
        except InputError as err:
            typer.echo(err.render(), err=True)
            raise typer.Exit(int(ExitCode.INVALID)) from None
        except (ServiceRefusedError, ServiceUnavailableError) as err:
            typer.echo(f"error: {path}: {err.message}\nFix: {err.remedy}", err=True)
            raise typer.Exit(int(_exit_for(err))) from None


def pull(
    kind: Annotated[str, typer.Argument(help="policy | attestations")],
    name: Annotated[str, typer.Argument(help="Name of the policy or attestations file.")],
    org: Annotated[str, typer.Option("--org", help="Organization that holds it.")],
    server: ServerOpt,
    api_key: ApiKeyOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Fetch the stored text of a policy or attestations file (as it was pushed). Exit 0,
    2 not found or refused, 3 the registry was unreachable or failed."""
    from cli.client import ServiceRefusedError, ServiceUnavailableError, call

    if kind not in KINDS:
        fail(f"kind {kind!r}: use policy or attestations")
    url = url_of(server, KINDS[kind], org, name)
    try:
        response = call("GET", url, api_key, headers={"Accept": "application/yaml"})
    except (ServiceRefusedError, ServiceUnavailableError) as err:
        typer.echo(f"error: {err.message}\nFix: {err.remedy}", err=True)
        raise typer.Exit(int(_exit_for(err))) from None
    if output is None:
        typer.echo(response.text, nl=False)
    else:
        output.write_text(response.text)
        typer.echo(
            f"wrote {kind} {org}/{name} ({response.headers.get('etag')}) to {output}", err=True
        )
