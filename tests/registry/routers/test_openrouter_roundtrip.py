"""What `allowed --format openrouter` prints, the gate accepts (the request's entry): for
every shipped policy and data class (and a US-only class, whose answer needs regional slugs
such as `google-vertex/us-east5`), the request carrying that `provider` object is compliant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.policy.loader import load_policy
from tests.conftest import ROOT

US_ONLY = """policy: us-only
org: example
default_data_class: us
data_classes:
  us:
    inference_within: [US]
"""
SHIPPED = sorted(p for p in (ROOT / "policies").glob("*.yaml") if ".test." not in p.name)
CASES = [(p.name, c) for p in SHIPPED for c in load_policy(p).policy.data_classes] + [
    ("us-only.yaml", "us")
]


@pytest.mark.parametrize(("name", "data_class"), CASES)
def test_the_openrouter_answer_passes_the_gate(
    name: str, data_class: str, tmp_path: Path, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    policy = ROOT / "policies" / name
    if name == "us-only.yaml":
        policy = tmp_path / name
        policy.write_text(US_ONLY)
    common = ["--policy", str(policy), "--data-class", data_class, "--as-of", "2026-11-26"]
    answer = runner.invoke(app, ["allowed", *common, "--format", "openrouter"])
    if answer.exit_code == ExitCode.FAILED:  # nothing routable: refused, nothing to send
        assert answer.stdout == ""
        return
    assert answer.exit_code == ExitCode.OK, answer.output
    body = {"model": "lab/model", **json.loads(answer.stdout)}
    if name == "us-only.yaml":
        assert "google-vertex/us-east5" in body["provider"]["only"]
    request = tmp_path / "request.json"
    request.write_text(json.dumps(body))
    gated = runner.invoke(app, ["gate", str(request), *common, "--format", "json"])
    assert gated.exit_code in (ExitCode.OK, ExitCode.FAILED), gated.output
    results = json.loads(gated.stdout)["results"]
    (result,) = [r for r in results if r["kind"] == "openrouter"]
    assert result["compliant"] and result["targets"], result["message"]
    # the only other findings may be the policy's failover rules (routing.*), not the slugs
    assert all(r["kind"] == "failover" for r in results if not r["compliant"])
