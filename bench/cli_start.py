"""How long `clearance validate` of one policy takes to start and finish, against a bare
import of the libraries it cannot do without (issue 15, item 9: target <= 2x).

    .venv/bin/python -m bench.cli_start [--runs N] [--root DIR]

Each command runs as a fresh subprocess (`python -c`, exactly what the `clearance` console
script does), interleaved with the baseline so that load on the machine hits both alike;
the median of N runs (default 9) of each is compared. `--root` times another checkout (for
the "before" number: a worktree of an older commit). Also printed, for reading the result:
a bare `import cli.main` (the CLI's import cost alone) and `validate` of the same policy
denying two providers (`deny: [deepseek, mistral]`), whose targets make it read those two
providers' catalog files. PASS/FAIL is for the policy as shipped; like the other benches it
exits 0 either way (a verdict to read, not a CI gate).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 2.0
POLICY = "policies/eu-confidential.yaml"
BASELINE = "import typer, yaml, casbin, pydantic"
CLI = "import sys; sys.argv[0] = 'clearance'; from cli.main import run; run()"


def _seconds(argv: list[str], root: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("CLEARANCE_CATALOG", None)
    started = time.perf_counter()
    done = subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
    return elapsed


def measure(root: Path, runs: int, named: Path) -> dict[str, float]:
    """Median seconds of each command over `runs` interleaved runs."""
    commands = {
        "baseline": [sys.executable, "-c", BASELINE],
        "validate": [sys.executable, "-c", CLI, "validate", POLICY],
        "import cli.main": [sys.executable, "-c", "import cli.main"],
        "validate named": [sys.executable, "-c", CLI, "validate", str(named)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the file cache and .pyc files once
        _seconds(argv, root)
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(_seconds(argv, root))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to time")
    args = parser.parse_args()
    root = args.root.resolve()
    with tempfile.TemporaryDirectory() as scratch:
        named = Path(scratch) / "eu-confidential.yaml"
        text = (root / POLICY).read_text()
        named.write_text(text.replace("  deny: []", "  deny: [deepseek, mistral]"))
        medians = measure(root, args.runs, named)
    print(f"checkout: {root}; median of {args.runs} runs each, {sys.executable}")
    print(f"  python -c {BASELINE!r:40} {medians['baseline']:.3f} s")
    print(f"  clearance validate {POLICY:27} {medians['validate']:.3f} s")
    print(f"  python -c 'import cli.main'{'':14}{medians['import cli.main']:.3f} s")
    print(f"  validate, deny: [deepseek, mistral]{'':6}{medians['validate named']:.3f} s")
    ratio = medians["validate"] / medians["baseline"]
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"validate / baseline = {ratio:.2f}x (target <= {TARGET:g}x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
