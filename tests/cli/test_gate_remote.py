"""`clearance gate --server`: the same report from a real registry process; exit 3 when it
is unreachable or failing, never 0."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from tests.serveproc import ServeProcess

ARGS = [
    "tests/manifests/litellm_multi_cloud.yaml",
    "--policy",
    "policies/eu-confidential.yaml",
    "--data-class",
    "confidential",
    "--format",
    "json",
]


@pytest.fixture
def failing_service() -> Iterator[str]:
    """A stand-in for a broken registry (not ours to run): every POST answers 503."""

    class Broken(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(503)
            self.send_header("Content-Type", "application/problem+json")
            self.end_headers()
            self.wfile.write(b'{"detail": "store unreachable"}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_remote_report_equals_the_local_one(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    local = runner.invoke(app, ["gate", *ARGS])
    assert local.exit_code == ExitCode.FAILED
    with ServeProcess(f"sqlite:///{tmp_path / 'r.db'}", tmp_path / "logs") as server:
        key = server.new_key("example", "router")
        server_args = ["--server", server.base_url]
        remote = runner.invoke(app, ["gate", *ARGS, *server_args, "--api-key", key])
        text = runner.invoke(
            app, ["gate", *ARGS[:-2], *server_args], env={"CLEARANCE_API_KEY": key}
        )
        anonymous = runner.invoke(app, ["gate", *ARGS, *server_args])
        revoked = runner.invoke(app, ["gate", *ARGS, *server_args, "--api-key", "clr_nope"])
    assert revoked.exit_code == ExitCode.INVALID, revoked.output
    assert "401" in revoked.output and key not in revoked.output
    assert anonymous.exit_code == ExitCode.INVALID, anonymous.output
    assert "CLR-N005" in anonymous.output and "--api-key" in anonymous.output
    assert remote.exit_code == ExitCode.FAILED, remote.output
    mine, theirs = json.loads(local.stdout), json.loads(remote.stdout)
    assert _without_policy_file(theirs["results"]) == _without_policy_file(mine["results"])
    assert theirs["summary"] == mine["summary"]
    assert text.exit_code == ExitCode.FAILED
    assert "VIOLATION" in text.stdout


def _without_policy_file(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The service names its stored policy `org/name`, the CLI the local file: else equal."""
    for result in results:
        for reasons in result["denied"].values():
            for reason in reasons:
                reason["source"].pop("file")
    return results


def test_unreachable_or_failing_service_exits_three(
    app: typer.Typer, runner: CliRunner, failing_service: str, in_repo: Path
) -> None:
    failing = runner.invoke(app, ["gate", *ARGS, "--server", failing_service, "--api-key", "clr_x"])
    assert failing.exit_code == ExitCode.UNREACHABLE
    assert "503" in failing.stderr
    # the report asked for still says why, and never that anything is compliant
    report = json.loads(failing.stdout)
    assert report["compliant"] is False
    assert report["problems"][0]["code"] == "CLR-K002"  # the client's: 5xx after retries
    assert "after 3 attempt(s)" in failing.stderr
    closed = runner.invoke(
        app,
        ["gate", *ARGS],
        env={"CLEARANCE_SERVER": "http://127.0.0.1:9", "CLEARANCE_API_KEY": "clr_x"},
    )
    assert closed.exit_code == ExitCode.UNREACHABLE
    assert "cannot reach" in closed.stderr
