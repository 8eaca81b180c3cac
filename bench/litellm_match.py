"""The LiteLLM matcher's cost per decision (the hook pays it per deployment per request),
the current module against a baseline module from git, in the same process.

    .venv/bin/python -m bench.litellm_match [BASELINE_COMMIT]

The baseline defaults to 65646e3 (before issue 12: no environment values, Bedrock profiles
or endpoint overrides). Cases the baseline cannot express (an env-valued api_base, a
profile) are timed on the current module only. Best of 5 runs of 20,000 calls each.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import timeit
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from registry.catalog.loader import load_catalog
from registry.engine.engine import Engine
from registry.policy.loader import load_policy
from registry.routers import litellm_match
from registry.routers.litellm import to_litellm

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "65646e3"
CASES: dict[str, dict[str, Any]] = {
    "prefix only (`bedrock/…`)": {"model": "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"},
    "pinned regional host (`eu.api.openai.com`)": {
        "model": "openai/gpt-4o",
        "api_base": "https://eu.api.openai.com/v1",
    },
    "shared host (`dashscope-us.aliyuncs.com`)": {
        "model": "dashscope/qwen-max",
        "api_base": "https://dashscope-us.aliyuncs.com/compatible-mode/v1",
    },
    "region key (`aws_region_name`)": {
        "model": "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "aws_region_name": "eu-central-1",
    },
    "unprefixed name (`gpt-4o`)": {"model": "gpt-4o"},
}
NEW_ONLY: dict[str, dict[str, Any]] = {
    "env-valued api_base (`os.environ/BASE`)": {
        "model": "openai/gpt-4o",
        "api_base": "os.environ/BASE",
    },
    "Bedrock profile (`us.…`, region)": {
        "model": "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "aws_region_name": "us-east-1",
    },
}
ENV = {"BASE": "https://eu.api.openai.com/v1"}


def baseline_module(commit: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:registry/routers/litellm_match.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "litellm_match_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("litellm_match_baseline", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


def best_us(call: Callable[[], object], number: int = 20_000) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def main() -> None:
    commit = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    catalog = load_catalog(ROOT / "provider_catalog")
    policy = load_policy(ROOT / "policies" / "no-training.yaml")
    result = Engine().evaluate(policy, catalog, "internal", None, date(2026, 11, 26))
    view = to_litellm(result, catalog, policy.data_class("internal"))
    old = baseline_module(commit)
    print(f"| case | {commit} µs | now µs | ratio |\n|---|---:|---:|---:|")
    for name, params in CASES.items():
        before = best_us(lambda p=params: old.decide(view, p))  # type: ignore[misc]
        after = best_us(lambda p=params: litellm_match.decide(view, p))  # type: ignore[misc]
        print(f"| {name} | {before:.1f} | {after:.1f} | {after / before:.2f} |")
    for name, params in NEW_ONLY.items():
        after = best_us(lambda p=params: litellm_match.decide(view, p, ENV))  # type: ignore[misc]
        print(f"| {name} | — | {after:.1f} | — |")


if __name__ == "__main__":
    main()
