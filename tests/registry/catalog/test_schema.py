"""`clearance catalog schema`: the JSON Schemas accept every shipped file and reject typos."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import typer
from typer.testing import CliRunner

from registry.yamlload import load_file
from tests.conftest import ROOT


def test_schemas_accept_shipped_files_and_reject_unknown_keys(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["catalog", "schema", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "# yaml-language-server: $schema=" in result.stdout
    provider = json.loads((tmp_path / "provider.schema.json").read_text())
    policy = json.loads((tmp_path / "policy.schema.json").read_text())
    for path in sorted((ROOT / "provider_catalog" / "providers").glob("*.yaml")):
        jsonschema.validate(load_file(path).data, provider)
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        if ".test." not in path.name:
            jsonschema.validate(load_file(path).data, policy)
    broken = dict(load_file(ROOT / "policies" / "no-training.yaml").data, polcy="typo")
    errors = list(jsonschema.Draft202012Validator(policy).iter_errors(broken))
    assert any("polcy" in error.message for error in errors)
