"""Long operations show progress on a terminal and nothing elsewhere (issue 15 item 7).

The CLI runs in a real subprocess whose stderr is a pseudo-terminal (or a pipe); the report
on stdout must be the same either way."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

TIMEOUT = 300  # seconds: a bound for a hung run, not a speed target
CLI = "import sys; sys.argv[0] = 'clearance'; from cli.main import run; run()"
GATE = [
    "gate",
    "tests/manifests/litellm_multi_cloud.yaml",
    "tests/manifests/litellm_eu_sovereign.yaml",
    "--policy",
    "policies/eu-confidential.yaml",
    "--as-of",
    "2026-11-26",
]


def _drain(process: subprocess.Popen[bytes], out: int, err: int) -> tuple[bytes, bytes]:
    """Read stdout (a pipe) and stderr (the terminal) together until both close, so that
    neither fills up while the other is waited for."""
    chunks: dict[int, list[bytes]] = {out: [], err: []}
    open_fds = {out, err}
    deadline = time.monotonic() + TIMEOUT
    while open_fds:
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError("the CLI did not finish")
        ready, _, _ = select.select(list(open_fds), [], [], 0.5)
        if not ready and process.poll() is not None and err in open_fds:
            open_fds.discard(err)  # a terminal may stay open after its last writer exits
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the terminal closed with the process
                data = b""
            if data:
                chunks[fd].append(data)
            else:
                open_fds.discard(fd)
    return b"".join(chunks[out]), b"".join(chunks[err])


def run_cli(args: list[str], *, terminal: bool) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI with stderr on a terminal or a pipe."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    command = [sys.executable, "-c", CLI, *args]
    if not terminal:
        done = subprocess.run(
            command,
            check=False,
            cwd=ROOT,
            env=env,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT,
        )
        return done.returncode, done.stdout.decode(), done.stderr.decode()
    master, slave = pty.openpty()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave
    )
    os.close(slave)
    assert process.stdout is not None
    out, err = _drain(process, process.stdout.fileno(), master)
    os.close(master)
    return process.wait(timeout=TIMEOUT), out.decode(), err.decode(errors="replace")


def test_the_gate_shows_progress_on_a_terminal_only() -> None:
    code, out, err = run_cli(GATE, terminal=True)
    plain_code, plain_out, plain_err = run_cli(GATE, terminal=False)
    assert code == plain_code == 1
    assert "clearance gate" in err and "\x1b[" in err  # a live bar on the terminal
    assert plain_err == ""  # nothing in CI logs
    assert out == plain_out  # the report is the same


def test_catalog_import_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'clearance.db'}"
    args = ["catalog", "import", "provider_catalog", "--database", database]
    code, out, err = run_cli(args, terminal=True)
    assert code == 0, err
    assert out.startswith("imported ") and "catalog import" in err
    code, out, err = run_cli(args, terminal=False)
    assert code == 0 and err == ""
    assert out.startswith("unchanged: ")
