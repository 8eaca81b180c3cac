"""Shared by the gate's fail-open tests: run `clearance gate` on a manifest text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode

POLICY = ["--policy", "policies/eu-confidential.yaml", "--as-of", "2026-11-26"]


def run(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, text: str, *args: str
) -> tuple[int, dict[str, Any], str]:
    """Exit code, JSON report and stderr of the gate on `text` (written to config.yaml) under
    policies/eu-confidential.yaml; the gate must have judged (exit 0 or 1)."""
    manifest = tmp_path / "config.yaml"
    manifest.write_text(text)
    result = runner.invoke(app, ["gate", str(manifest), *POLICY, "--format", "json", *args])
    assert result.exit_code in (ExitCode.OK, ExitCode.FAILED), result.output
    return result.exit_code, json.loads(result.stdout), result.stderr


def entry(model: str, **params: Any) -> str:
    """A LiteLLM config of one model_list entry (its model on line 4)."""
    lines = ["model_list:", "  - model_name: m", "    litellm_params:", f"      model: {model}"]
    lines.extend(f"      {k}: {json.dumps(v)}" for k, v in params.items())
    return "\n".join(lines) + "\n"
