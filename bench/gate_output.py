"""What readable gate output costs (issue 15 items 6 and 7): checking a 6,000-entry LiteLLM
config (now with a compliant alternative per violation and progress reports) and rendering
its text report (now one line per failed rule), the current modules against the baseline
modules from git, in the same process, on the same entries.

    .venv/bin/python -m bench.gate_output [BASELINE_COMMIT]

The baseline defaults to 9ece3b8 (before items 6 and 7). Best of 3 runs each.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

from cli.outputs import gate as gate_output
from registry.catalog.loader import Catalog, load_catalog
from registry.engine.engine import Engine
from registry.gate import check
from registry.gate.manifests import manifest_entries
from registry.gate.report import Entry, GateReport
from registry.policy.loader import LoadedPolicy, load_policy
from registry.yamlload import load_text

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "9ece3b8"
ENTRIES = 6_000
AS_OF = date(2026, 12, 3)
# the shapes of tests/manifests/litellm_multi_cloud.yaml and a few more, repeated
SHAPES = [
    ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "aws_region_name: eu-central-1"),
    ("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", "aws_region_name: us-east-1"),
    ("azure/gpt-4o", "api_base: https://my-resource.openai.azure.com"),
    ("openai/gpt-4o", "api_base: https://eu.api.openai.com/v1"),
    ("anthropic/claude-sonnet-4-5", None),
    ("cohere/command-r", "api_base: https://api.cohere.com/v2"),
    (
        "openai/Meta-Llama-3_3-70B-Instruct",
        "api_base: https://oai.endpoints.kepler.ai.cloud.ovh.net/v1",
    ),
]


def config_text(count: int) -> str:
    lines = ["model_list:"]
    for i in range(count):
        model, extra = SHAPES[i % len(SHAPES)]
        lines += [f"  - model_name: m{i}", "    litellm_params:", f"      model: {model}"]
        if extra:
            lines.append(f"      {extra}")
    return "\n".join(lines) + "\n"


def baseline_module(commit: str, path: str, name: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    file = Path(tempfile.mkdtemp()) / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def best_s(call: Callable[[], object], runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def measure(
    policy: LoadedPolicy,
    catalog: Catalog,
    entries: list[Entry],
    cls: str,
    old: tuple[ModuleType, ModuleType],
) -> None:
    old_check, old_output = old
    engine = Engine()

    def run(module: ModuleType) -> GateReport:
        found: GateReport = module.check_entries(policy, catalog, entries, cls, AS_OF, engine)
        return found

    report, old_report = run(check), run(old_check)
    rows = [
        ("check the entries", best_s(lambda: run(old_check)), best_s(lambda: run(check))),
        (
            "render the text report",
            best_s(lambda: old_output.to_text(old_report)),
            best_s(lambda: gate_output.to_text(report)),
        ),
    ]
    old_lines = len(old_output.to_text(old_report).splitlines())
    new_lines = len(gate_output.to_text(report).splitlines())
    with_alternative = sum(1 for r in report.results if r.alternative is not None)
    print(
        f"data class {cls}: {len(entries)} entries, {len(report.violations)} violations, ", end=""
    )
    print(f"{with_alternative} with an alternative")
    print(f"  {'':24} {'baseline':>10} {'current':>10} {'ratio':>7}")
    for name, before, after in rows:
        print(f"  {name:24} {before:9.3f}s {after:9.3f}s {after / before:6.2f}x")
    print(f"  text report lines: {old_lines} -> {new_lines}")


def main() -> None:
    commit = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    old = (
        baseline_module(commit, "registry/gate/check.py", "check_baseline"),
        baseline_module(commit, "cli/outputs/gate.py", "gate_output_baseline"),
    )
    catalog = load_catalog(ROOT / "provider_catalog")
    policy = load_policy(ROOT / "policies" / "eu-confidential.yaml")
    entries = manifest_entries(load_text(config_text(ENTRIES), "bench.yaml"), catalog)
    print(f"baseline {commit}, policy eu-confidential, as of {AS_OF}")
    for cls in ("confidential", "internal"):
        measure(policy, catalog, entries, cls, old)


if __name__ == "__main__":
    main()
