"""A throwaway PostgreSQL server for the store tests.

``PostgresServer`` runs a real ``postgres`` in a fresh temporary directory, listening on
127.0.0.1 only, on a free port, with trust auth for the role ``clearance``. Under root (as CI
runs) the server runs as an unprivileged user: ``postgres`` if it exists, else a system user
``clearance-pg`` that it creates. It is stopped and its directory removed by ``close()`` (or
on leaving the ``with`` block, or at interpreter exit as a last resort).

    with PostgresServer() as pg:
        url = pg.new_database("store_test")   # a clean, empty database
        ...
        pg.stop()    # the store is down: clients must fail closed
        pg.start()   # back up on the same port, same data

Binaries come from ``$CLEARANCE_PG_BIN`` (set by ``make unit`` from
``scripts/ensure-postgres.sh``), else the highest ``/usr/lib/postgresql/*/bin``, else PATH.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

ROLE = "clearance"
DATABASE = "clearance"
HOST = "127.0.0.1"
FALLBACK_USER = "clearance-pg"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PORT_CONFLICT = ("Address already in use", "could not bind", "could not create any TCP/IP")
_LOG_TAIL = 30
_START_ATTEMPTS = 3
_SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
)


def find_bin_dir() -> Path:
    """The directory holding pg_ctl, initdb, postgres and createdb."""
    env = os.environ.get("CLEARANCE_PG_BIN", "").strip()
    if env:
        if not os.access(os.path.join(env, "pg_ctl"), os.X_OK):
            raise RuntimeError(f"CLEARANCE_PG_BIN={env} holds no executable pg_ctl")
        return Path(env)

    def version(path: str) -> tuple[int, ...]:
        digits = Path(path).parent.name.split(".")
        return tuple(int(d) for d in digits if d.isdigit())

    candidates = [
        d
        for d in glob.glob("/usr/lib/postgresql/*/bin")
        if all(os.access(os.path.join(d, t), os.X_OK) for t in ("pg_ctl", "initdb", "postgres"))
    ]
    if candidates:
        return Path(max(candidates, key=version))
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(os.path.realpath(pg_ctl)).parent
    raise RuntimeError(
        "no PostgreSQL server binaries found: set CLEARANCE_PG_BIN, or run "
        "scripts/ensure-postgres.sh (as root it installs Debian's postgresql package)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _server_user() -> pwd.struct_passwd:
    """The unprivileged account the server runs as when we are root."""
    for name in ("postgres", FALLBACK_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    result = subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            FALLBACK_USER,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:  # another xdist worker may have created it at the same moment
        return pwd.getpwnam(FALLBACK_USER)
    except KeyError:
        raise RuntimeError(
            f"could not create system user {FALLBACK_USER}: {result.stderr.strip()}"
        ) from None


def _child_env() -> dict[str, str]:
    # PGDATA, PGPORT, PGHOST... from the caller's shell must not redirect our commands.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


class PostgresServer:
    """A private PostgreSQL server on 127.0.0.1:<free port>; see the module docstring."""

    def __init__(self, bin_dir: Path | str | None = None) -> None:
        self.bin_dir = Path(bin_dir) if bin_dir is not None else find_bin_dir()
        self.port = 0
        self._running = False
        self._user: pwd.struct_passwd | None = _server_user() if os.geteuid() == 0 else None
        # Under root the directory must be reachable by the server user: /tmp is world-
        # traversable, and the directory itself is 0700 and owned by that user.
        parent = "/tmp" if self._user is not None else None
        self.root = Path(tempfile.mkdtemp(prefix="clearance-pg-", dir=parent))
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log_path = self.root / "server.log"
        atexit.register(self.close)
        try:
            self.socket_dir.mkdir(mode=0o700)
            if self._user is not None:
                for path in (self.root, self.socket_dir):
                    os.chown(path, self._user.pw_uid, self._user.pw_gid)
            self._initdb()
            self._start_on_free_port()
            self._createdb(DATABASE)
        except BaseException:
            self.close()
            raise

    # -- public API ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """URL of the ``clearance`` database."""
        return self.database_url(DATABASE)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def user(self) -> str:
        """The OS user the server process runs as."""
        return self._user.pw_name if self._user is not None else pwd.getpwuid(os.getuid()).pw_name

    def database_url(self, name: str) -> str:
        return f"postgresql://{ROLE}@{HOST}:{self.port}/{name}"

    def new_database(self, name: str) -> str:
        """Create an empty database ``name`` (lowercase identifier) and return its URL."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"database name must match {_NAME.pattern}: {name!r}")
        self._createdb(name)
        return self.database_url(name)

    def start(self) -> None:
        """Start the server again: same data directory, same port."""
        if self._running:
            return
        if not self.port:
            raise RuntimeError("server was never started")
        ok, output = self._pg_ctl_start()
        if not ok:
            raise self._error(f"postgres did not restart on port {self.port}", output)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are cut)."""
        if not self._running:
            return
        result = self._run(self._pg_ctl("stop", "-m", "fast"))
        if result.returncode != 0:
            raise self._error("pg_ctl stop failed", result.stdout)
        self._running = False

    def close(self) -> None:
        """Stop the server if it runs and remove its directory. Safe to call twice."""
        atexit.unregister(self.close)
        try:
            if self._running:
                result = self._run(self._pg_ctl("stop", "-m", "fast"))
                if result.returncode != 0:
                    self._run(self._pg_ctl("stop", "-m", "immediate"))
                self._running = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return f"<PostgresServer {HOST}:{self.port} {state} {self.root}>"

    # -- internals -----------------------------------------------------------------------

    def _tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _as_server_user(self, argv: list[str]) -> list[str]:
        if self._user is None:
            return argv
        return ["runuser", "-u", self._user.pw_name, "--", *argv]

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            cwd=self.root,
            env=_child_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=60,
            check=False,
        )

    def _pg_ctl(self, *args: str) -> list[str]:
        return self._as_server_user(
            [self._tool("pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "30", *args]
        )

    def _initdb(self) -> None:
        outputs = []
        for locale in ("C.UTF-8", "C"):
            shutil.rmtree(self.data_dir, ignore_errors=True)
            argv = [
                self._tool("initdb"),
                "-D",
                str(self.data_dir),
                "-A",
                "trust",
                "-U",
                ROLE,
                "--encoding",
                "UTF8",
                "--locale",
                locale,
                "--no-sync",
            ]
            result = self._run(self._as_server_user(argv))
            if result.returncode == 0:
                return
            outputs.append(f"--locale {locale}:\n{result.stdout}")
        raise RuntimeError("initdb failed:\n" + "\n".join(outputs))

    def _pg_ctl_start(self) -> tuple[bool, str]:
        options = (
            f"-h {HOST} -p {self.port} -k {shlex.quote(str(self.socket_dir))} {_SERVER_OPTIONS}"
        )
        result = self._run(self._pg_ctl("-o", options, "-l", str(self.log_path), "start"))
        self._running = result.returncode == 0
        return self._running, result.stdout

    def _start_on_free_port(self) -> None:
        output = ""
        for _ in range(_START_ATTEMPTS):
            self.port = free_port()
            log_size = len(self._read_log())
            ok, output = self._pg_ctl_start()
            if ok:
                return
            new_log = self._read_log()[log_size:]
            if not any(marker in new_log for marker in _PORT_CONFLICT):
                break
        raise self._error(f"postgres did not start (last port tried: {self.port})", output)

    def _createdb(self, name: str) -> None:
        argv = [self._tool("createdb"), "-h", HOST, "-p", str(self.port), "-U", ROLE, name]
        result = self._run(argv)
        if result.returncode != 0:
            raise self._error(f"createdb {name} failed", result.stdout)

    def _read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _error(self, message: str, output: str) -> RuntimeError:
        tail = "\n".join(self._read_log().splitlines()[-_LOG_TAIL:])
        return RuntimeError(
            f"{message}\n--- command output ---\n{output.strip()}\n"
            f"--- last {_LOG_TAIL} lines of {self.log_path} ---\n{tail}"
        )
