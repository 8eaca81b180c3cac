"""Strict YAML at C speed (issue 15): `clearance allowed` over a synthetic catalog against a
bare `yaml.load(..., Loader=yaml.CSafeLoader)` of the same files, in the same run.

    .venv/bin/python -m bench.yaml_load [--providers 2000] [--repeat 3] [--seed 7]

The catalog (`bench/synthetic.py` providers, one YAML file each, no anchors) is written to a
temporary directory. Timed, each as the median of `--repeat` runs (the four take turns,
round after round):

- **bare**: read every provider file and `yaml.load` it with `CSafeLoader`, in this process
  (no strictness, no line map, no model validation);
- **allowed**: the whole command, `clearance allowed --format json` for the `confidential`
  class of the benchmark policy, as a subprocess of this interpreter (interpreter start and
  imports included, as a user pays them);
- **strict**: `registry.yamlload.load_file` of every file, in this process (the loader alone;
  a breakdown, not a target);
- **catalog**: `load_catalog` of the directory, in this process (strict YAML + validation +
  revision; a breakdown).

Wall clock and CPU time (user + system, the subprocess's included) are both reported; the
CPU ratio is the steadier one on a busy machine, and the best run of each is compared too.
The target is allowed / bare ≤ 3x, median wall clock. Before anything is timed, the strict
loader's data of every file must equal CSafeLoader's (dates compared as ISO strings: the
strict loader keeps them as text) and the command must exit 0 with a permitted set. The exit
status is non-zero only when such a check fails; a missed ratio prints MISS.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from bench.synthetic import AS_OF, POLICY_YAML, provider_data
from registry.catalog.loader import load_catalog
from registry.yamlload import load_file

ROOT = Path(__file__).resolve().parents[1]
MAX_RATIO = 3.0
DATA_CLASS = "confidential"
CLI = "import sys; sys.argv[0] = 'clearance'; from cli.main import run; run()"


class _NoAliasDumper(yaml.SafeDumper):
    """Writes shared lists out in full: catalog files hold no anchors (the loader refuses them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_catalog(root: Path, providers: int, seed: int) -> list[Path]:
    """`providers` synthetic provider files under root/providers and the policy at root."""
    rng = random.Random(seed)
    directory = root / "providers"
    directory.mkdir(parents=True)
    files = []
    for index in range(providers):
        data = provider_data(rng, index)
        path = directory / f"{data['id']}.yaml"
        path.write_text(yaml.dump(data, Dumper=_NoAliasDumper, sort_keys=False))
        files.append(path)
    (root / "policy.yaml").write_text(POLICY_YAML)
    return files


def _iso(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _iso(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_iso(value) for value in data]
    if isinstance(data, date | datetime):
        return data.isoformat()
    return data


def check_same_data(files: list[Path]) -> None:
    """The strict loader reads every file as CSafeLoader does (dates as text)."""
    for path in files:
        bare = _iso(yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader))
        if load_file(path).data != bare:
            raise SystemExit(f"FAIL: the strict loader and CSafeLoader disagree on {path}")


def bare_parse(files: list[Path]) -> None:
    for path in files:
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)


def strict_parse(files: list[Path]) -> None:
    for path in files:
        load_file(path)


def allowed_command(root: Path) -> list[str]:
    return [
        sys.executable,
        "-c",
        CLI,
        "allowed",
        "--policy",
        str(root / "policy.yaml"),
        "--catalog",
        str(root),
        "--data-class",
        DATA_CLASS,
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        "json",
        # the policy's deny list names a few deployments the seeded catalog may lack
        "--allow-unknown-targets",
    ]


def run_allowed(root: Path) -> int:
    """Run the command once; the number of permitted targets it printed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        allowed_command(root), capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"FAIL: clearance allowed exited {done.returncode}:\n{done.stderr}")
    permitted = json.loads(done.stdout)["permitted"]
    if not permitted:
        raise SystemExit("FAIL: clearance allowed permitted nothing; the workload is wrong")
    return len(permitted)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (user + system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(
    actions: dict[str, Callable[[], object]], repeat: int
) -> dict[str, tuple[list[float], list[float]]]:
    """Wall-clock and CPU seconds of each run of each action; the actions take turns, round
    after round, so a burst of other work on the machine falls on all of them alike."""
    runs: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            gc.collect()
            start, start_cpu = time.perf_counter(), _cpu()
            action()
            runs[name][0].append(time.perf_counter() - start)
            runs[name][1].append(_cpu() - start_cpu)
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.yaml_load", description=__doc__)
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clearance-yaml-bench-") as tmp:
        root = Path(tmp)
        files = write_catalog(root, args.providers, args.seed)
        size = sum(path.stat().st_size for path in files)
        check_same_data(files)
        permitted = run_allowed(root)  # warm the file cache and check the output once
        samples = measure(
            {
                "bare": lambda: bare_parse(files),
                "allowed": lambda: run_allowed(root),
                "strict": lambda: strict_parse(files),
                "catalog": lambda: load_catalog(root),
            },
            args.repeat,
        )
    wall = {name: statistics.median(runs[0]) for name, runs in samples.items()}
    cpu = {name: statistics.median(runs[1]) for name, runs in samples.items()}
    best = {name: min(runs[0]) for name, runs in samples.items()}
    print(
        f"python {platform.python_version()}, PyYAML {yaml.__version__} "
        f"(libyaml: {yaml.__with_libyaml__}), {args.providers} providers, "
        f"{size / 1e6:.1f} MB, {permitted} permitted, median of {args.repeat}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("| measure | wall s | / bare | CPU s | / bare |\n|---|---:|---:|---:|---:|")
    for name, label in [
        ("bare", "bare CSafeLoader parse (in process)"),
        ("allowed", "`clearance allowed` (subprocess, whole command)"),
        ("strict", "strict loader alone (in process)"),
        ("catalog", "load_catalog (in process)"),
    ]:
        print(
            f"| {label} | {wall[name]:.2f} | {wall[name] / wall['bare']:.2f}x "
            f"| {cpu[name]:.2f} | {cpu[name] / cpu['bare']:.2f}x |"
        )
    ratio = wall["allowed"] / wall["bare"]
    verdict = "PASS" if ratio <= MAX_RATIO else "MISS"
    print(
        f"allowed / bare = {ratio:.2f}x wall clock, median (target <= {MAX_RATIO:.0f}x): "
        f"{verdict}; {cpu['allowed'] / cpu['bare']:.2f}x CPU time; "
        f"{best['allowed'] / best['bare']:.2f}x best against best"
    )


if __name__ == "__main__":
    main()
