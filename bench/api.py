"""Registry API benchmark: the `permitted` endpoint vs. a bare constant endpoint of equal size.

Run `python -m bench.api` (or `make bench`); `--quick` measures 3 s per endpoint. One
uvicorn worker (`bench/api_server.py`, a subprocess) serves both endpoints on 127.0.0.1;
`wrk` (installed with apt-get when missing and run as root) drives 32 connections, first a
warm-up of each endpoint, then a timed run of each. Without wrk a Python asyncio client
(httpx) is used instead, which on a small machine may itself be the bottleneck.

`--overload` (issue 16 item 5) measures admission control instead: `permitted` driven by
twice as many connections as the default `--max-inflight` admits, once against a server
without the bound (`--max-inflight 0`) and once with it, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.api_server import CONSTANT, PERMITTED
from registry.api.admission import MAX_INFLIGHT

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
CONNECTIONS = 32
SERVER_CPU, CLIENT_CPU = 0, 1
MIN_RATIO = 0.7
MAX_P99_MS = 10.0
STARTUP_TIMEOUT = 60.0
PYTHON_CLIENT_NOTE = (
    "NOTE measured with the Python client, which shares the cores with the server and is "
    "likely the bottleneck: install wrk for numbers that measure the service"
)

WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer @KEY@"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%f,"p99_us":%f,"max_us":%f,'
    .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


ATTESTATION_ENTRIES = 200


def bench_attestations(root: Path, count: int = ATTESTATION_ENTRIES) -> str:
    """An attestations file of org `example` with `count` entries over the shipped catalog's
    deployments (two facts each, so no two entries set one fact of one target): the
    permitted answer is then computed on the org's view of the catalog."""
    from registry.catalog.facts import targets
    from registry.catalog.loader import load_catalog

    ids = [t.id for t in targets(load_catalog(root / "provider_catalog"))]
    lines = ["attestations: bench-reviews", "org: example", "entries:"]
    for i in range(count):
        target = ids[(i // 2) % len(ids)]
        fact = "signed_contracts: [dpa]" if i % 2 else "facts: {retention: {prompts_days: 0}}"
        lines += [
            f"  - target: {target}",
            f"    {fact}",
            f'    document: "bench approval {i}"',
            "    trust: contractual",
            "    signed: 2026-01-01",
            "    expires: 2099-12-31",
            "    approved_by: bench@example.test",
        ]
    return "\n".join(lines) + "\n"


def make_key(database_url: str) -> str:
    """A router key in a fresh store, made before the server starts (which then seeds the
    catalog and policies but no first-run key): both endpoints are called with it, so the
    permitted path pays the whole authentication, authorization and rate-limit cost. The
    org also holds 200 attestation entries, which every permitted answer then uses."""
    from registry.store.repository import Store

    store = Store(database_url)
    try:
        store.migrate()
        _, raw = store.create_key("example", "router", "bench", actor="bench")
        body = bench_attestations(ROOT)
        store.put_attestations("example", "bench-reviews", body, "application/yaml", actor="bench")
    finally:
        store.close()
    return raw


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str


ENDPOINTS = (Endpoint("bare constant", CONSTANT), Endpoint("permitted", PERMITTED))


@dataclass(frozen=True)
class Run:
    """One timed run of one endpoint."""

    endpoint: Endpoint
    requests: int
    seconds: float
    wire_bytes: int
    p50_ms: float
    p99_ms: float
    errors: int
    non_2xx: int = 0  # answered, but not 200 (under --overload: shed with 503)
    max_ms: float = float("nan")

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


Measure = Callable[[str, float], Run]
MeasureFor = Callable[[int], Measure]  # a load generator with this many connections


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(
    port: int, database_url: str, key: str, max_inflight: int = MAX_INFLIGHT
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "bench.api_server",
        "--port",
        str(port),
        "--database-url",
        database_url,
        "--root",
        str(ROOT),
        "--parent",
        str(os.getpid()),
        "--max-inflight",
        str(max_inflight),
    ]
    # its own session: Ctrl-C reaches only us, and we stop the server ourselves
    return subprocess.Popen(
        [*pinned(SERVER_CPU), *command],
        cwd=ROOT,
        env={**os.environ, "CLEARANCE_BENCH_KEY": key},  # not in argv, where ps shows it
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def pinned(cpu: int) -> list[str]:
    """`taskset -c CPU` when there are two cores or more: server and load generator then
    stop competing for one core, and the tail latency measures the server, not the
    scheduler."""
    taskset = shutil.which("taskset")
    if taskset is None or (os.cpu_count() or 1) < 2:
        return []
    return [taskset, "-c", str(cpu)]


def wait_ready(server: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited during startup (status {server.returncode})")
        try:
            if httpx.get(base + CONSTANT, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {STARTUP_TIMEOUT:.0f} s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def running_server(database_url: str, key: str, max_inflight: int = MAX_INFLIGHT) -> Iterator[str]:
    """A seeded server on a free loopback port; stopped on exit."""
    port = free_port()
    server = start_server(port, database_url, key, max_inflight)
    try:
        base = f"http://{HOST}:{port}"
        wait_ready(server, base)
        yield base
    finally:
        stop_server(server)


def body_size(base: str, key: str) -> int:
    """Both endpoints must return the same bytes; the size of that body."""
    headers = {"Authorization": f"Bearer {key}"}
    permitted = httpx.get(base + PERMITTED, timeout=5.0, headers=headers)
    constant = httpx.get(base + CONSTANT, timeout=5.0, headers=headers)
    permitted.raise_for_status()
    assert permitted.content == constant.content, "constant body differs from permitted's"
    assert permitted.headers["etag"] == constant.headers["etag"], "ETags differ"
    assert permitted.json()["attestations_revision"], "the org's attestations are not in use"
    return len(permitted.content)


# --- wrk ---------------------------------------------------------------------------------


def apt_candidate(package: str) -> bool:
    policy = subprocess.run(
        ["apt-cache", "policy", package], capture_output=True, text=True, check=False
    )
    return (
        policy.returncode == 0
        and "Candidate:" in policy.stdout
        and ("Candidate: (none)" not in policy.stdout)
    )


def ensure_wrk(install: bool) -> tuple[str | None, str]:
    """The path of wrk (or None) and why it is missing."""
    found = shutil.which("wrk")
    if found:
        return found, ""
    if not install:
        return None, "wrk is not installed (--no-install)"
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None, "wrk is not installed, and installing it needs root and apt-get"
    if not apt_candidate("wrk"):
        return None, "wrk is not installed, and apt has no candidate for it"
    print("installing wrk: apt-get install -y wrk", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "wrk"],
        check=False,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    found = shutil.which("wrk")
    return found, "" if found else "apt-get install wrk failed"


def wrk_measure(wrk: str, script: Path, threads: int, connections: int = CONNECTIONS) -> Measure:
    def measure(url: str, seconds: float) -> Run:
        command = [
            *pinned(CLIENT_CPU),
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        )
        last = [line for line in done.stdout.splitlines() if line.startswith("{")][-1]
        data = json.loads(last)
        return Run(
            endpoint_of(url),
            data["requests"],
            data["duration_us"] / 1e6,
            data["bytes"],
            data["p50_us"] / 1000,
            data["p99_us"] / 1000,
            sum(data["errors"].values()),
            data["errors"]["status"],
            data["max_us"] / 1000,
        )

    return measure


# --- the Python fallback -----------------------------------------------------------------


async def _worker(
    client: httpx.AsyncClient,
    url: str,
    until: float,
    latencies: list[float],
    sizes: list[int],
    statuses: list[int],
) -> int:
    errors = 0
    while time.perf_counter() < until:
        start = time.perf_counter()
        try:
            answer = await client.get(url)
        except httpx.HTTPError:
            errors += 1
            continue
        latencies.append(time.perf_counter() - start)
        sizes.append(len(answer.content))
        statuses.append(answer.status_code)
        errors += answer.status_code != 200
    return errors


async def _python_run(url: str, seconds: float, key: str, connections: int) -> Run:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    sizes: list[int] = []
    statuses: list[int] = []
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(limits=limits, timeout=5.0, headers=headers) as client:
        start = time.perf_counter()
        until = start + seconds
        workers = (
            _worker(client, url, until, latencies, sizes, statuses) for _ in range(connections)
        )
        errors = sum(await asyncio.gather(*workers))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return Run(
        endpoint_of(url),
        len(latencies),
        elapsed,
        sum(sizes),  # bodies only: httpx does not expose the header bytes
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        errors,
        sum(status != 200 for status in statuses),
        (latencies[-1] if latencies else float("nan")) * 1000,
    )


def python_measure(key: str, connections: int = CONNECTIONS) -> Measure:
    def measure(url: str, seconds: float) -> Run:
        return asyncio.run(_python_run(url, seconds, key, connections))

    return measure


def percentile(ordered: Sequence[float], pct: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


# --- running and reporting ---------------------------------------------------------------


def endpoint_of(url: str) -> Endpoint:
    return next(e for e in ENDPOINTS if url.endswith(e.path))


def bench(measure: Measure, base: str, warmup: float, seconds: float) -> list[Run]:
    """Warm up each endpoint, then time each; the order alternates between the two passes."""
    for endpoint in ENDPOINTS:
        measure(base + endpoint.path, warmup)
    return [measure(base + e.path, seconds) for e in reversed(ENDPOINTS)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(runs: Sequence[Run]) -> str:
    bare = next(r for r in runs if r.endpoint.path == CONSTANT)
    lines = [
        "| endpoint | requests | req/s | p50 ms | p99 ms | ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(runs, key=lambda r: r.endpoint.path != CONSTANT):
        lines.append(
            f"| {r.endpoint.name} | {r.requests} | {r.rate:.0f} | {r.p50_ms:.2f} "
            f"| {r.p99_ms:.2f} | {r.rate / bare.rate:.2f} |"
        )
    return "\n".join(lines)


def target_lines(runs: Sequence[Run]) -> list[str]:
    bare = next(r for r in runs if r.endpoint.path == CONSTANT)
    permitted = next(r for r in runs if r.endpoint.path == PERMITTED)
    ratio = permitted.rate / bare.rate
    return [
        f"{verdict(ratio >= MIN_RATIO)} permitted ≥ {MIN_RATIO}x the bare endpoint's "
        f"throughput: {ratio:.2f}x",
        f"{verdict(permitted.p99_ms <= MAX_P99_MS)} permitted p99 ≤ {MAX_P99_MS:.0f} ms: "
        f"{permitted.p99_ms:.2f} ms",
    ]


def report(runs: Sequence[Run], client: str, body: int, seconds: float, warmup: float) -> str:
    wire = ", ".join(f"{r.endpoint.name} {r.wire_bytes / max(1, r.requests):.0f}" for r in runs)
    errors = [f"WARNING {r.endpoint.name}: {r.errors} errors" for r in runs if r.errors]
    return "\n".join(
        [
            f"python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} cores; one uvicorn worker on {HOST}; {client}, "
            f"{CONNECTIONS} connections, {warmup:g} s warm-up then {seconds:g} s per endpoint",
            f"GET {PERMITTED}",
            f"response body: {body} bytes (both endpoints); bytes per response read: {wire}",
            "",
            table(runs),
            "",
            *target_lines(runs),
            *errors,
            *([] if client.startswith("wrk") else [PYTHON_CLIENT_NOTE]),
        ]
    )


def choose_client(args: argparse.Namespace, key: str) -> tuple[MeasureFor, str, Path | None]:
    """The load generator: wrk if usable, else (with a SKIP line) the Python client."""
    if args.client != "python":
        wrk, why = ensure_wrk(not args.no_install)
        if wrk is not None:
            script = Path(tempfile.mkstemp(prefix="clearance-wrk-", suffix=".lua")[1])
            script.write_text(WRK_SCRIPT.replace("@KEY@", key))

            def wrk_for(connections: int) -> Measure:
                return wrk_measure(wrk, script, args.threads, connections)

            return wrk_for, f"wrk -t{args.threads}", script
        if args.client == "wrk":
            raise SystemExit(f"SKIP {why}")
        print(f"SKIP wrk: {why}; using the Python client instead", file=sys.stderr)
    note = "Python httpx client (on a small machine the client may be the bottleneck)"
    return lambda connections: python_measure(key, connections), note, None


# --- overload (issue 16 item 5) ------------------------------------------------------------


def overload(
    measure_for: MeasureFor, database_url: str, key: str, warmup: float, seconds: float
) -> list[tuple[int, Run]]:
    """`permitted` at 2x the default in-flight bound, without the bound and with it."""
    measure = measure_for(2 * MAX_INFLIGHT)
    runs = []
    for bound in (0, MAX_INFLIGHT):
        with running_server(database_url, key, bound) as base:
            measure(base + PERMITTED, warmup)
            runs.append((bound, measure(base + PERMITTED, seconds)))
    return runs


def overload_report(runs: Sequence[tuple[int, Run]], client: str, seconds: float) -> str:
    lines = [
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"one uvicorn worker on {HOST}; {client}, {2 * MAX_INFLIGHT} connections "
        f"(2x the default --max-inflight {MAX_INFLIGHT}), {seconds:g} s each",
        f"GET {PERMITTED}",
        "",
        "| server | answers | 200/s | shed 503 | other errors | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for bound, r in runs:
        label = "--max-inflight 0 (no bound)" if bound == 0 else f"--max-inflight {bound}"
        served = (r.requests - r.non_2xx) / r.seconds
        lines.append(
            f"| {label} | {r.requests} | {served:.0f} | {r.non_2xx} | {r.errors - r.non_2xx} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.1f} |"
        )
    (_, before), (_, after) = runs
    lines += [
        "",
        f"p99 with the bound / without: {after.p99_ms / before.p99_ms:.2f}x "
        f"({before.p99_ms:.0f} ms -> {after.p99_ms:.0f} ms)",
        "latencies are of every answer, shed ones included (wrk cannot split them)",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds each")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds each")
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    parser.add_argument(
        "--overload",
        action="store_true",
        help=f"admission control: {2 * MAX_INFLIGHT} connections, without and with the bound",
    )
    return parser.parse_args(argv)


def terminate(signum: int, _frame: object) -> None:
    """SIGTERM as SystemExit, so the cleanup of `main` (stopping the server) runs."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    seconds = 3.0 if args.quick else args.seconds
    signal.signal(signal.SIGTERM, terminate)  # run the cleanup below on SIGTERM too
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'registry.db'}"
        key = make_key(database_url)
        measure_for, client, script = choose_client(args, key)
        try:
            if args.overload:
                shed = overload(measure_for, database_url, key, args.warmup, seconds)
                print(overload_report(shed, client, seconds))
                return 0
            with running_server(database_url, key) as base:
                body = body_size(base, key)
                runs = bench(measure_for(CONNECTIONS), base, args.warmup, seconds)
        except KeyboardInterrupt:
            print("interrupted: the server is stopped", file=sys.stderr)
            return 130
        finally:
            if script is not None:
                script.unlink(missing_ok=True)
    print(report(runs, client, body, seconds, args.warmup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
