"""Remote mode of `allowed`, `explain` and `gate` (`--server`, cli/remote.py): answers from a
real `clearance serve` process over loopback, through `clearance_client` and real httpx.

The registry judges with its stored policy; a local `--policy` file of another revision
(the issue: 14 days locally, 30 on the server) fails closed with both revisions, exit 2.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from clearance_client import AsyncClearanceClient, ClearanceClient, NotFound
from cli.exitcodes import ExitCode
from registry.policy.loader import load_policy
from tests.pgserver import free_port
from tests.serveproc import ROOT, ServeProcess

POLICY = ROOT / "policies" / "eu-confidential.yaml"
MANIFEST = "tests/manifests/litellm_multi_cloud.yaml"
CLASS = ["--data-class", "confidential"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """One registry for the module, seeded with the example policies (org `example`)."""
    where = tmp_path_factory.mktemp("registry")
    with ServeProcess(f"sqlite:///{where / 'r.db'}", where / "logs") as process:
        yield process


@pytest.fixture(scope="module")
def key(server: ServeProcess) -> str:
    """A router key of org `example`, as CI would hold."""
    return server.new_key("example", "router")


@pytest.fixture
def remote(server: ServeProcess, key: str) -> dict[str, str]:
    return {"CLEARANCE_SERVER": server.base_url, "CLEARANCE_API_KEY": key}


@pytest.fixture
def drifted(tmp_path: Path) -> Path:
    """The example policy with a stricter retention than the stored one (14 vs 30 days)."""
    text = POLICY.read_text()
    assert "max_prompt_retention_days: 30" in text
    path = tmp_path / "eu-confidential.yaml"
    path.write_text(text.replace("max_prompt_retention_days: 30", "max_prompt_retention_days: 14"))
    return path


def _without_file(value: Any) -> Any:
    """The registry cites its stored policy as `org/name`, the CLI the local file: else
    the answers are equal."""
    if isinstance(value, dict):
        return {k: _without_file(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [_without_file(v) for v in value]
    return value


def test_allowed_remote_answers_as_the_local_run(
    app: typer.Typer, runner: CliRunner, in_repo: Path, remote: dict[str, str]
) -> None:
    args = ["allowed", "--policy", str(POLICY), *CLASS, "--format", "json"]
    local = runner.invoke(app, args)
    answered = runner.invoke(app, args, env=remote)
    assert local.exit_code == answered.exit_code == ExitCode.OK, answered.output
    mine, theirs = json.loads(local.stdout), json.loads(answered.stdout)
    assert theirs["permitted"] == mine["permitted"] and mine["permitted"]
    assert _without_file(theirs["denied"]) == _without_file(mine["denied"])
    assert theirs["policy_meaning_revision"] == mine["policy_revision"]
    for extra in ([], ["--verbose"]):  # the same table as locally, from the registry's answer
        table = runner.invoke(app, [*args[:-2], *extra], env=remote)
        assert table.exit_code == ExitCode.OK, table.output
        assert table.stdout == runner.invoke(app, [*args[:-2], *extra]).stdout


def test_allowed_remote_router_format_is_the_local_document(
    app: typer.Typer, runner: CliRunner, in_repo: Path, remote: dict[str, str]
) -> None:
    args = ["allowed", "--policy", str(POLICY), "--format", "openrouter"]
    local = runner.invoke(app, args)
    answered = runner.invoke(app, args, env=remote)
    assert local.exit_code == answered.exit_code == ExitCode.OK, answered.output
    assert json.loads(answered.stdout) == json.loads(local.stdout)
    assert json.loads(answered.stdout)["provider"]["only"]
    # nothing routable (the registry's 409) is exit 1, as locally, never an empty `only`
    nothing = runner.invoke(app, [*args, *CLASS], env=remote)
    assert nothing.exit_code == runner.invoke(app, [*args, *CLASS]).exit_code == ExitCode.FAILED
    assert nothing.stdout == "" and "would not restrict routing" in nothing.stderr


def test_explain_remote_answers_as_the_local_run(
    app: typer.Typer, runner: CliRunner, in_repo: Path, remote: dict[str, str]
) -> None:
    permitted = json.loads(
        runner.invoke(app, ["allowed", "--policy", str(POLICY), *CLASS, "--format", "json"]).stdout
    )
    denied = sorted(permitted["denied"])[0]
    for target, code in ((permitted["permitted"][0], ExitCode.OK), (denied, ExitCode.FAILED)):
        args = ["explain", target, "--policy", str(POLICY), *CLASS, "--format", "json"]
        local = runner.invoke(app, args)
        answered = runner.invoke(app, args, env=remote)
        assert local.exit_code == answered.exit_code == code, answered.output
        assert _without_file(json.loads(answered.stdout)) == _without_file(json.loads(local.stdout))
        table = runner.invoke(app, args[:-2], env=remote)
        assert table.exit_code == code and target in table.stdout


def test_another_local_revision_fails_closed_with_both_revisions(
    app: typer.Typer, runner: CliRunner, in_repo: Path, remote: dict[str, str], drifted: Path
) -> None:
    mine = load_policy(drifted).revision
    stored = load_policy(POLICY).revision
    assert mine != stored
    commands = [
        ["allowed", "--policy", str(drifted), *CLASS],
        ["explain", "openai/eu", "--policy", str(drifted), *CLASS],
        ["gate", MANIFEST, "--policy", str(drifted), *CLASS],
    ]
    for args in commands:
        result = runner.invoke(app, args, env=remote)
        assert result.exit_code == ExitCode.INVALID, (args, result.output)
        assert "CLR-N004" in result.stderr and mine in result.stderr and stored in result.stderr
        assert "clearance pull policy eu-confidential --org example" in result.stderr
        assert result.stdout == ""
    # the report a CI step uploads says so too, and never that anything is compliant
    report = runner.invoke(app, [*commands[2], "--format", "json"], env=remote)
    assert report.exit_code == ExitCode.INVALID
    assert json.loads(report.stdout)["compliant"] is False
    assert json.loads(report.stdout)["problems"][0]["code"] == "CLR-N004"


def test_a_comment_is_not_another_revision(
    app: typer.Typer, runner: CliRunner, in_repo: Path, remote: dict[str, str], tmp_path: Path
) -> None:
    commented = tmp_path / "eu-confidential.yaml"
    commented.write_text("# our copy, reviewed 2026-11\n" + POLICY.read_text())
    result = runner.invoke(app, ["gate", MANIFEST, "--policy", str(commented), *CLASS], env=remote)
    assert result.exit_code == ExitCode.FAILED, result.output  # the manifest's violations
    assert "CLR-N004" not in result.output


def test_unreachable_registry_exits_three(
    app: typer.Typer, runner: CliRunner, in_repo: Path, key: str
) -> None:
    closed = {"CLEARANCE_SERVER": f"http://127.0.0.1:{free_port()}", "CLEARANCE_API_KEY": key}
    for args in (
        ["allowed", "--policy", str(POLICY)],
        ["explain", "openai/eu", "--policy", str(POLICY)],
    ):
        result = runner.invoke(app, args, env=closed)
        assert result.exit_code == ExitCode.UNREACHABLE, result.output
        assert "CLR-K001" in result.stderr and "cannot reach" in result.stderr
        assert "after 3 attempt(s)" in result.stderr  # the client's retries
        assert "Traceback" not in result.output and result.stdout == ""


@pytest.fixture
def failing_service() -> Iterator[str]:
    """A stand-in for a broken registry (not ours to run): every request answers 503."""

    class Broken(BaseHTTPRequestHandler):
        def _fail(self) -> None:
            self.send_response(503)
            self.send_header("Content-Type", "application/problem+json")
            self.end_headers()
            self.wfile.write(b'{"detail": "store unreachable", "code": "CLR-A503"}')

        def do_GET(self) -> None:
            self._fail()

        def do_POST(self) -> None:
            self._fail()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_failing_registry_exits_three(
    app: typer.Typer, runner: CliRunner, in_repo: Path, failing_service: str
) -> None:
    env = {"CLEARANCE_SERVER": failing_service, "CLEARANCE_API_KEY": "clr_x"}
    for args in (
        ["allowed", "--policy", str(POLICY), "--format", "json"],
        ["explain", "openai/eu", "--policy", str(POLICY)],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == ExitCode.UNREACHABLE, result.output
        assert "CLR-A503" in result.stderr and "store unreachable" in result.stderr
        assert result.stdout == ""


def test_refusals_and_local_only_options_exit_two(
    app: typer.Typer, runner: CliRunner, in_repo: Path, server: ServeProcess, key: str
) -> None:
    url = {"CLEARANCE_SERVER": server.base_url}
    anonymous = runner.invoke(app, ["allowed", "--policy", str(POLICY)], env=url)
    assert anonymous.exit_code == ExitCode.INVALID and "CLR-N005" in anonymous.stderr
    revoked = runner.invoke(
        app, ["explain", "openai/eu", "--policy", str(POLICY), "--api-key", "clr_nope"], env=url
    )
    assert revoked.exit_code == ExitCode.INVALID and "401" in revoked.stderr
    unknown = runner.invoke(
        app, ["explain", "no-such-ai", "--policy", str(POLICY), "--api-key", key], env=url
    )
    assert unknown.exit_code == ExitCode.INVALID and "no-such-ai" in unknown.stderr
    for extra in (["--as-of", "2026-01-01"], ["--catalog", "provider_catalog"]):
        for command in (["allowed"], ["explain", "openai/eu"], ["gate", MANIFEST]):
            args = [*command, "--policy", str(POLICY), *extra, "--api-key", key]
            result = runner.invoke(app, args, env=url)
            assert result.exit_code == ExitCode.INVALID, (args, result.output)
            assert "CLR-N006" in result.stderr and extra[0] in result.stderr


def test_client_explain_and_gate(server: ServeProcess, key: str) -> None:
    manifest = (ROOT / MANIFEST).read_text()
    with ClearanceClient(server.base_url, key) as client:
        explained = client.explain("example", "eu-confidential", "openai/eu", "confidential")
        report = client.gate("example", "eu-confidential", [("m.yaml", manifest)], "confidential")
        with pytest.raises(NotFound) as missing:
            client.gate("example", "no-such-policy", [("m.yaml", manifest)])
    stored = load_policy(POLICY).revision
    assert [t["target"] for t in explained["targets"]] == ["openai/eu"]
    assert explained["policy_meaning_revision"] == report["policy_meaning_revision"] == stored
    assert report["compliant"] is False and report["results"][0]["file"] == "m.yaml"
    assert missing.value.status == 404 and "PUT it" in missing.value.remedy

    async def ask_async() -> tuple[dict[str, Any], dict[str, Any]]:
        async with AsyncClearanceClient(server.base_url, key) as aio:
            explained = await aio.explain("example", "eu-confidential", "openai")
            report = await aio.gate("example", "eu-confidential", [("m.yaml", manifest)])
            return explained, report

    explained_async, report_async = asyncio.run(ask_async())
    assert {t["target"] for t in explained_async["targets"]} >= {"openai/eu"}
    assert report_async["summary"]["entries"] == report["summary"]["entries"]
