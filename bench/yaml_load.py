"""Strict YAML at C speed (issue 15): `clearance allowed` over a synthetic catalog against a
bare `yaml.load(..., Loader=yaml.CSafeLoader)` of the same files, in the same run.

    .venv/bin/python -m bench.yaml_load [--providers 2000] [--repeat 3] [--seed 7]

The catalog (`bench/synthetic.py` providers, one YAML file each, no anchors) is written to a
temporary directory. Each measure runs in a fresh interpreter (a subprocess of this one), so
none pays for the heap of another; they take turns, round after round, and each is the median
of `--repeat` rounds:

- **bare**: read every provider file and `yaml.load` it with `CSafeLoader` (no strictness, no
  line map, no model validation); the parse loop is timed inside the process, so interpreter
  start and `import yaml` are left out;
- **allowed**: the whole command, `clearance allowed --format json` (the policy's default
  class), timed from outside (interpreter start and imports included, as a user pays them;
  its output goes to a file); the target;
- **heavy**: the same with `--data-class confidential`, the class that uses most requirement
  keys and denies most targets with most reasons (16 MB of JSON; informative, not a target);
- **strict**: `registry.yamlload.load_file` of every file, timed inside (the loader alone; a
  breakdown, not a target);
- **catalog**: `load_catalog` of the directory, timed inside (strict YAML + validation +
  revision; a breakdown).

Wall clock and CPU time (user + system) are both reported; the CPU ratio is the steadier one
on a busy machine, and the best run of each is compared too.
The target is allowed / bare ≤ 3x, median wall clock. Before anything is timed, the strict
loader's data of every file must equal CSafeLoader's (dates compared as ISO strings: the
strict loader keeps them as text) and the command must exit 0 with a permitted set. The exit
status is non-zero only when such a check fails; a missed ratio prints MISS.
"""

from __future__ import annotations

import argparse
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
from registry.yamlload import load_file

ROOT = Path(__file__).resolve().parents[1]
MAX_RATIO = 3.0
HEAVY_CLASS = "confidential"  # the class that uses most requirement keys
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


TIMED = """
import json, sys, time
from pathlib import Path
root = Path(sys.argv[1])
files = sorted((root / "providers").glob("*.yaml"))
{setup}
start, cpu = time.perf_counter(), time.process_time()
{work}
print(json.dumps([time.perf_counter() - start, time.process_time() - cpu]))
"""
PARTS = {
    "bare": (
        "import yaml",
        "for path in files:\n    yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)",
    ),
    "strict": (
        "from registry.yamlload import load_file",
        "for path in files:\n    load_file(path)",
    ),
    "catalog": ("from registry.catalog.loader import load_catalog", "load_catalog(root)"),
}


def run_part(name: str, root: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one part, timed inside a fresh interpreter."""
    setup, work = PARTS[name]
    done = subprocess.run(
        [sys.executable, "-c", TIMED.format(setup=setup, work=work), str(root)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"FAIL: {name} exited {done.returncode}:\n{done.stderr}")
    wall, cpu = json.loads(done.stdout)
    return float(wall), float(cpu)


def allowed_command(root: Path, data_class: str | None) -> list[str]:
    """`clearance allowed --format json` for the policy's default class or `data_class`."""
    chosen = ["--data-class", data_class] if data_class else []
    return [
        sys.executable,
        "-c",
        CLI,
        "allowed",
        "--policy",
        str(root / "policy.yaml"),
        "--catalog",
        str(root),
        *chosen,
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        "json",
        # the policy's deny list names a few deployments the seeded catalog may lack
        "--allow-unknown-targets",
    ]


def run_allowed(root: Path, data_class: str | None) -> Path:
    """Run the command once, its output into a file (reading it back is not the command's
    time); exit if it fails."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    output = root / f"allowed-{data_class or 'default'}.json"
    with output.open("wb") as out:
        done = subprocess.run(
            allowed_command(root, data_class),
            stdout=out,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"FAIL: clearance allowed exited {done.returncode}:\n{done.stderr!r}")
    return output


def permitted_count(output: Path) -> int:
    """The number of permitted targets in an output; exit if there are none."""
    permitted = json.loads(output.read_text(encoding="utf-8"))["permitted"]
    if not permitted:
        raise SystemExit("FAIL: clearance allowed permitted nothing; the workload is wrong")
    return len(permitted)


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def time_allowed(root: Path, data_class: str | None) -> tuple[float, float]:
    start, cpu = time.perf_counter(), _children_cpu()
    run_allowed(root, data_class)
    return time.perf_counter() - start, _children_cpu() - cpu


def measure(root: Path, repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    """Wall-clock and CPU seconds of each run of each measure; the measures take turns, round
    after round, so a burst of other work on the machine falls on all of them alike."""
    actions: dict[str, Callable[[], tuple[float, float]]] = {
        "bare": lambda: run_part("bare", root),
        "allowed": lambda: time_allowed(root, None),
        "heavy": lambda: time_allowed(root, HEAVY_CLASS),
        "strict": lambda: run_part("strict", root),
        "catalog": lambda: run_part("catalog", root),
    }
    runs: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            wall, cpu = action()
            runs[name][0].append(wall)
            runs[name][1].append(cpu)
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
        # warm the file cache; each output is checked once
        permitted = permitted_count(run_allowed(root, None))
        heavy = run_allowed(root, HEAVY_CLASS)
        heavy_permitted, heavy_size = permitted_count(heavy), heavy.stat().st_size
        default_size = (root / "allowed-default.json").stat().st_size
        samples = measure(root, args.repeat)
    wall = {name: statistics.median(runs[0]) for name, runs in samples.items()}
    cpu = {name: statistics.median(runs[1]) for name, runs in samples.items()}
    best = {name: min(runs[0]) for name, runs in samples.items()}
    print(
        f"python {platform.python_version()}, PyYAML {yaml.__version__} "
        f"(libyaml: {yaml.__with_libyaml__}), {args.providers} providers, "
        f"{size / 1e6:.1f} MB, median of {args.repeat}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; default class: "
        f"{permitted} permitted, {default_size / 1e6:.1f} MB of JSON; {HEAVY_CLASS}: "
        f"{heavy_permitted} permitted, {heavy_size / 1e6:.1f} MB"
    )
    print("| measure | wall s | / bare | CPU s | / bare |\n|---|---:|---:|---:|---:|")
    for name, label in [
        ("bare", "bare CSafeLoader parse of every file"),
        ("allowed", "`clearance allowed`, the whole command"),
        ("heavy", f"`clearance allowed --data-class {HEAVY_CLASS}` (heavier output)"),
        ("strict", "strict loader of every file (breakdown)"),
        ("catalog", "load_catalog (breakdown)"),
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
        f"{best['allowed'] / best['bare']:.2f}x best against best; "
        f"{HEAVY_CLASS}: {wall['heavy'] / wall['bare']:.2f}x"
    )


if __name__ == "__main__":
    main()
