"""`clearance serve` as a real process on a free loopback port, for the end-to-end tests.

    with ServeProcess(database_url, logs_dir) as server:
        server.client.get("/readyz")            # authenticated as the first-run admin
        acme = server.client_for("acme", "editor")  # a key made with `clearance keys create`

The process runs the console script next to ``sys.executable`` with the repository root as
working directory (so the shipped ``provider_catalog/`` and ``policies/`` seed an empty
store). ``start()`` waits until ``GET /readyz`` answers 200 and fails with the process's
output if it does not; ``stop()`` terminates it (then kills it) and is safe to call twice.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

from tests.pgserver import free_port

ROOT = Path(__file__).resolve().parent.parent
CLEARANCE = Path(sys.executable).parent / "clearance"
HOST = "127.0.0.1"
# a loaded 2-core CI machine can need more than 20 s; the wait ends as soon as it is ready
READY_TIMEOUT = 60.0
_START_ATTEMPTS = 3
_PORT_CONFLICT = ("address already in use", "error while attempting to bind")


def child_env() -> dict[str, str]:
    """The caller's environment without settings that would redirect the service."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CLEARANCE_DATA_DIR", "CLEARANCE_CATALOG")
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `clearance ARGS` as a process from the repository root."""
    return subprocess.run(
        [str(CLEARANCE), *args],
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class ServeProcess:
    """One `clearance serve` process; see the module docstring."""

    def __init__(
        self,
        database_url: str,
        logs: Path,
        *,
        poll_interval: float = 0.2,
        max_staleness: float = 300.0,
        extra: tuple[str, ...] = (),
        name: str = "serve",
        wait_ready: bool = True,
        api_key: str | None = None,
    ) -> None:
        self.database_url = database_url
        self.logs = logs
        self.poll_interval = poll_interval
        self.max_staleness = max_staleness
        self.extra = extra
        self.name = name
        self.wait_ready = wait_ready
        self._api_key = api_key
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None
        self._extra_clients: list[httpx.Client] = []
        self._out: IO[bytes] | None = None
        self._err: IO[bytes] | None = None

    # -- public API ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def key_file(self) -> Path:
        return self.logs / f"{self.name}-admin.key"

    @property
    def api_key(self) -> str | None:
        """The key given, else the first-run admin key this process wrote (org example)."""
        if self._api_key is None and self.key_file.is_file():
            self._api_key = self.key_file.read_text().strip()
        return self._api_key

    @property
    def client(self) -> httpx.Client:
        """A client authenticated with `api_key` (when there is one)."""
        if self._client is None:
            key = self.api_key
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            self._client = httpx.Client(base_url=self.base_url, timeout=10.0, headers=headers)
        return self._client

    def create_key(self, org: str, role: str) -> str:
        """A new key made with the real CLI against this process's database."""
        made = run_cli(
            "keys", "create", "--org", org, "--role", role, "--database", self.database_url
        )
        if made.returncode != 0:
            raise RuntimeError(f"keys create failed: {made.stderr}")
        return made.stdout.strip()

    def new_key(self, org: str, role: str = "admin", timeout: float = 10.0) -> str:
        """A new key of `org` (real CLI), returned once this process accepts it."""
        key = self.create_key(org, role)
        headers = {"Authorization": f"Bearer {key}"}
        deadline = time.monotonic() + timeout
        while (
            httpx.get(f"{self.base_url}/v1/orgs/{org}/policies", headers=headers).status_code == 401
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the key for {org} was not picked up in {timeout:g} s")
            time.sleep(0.05)
        return key

    def client_for(self, org: str, role: str = "admin") -> httpx.Client:
        """A client holding a new key of `org` (closed by `stop()`)."""
        key = self.new_key(org, role)
        client = httpx.Client(
            base_url=self.base_url, timeout=10.0, headers={"Authorization": f"Bearer {key}"}
        )
        self._extra_clients.append(client)
        return client

    @property
    def stderr_path(self) -> Path:
        return self.logs / f"{self.name}.stderr"

    @property
    def stdout_path(self) -> Path:
        return self.logs / f"{self.name}.stdout"

    def output(self) -> str:
        """What the process wrote so far (stdout, then stderr)."""
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            with contextlib.suppress(OSError):
                parts.append(f"--- {path.name} ---\n{path.read_text(errors='replace')}")
        return "\n".join(parts)

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for attempt in range(_START_ATTEMPTS):
            self._spawn()
            if not self.wait_ready:
                return
            try:
                self._wait_ready()
                return
            except RuntimeError:
                conflict = any(m in self.output().lower() for m in _PORT_CONFLICT)
                self.stop()
                if not conflict or attempt == _START_ATTEMPTS - 1:
                    raise

    def stop(self) -> None:
        """Terminate (then kill) the process and close the client; safe to call twice."""
        if self._client is not None:
            self._client.close()
            self._client = None
        for extra in self._extra_clients:
            extra.close()
        self._extra_clients.clear()
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        for handle in (self._out, self._err):
            if handle is not None:
                handle.close()
        self._out = self._err = None

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals -----------------------------------------------------------------------

    def _spawn(self) -> None:
        self.port = free_port()
        argv = [
            str(CLEARANCE),
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--database",
            self.database_url,
            "--poll-interval",
            str(self.poll_interval),
            "--max-staleness",
            str(self.max_staleness),
            "--admin-key-file",
            str(self.key_file),
            *self.extra,
        ]
        self._out = self.stdout_path.open("wb")
        self._err = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
        )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        last = "no answer yet"
        while time.monotonic() < deadline:
            process = self.process
            if process is None or process.poll() is not None:
                code = None if process is None else process.returncode
                raise RuntimeError(
                    f"clearance serve exited ({code}) before it was ready\n{self.output()}"
                )
            try:
                response = httpx.get(f"{self.base_url}/readyz", timeout=2.0)
            except httpx.TransportError as err:
                last = f"{type(err).__name__}: {err}"
            else:
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:300]}"
            time.sleep(0.05)
        raise RuntimeError(
            f"clearance serve not ready after {READY_TIMEOUT:g} s (last: {last})\n{self.output()}"
        )
