"""Remote mode: `allowed`, `explain` and `gate --server URL` ask a registry service through
`clearance_client` (one HTTP client: its retries, timeouts and failing closed). httpx and the
client are imported only when `--server` is used.

The registry judges with the policy it stores under the org and name of the local
`--policy` file, never with the file itself: the stored policy is the one the org governs
(a `router` key, CI's key, may run the gate but not change it), so a pull request cannot
loosen its own gate by editing its copy. Neither does the CLI judge silently with another
policy than the one it was given: every answer names the revision of the policy it used
(`policy_meaning_revision`, the hash `allowed --format json` prints as `policy_revision`
for a file), and when it is not the local file's revision the command fails closed (exit 2,
CLR-N004, both revisions, and how to bring them together). Options the registry cannot
honour (`--catalog`, `--as-of`) are refused (exit 2) rather than ignored.

Exit codes: 3 when the registry is unreachable, failing (5xx) or rate limiting (429) after
the client's retries (CLR-K001, CLR-K002, CLR-K003); 2 when it refuses the request (401, 403,
404, 422: the problem's code and remedy are printed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar

import typer

from cli.exitcodes import ExitCode
from registry.codes import Code
from registry.errors import ClearanceError, InputError, Problem

if TYPE_CHECKING:
    from clearance_client import ClearanceClient
    from registry.policy.loader import LoadedPolicy

T = TypeVar("T")

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0  # a gate over many manifests is one request
TOTAL_TIMEOUT = 120.0
DRIFT = Code.N004
NO_KEY = Code.N005

ServerOpt = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="CLEARANCE_SERVER",
        help="Ask this registry (it judges with its stored policy of the --policy file's "
        "org and name, which must be the same revision); unreachable or failing: exit 3.",
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="CLEARANCE_API_KEY",
        help="API key for --server (a router, viewer, editor or admin key of the org).",
    ),
]


class ServiceUnavailableError(ClearanceError):
    """The registry could not be reached or failed (5xx, 429): never treat it as compliant."""


class ServiceRefusedError(ClearanceError):
    """The registry refused the request (4xx): the input is wrong (exit 2)."""

    def __init__(self, code: str, message: str, remedy: str, status: int | None = None) -> None:
        super().__init__(code, message, remedy)
        self.status = status


def refuse_local_options(
    where: str, *, catalog: Path | None, as_of: str | None, attestations: bool
) -> None:
    """InputError naming each local-only option (--catalog, --as-of) given with --server;
    local attestations are only warned about: the registry uses the org's stored ones."""
    given = {"--catalog": catalog, "--as-of": as_of}
    names = [name for name, value in given.items() if value]
    if names:
        raise InputError(
            [
                Problem(
                    Code.N006,
                    f"{', '.join(names)} cannot be used with --server: the registry judges "
                    "with its active catalog, today",
                    "drop the option, or judge locally without --server",
                    where,
                )
            ]
        )
    if attestations:
        typer.echo(
            "warning: --server judges with the org's attestations stored on the registry; "
            "the local --attestations are not used (push them first)",
            err=True,
        )


class Registry:
    """A registry reached with `clearance_client`; each call raises ServiceUnavailableError,
    ServiceRefusedError or InputError (a bad URL or key), never an httpx exception."""

    def __init__(self, server: str, api_key: str | None, where: str) -> None:
        if not api_key:
            raise InputError(
                [
                    Problem(
                        NO_KEY,
                        "--server needs an API key",
                        "pass --api-key, or set CLEARANCE_API_KEY (give CI a router key: "
                        "`clearance keys create --org ORG --role router`)",
                        where,
                    )
                ]
            )
        import httpx

        from clearance_client import ClearanceClient

        timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
        try:
            self._client: ClearanceClient = ClearanceClient(
                server, api_key, max_staleness=0, timeout=timeout, total_timeout=TOTAL_TIMEOUT
            )
        except ValueError as err:
            raise InputError(
                [Problem(Code.N003, str(err), "pass --server http(s)://host:port", where)]
            ) from None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self._client.close()

    def _ask(self, action: Callable[[ClearanceClient], T]) -> T:
        from clearance_client import ClearanceClientError, ServiceUnavailable

        try:
            return action(self._client)
        except ServiceUnavailable as err:
            raise ServiceUnavailableError(err.code, err.message, err.remedy) from None
        except ClearanceClientError as err:
            raise ServiceRefusedError(err.code, err.message, err.remedy, err.status) from None

    def permitted(
        self, loaded: LoadedPolicy, data_class: str | None, model: str | None, fmt: str
    ) -> dict[str, Any]:
        org, name = loaded.policy.org, loaded.name
        return self._ask(lambda c: c.permitted(org, name, data_class, model, fmt).body)

    def explain(
        self, loaded: LoadedPolicy, target: str, data_class: str | None, model: str | None
    ) -> dict[str, Any]:
        org, name = loaded.policy.org, loaded.name
        return self._ask(lambda c: c.explain(org, name, target, data_class, model))

    def gate(
        self,
        loaded: LoadedPolicy,
        manifests: Sequence[tuple[str, str]],
        data_class: str | None,
        env: Mapping[str, str],
    ) -> dict[str, Any]:
        org, name = loaded.policy.org, loaded.name
        return self._ask(lambda c: c.gate(org, name, manifests, data_class, env))


def same_policy(answer: dict[str, Any], loaded: LoadedPolicy, path: Path) -> None:
    """InputError (CLR-N004) unless the registry judged with the revision of the policy in
    `path`: a remote answer about another policy than the one passed is never used."""
    theirs = answer.get("policy_meaning_revision")
    if theirs == loaded.revision:
        return
    org, name = loaded.policy.org, loaded.name
    if theirs is None:
        message = f"the registry did not say which revision of policy {org}/{name} it used"
        remedy = "upgrade the registry, or judge locally without --server"
    else:
        stored = answer.get("policy_revision")
        text = f", stored text {stored}" if stored else ""
        message = (
            f"the registry judges with its stored policy {org}/{name} revision {theirs}{text}; "
            f"{path} is revision {loaded.revision}: they differ, so its answer would not be "
            f"about the policy you passed"
        )
        remedy = (
            f"judge with the stored policy: `clearance pull policy {name} --org {org} "
            f"--output {path}`; or store yours: `clearance push {path}` (editor key)"
        )
    raise InputError([Problem(DRIFT, message, remedy, str(path))])


def run_remote(action: Callable[[], T]) -> T:
    """Run a remote step of `allowed` or `explain`: exit 3 when the registry could not
    answer, 2 when it or the input refused, with the code and the remedy."""
    try:
        return action()
    except InputError as err:
        typer.echo(err.render(), err=True)
        raise typer.Exit(int(ExitCode.INVALID)) from None
    except ServiceUnavailableError as err:
        typer.echo(f"error: {err.code} {err.message}\nFix: {err.remedy}", err=True)
        raise typer.Exit(int(ExitCode.UNREACHABLE)) from None
    except ClearanceError as err:
        typer.echo(f"error: {err.code} {err.message}\nFix: {err.remedy}", err=True)
        raise typer.Exit(int(ExitCode.INVALID)) from None
