"""Reads under a write mix (issue 16 item 3): does a policy write slow the hot path?

Run `python -m bench.api_writes` (or `make bench`); `--quick` measures 3 s per run. One
server (as `bench/api.py` starts it) is driven by wrk with 32 connections, twice in the same
run: first `permitted` only, then the same `permitted` request with every `--every`-th
request (default 20th: 5 %) a `PUT` of *another* policy of the same org, alternating
between two bodies that differ in meaning, so every write is a new revision and a real
snapshot change. The target: reads per second under the mix ≥ 0.5x the read-only rate.

wrk counts answers, not kinds: the script counts the PUTs it sends, and every answer that
is not a 2xx; reads are the rest. Latencies are of every answer, writes included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.api import (
    CLIENT_CPU,
    CONNECTIONS,
    HOST,
    ensure_wrk,
    make_key,
    pinned,
    running_server,
    terminate,
)
from bench.api_server import PERMITTED

MIN_RATIO = 0.5
WRITE_PATH = "/v1/orgs/example/policies/bench-writes"
WRITE_BODIES = tuple(
    "policy: bench-writes\n"
    "org: example\n"
    f"description: written by bench/api_writes.py ({variant})\n"
    "default_data_class: internal\n"
    "data_classes:\n"
    "  internal:\n"
    f"    training: {variant}\n"
    for variant in ("forbidden", "opt_out_ok")
)

MIX_SCRIPT = """
local read_key, write_key = "@READ_KEY@", "@WRITE_KEY@"
local every, read_path, write_path = @EVERY@, "@READ_PATH@", "@WRITE_PATH@"
local bodies = {@BODY_A@, @BODY_B@}
local threads = {}
sent, writes, failed = 0, 0, 0  -- globals: done() reads them with thread:get

setup = function(thread) table.insert(threads, thread) end

request = function()
  sent = sent + 1
  if every > 0 and sent % every == 0 then
    writes = writes + 1
    local headers = {["Authorization"] = "Bearer " .. write_key,
                     ["Content-Type"] = "application/yaml", ["If-Match"] = "*"}
    return wrk.format("PUT", write_path, headers, bodies[(writes % 2) + 1])
  end
  return wrk.format("GET", read_path, {["Authorization"] = "Bearer " .. read_key})
end

response = function(status, headers, body)
  if status < 200 or status > 299 then failed = failed + 1 end
end

done = function(summary, latency, requests)
  local puts, bad = 0, 0
  for _, thread in ipairs(threads) do
    puts = puts + thread:get("writes")
    bad = bad + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"writes":%d,"failed":%d,"p50_us":%f,"p99_us":%f,'
    .. '"max_us":%f,"errors":%d}\\n',
    summary.requests, summary.duration, puts, bad,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class MixRun:
    label: str
    requests: int
    seconds: float
    writes: int
    failed: int  # answered, but not 2xx
    errors: int  # socket errors and timeouts
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def reads_per_s(self) -> float:
        return (self.requests - self.writes) / self.seconds

    @property
    def writes_per_s(self) -> float:
        return self.writes / self.seconds


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def mix_script(read_key: str, write_key: str, every: int) -> str:
    values = {
        "@READ_KEY@": read_key,
        "@WRITE_KEY@": write_key,
        "@EVERY@": str(every),
        "@READ_PATH@": PERMITTED,
        "@WRITE_PATH@": WRITE_PATH,
        "@BODY_A@": lua_string(WRITE_BODIES[0]),
        "@BODY_B@": lua_string(WRITE_BODIES[1]),
    }
    script = MIX_SCRIPT
    for placeholder, value in values.items():
        script = script.replace(placeholder, value)
    return script


def run_wrk(wrk: str, script: Path, url: str, seconds: float, label: str) -> MixRun:
    command = [
        *pinned(CLIENT_CPU),
        wrk,
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    data = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    return MixRun(
        label,
        data["requests"],
        data["duration_us"] / 1e6,
        data["writes"],
        data["failed"],
        data["errors"],
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
        data["max_us"] / 1000,
    )


def create_write_policy(base: str, key: str) -> None:
    """The policy the mix rewrites, created before the timed runs."""
    answer = httpx.put(
        base + WRITE_PATH,
        content=WRITE_BODIES[0],
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/yaml"},
        timeout=10.0,
    )
    answer.raise_for_status()


def measure(
    wrk: str, tmp: Path, keys: tuple[str, str], every: int, seconds: float, warmup: float
) -> list[MixRun]:
    read_key, write_key = keys
    scripts = {}
    for label, mix in (("read-only", 0), (f"1 write in {every}", every)):
        path = tmp / f"mix-{mix}.lua"
        path.write_text(mix_script(read_key, write_key, mix))
        scripts[label] = path
    database_url = f"sqlite:///{tmp / 'registry.db'}"
    with running_server(database_url, read_key) as base:
        create_write_policy(base, write_key)
        url = base + PERMITTED
        runs = []
        for label, path in scripts.items():
            run_wrk(wrk, path, url, warmup, label)
            runs.append(run_wrk(wrk, path, url, seconds, label))
    return runs


def report(runs: Sequence[MixRun], every: int, seconds: float) -> str:
    read_only, mixed = runs
    ratio = mixed.reads_per_s / read_only.reads_per_s
    lines = [
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"one uvicorn worker on {HOST}; wrk -t1, {CONNECTIONS} connections, {seconds:g} s each",
        f"reads: GET {PERMITTED}",
        f"writes: PUT {WRITE_PATH} (If-Match: *, two bodies in turn), 1 in {every} requests",
        "",
        "| run | reads/s | writes/s | not 2xx | errors | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.label} | {r.reads_per_s:.0f} | {r.writes_per_s:.1f} | {r.failed} "
            f"| {r.errors} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.max_ms:.1f} |"
        )
    verdict = "PASS" if ratio >= MIN_RATIO else "MISS"
    lines += [
        "",
        f"{verdict} reads under the write mix ≥ {MIN_RATIO}x read-only: {ratio:.2f}x",
    ]
    return "\n".join(lines)


def make_keys(database_url: str) -> tuple[str, str]:
    """A router key (from bench.api, with the org's attestations) and an editor key."""
    from registry.store.repository import Store

    read_key = make_key(database_url)
    store = Store(database_url)
    try:
        _, write_key = store.create_key("example", "editor", "bench-writes", actor="bench")
    finally:
        store.close()
    return read_key, write_key


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api_writes", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="timed seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per run")
    parser.add_argument("--quick", action="store_true", help="3 s per run")
    parser.add_argument("--every", type=int, default=20, help="one write in this many requests")
    parser.add_argument("--no-install", action="store_true", help="never apt-get install wrk")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    seconds = 3.0 if args.quick else args.seconds
    signal.signal(signal.SIGTERM, terminate)
    wrk, why = ensure_wrk(not args.no_install)
    if wrk is None:
        print(f"SKIP {why}: this benchmark needs wrk (it mixes request kinds per connection)")
        return 0
    with tempfile.TemporaryDirectory(prefix="clearance-bench-") as tmp:
        keys = make_keys(f"sqlite:///{Path(tmp) / 'registry.db'}")
        runs = measure(wrk, Path(tmp), keys, args.every, seconds, args.warmup)
    print(report(runs, args.every, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
