"""`clearance diff`: gains and losses between two policies or two catalogs (fictional data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

AS_OF = "2026-11-26"

POLICY = """\
policy: diff-demo
org: example
default_data_class: internal
data_classes:
  internal:
    training: forbidden
"""

POLICY_EEA = POLICY + "    inference_within: [EEA]\n"

PROVIDERS = {
    "eu-host": """\
id: eu-host
name: EU Host (fictional)
training_on_customer_data: never
inference_countries: [DE]
""",
    "us-lab": """\
id: us-lab
name: US Lab (fictional)
training_on_customer_data: never
deployments:
  - id: us
    inference_countries: [US]
""",
    "maybe-trains": """\
id: maybe-trains
name: Maybe Trains (fictional)
training_on_customer_data: opt-out
inference_countries: [FR]
""",
}


def _catalog(root: Path, overrides: dict[str, str] | None = None) -> Path:
    providers = root / "providers"
    providers.mkdir(parents=True)
    for name, text in {**PROVIDERS, **(overrides or {})}.items():
        (providers / f"{name}.yaml").write_text(text)
    return root


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    old = tmp_path / "old.yaml"
    old.write_text(POLICY)
    new = tmp_path / "new.yaml"
    new.write_text(POLICY_EEA)
    never = PROVIDERS["maybe-trains"].replace("opt-out", "never")
    return {
        "old": old,
        "new": new,
        "cat": _catalog(tmp_path / "cat"),
        "cat2": _catalog(tmp_path / "cat2", {"maybe-trains": never}),
    }


def _run(runner: CliRunner, app: typer.Typer, *args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["diff", "--as-of", AS_OF, *map(str, args)])
    return result.exit_code, result.output


@pytest.mark.usefixtures("in_repo")
def test_identical_policies_no_change(
    runner: CliRunner, app: typer.Typer, files: dict[str, Path]
) -> None:
    code, out = _run(
        runner, app, "--policy", files["old"], "--policy", files["old"], "--catalog", files["cat"]
    )
    assert code == 0, out
    assert "no change" in out


@pytest.mark.usefixtures("in_repo")
def test_policy_adding_inference_within_loses_us(
    runner: CliRunner, app: typer.Typer, files: dict[str, Path]
) -> None:
    # the SPEC form: --policy OLD NEW
    code, out = _run(
        runner,
        app,
        "--catalog",
        files["cat"],
        "--format",
        "json",
        "--policy",
        files["old"],
        files["new"],
    )
    assert code == 1, out
    doc = json.loads(out)
    assert doc["kind"] == "policy"
    assert doc["as_of"] == AS_OF
    assert doc["changed"] is True
    internal = doc["classes"]["internal"]
    assert internal["gained"] == []
    assert [loss["target"] for loss in internal["lost"]] == ["us-lab/us"]
    reasons = internal["lost"][0]["reasons"]
    assert [r["rule"] for r in reasons] == ["internal.inference_within"]
    assert all(r["message"] for r in reasons)


@pytest.mark.usefixtures("in_repo")
def test_markdown_has_row_for_lost_target(
    runner: CliRunner, app: typer.Typer, files: dict[str, Path]
) -> None:
    code, out = _run(
        runner,
        app,
        "--policy",
        files["old"],
        "--policy",
        files["new"],
        "--catalog",
        files["cat"],
        "--format",
        "markdown",
    )
    assert code == 1, out
    assert "### internal" in out
    assert "**Losses**" in out
    row = next(line for line in out.splitlines() if "us-lab/us" in line)
    assert row.startswith("| `us-lab/us` |")
    assert "internal.inference_within" in row


@pytest.mark.usefixtures("in_repo")
def test_catalog_training_never_gains(
    runner: CliRunner, app: typer.Typer, files: dict[str, Path]
) -> None:
    code, out = _run(
        runner,
        app,
        "--catalog",
        files["cat"],
        files["cat2"],
        "--policy",
        files["old"],
        "--format",
        "json",
    )
    assert code == 1, out
    doc = json.loads(out)
    assert doc["kind"] == "catalog"
    assert doc["classes"]["internal"]["gained"] == [
        {"target": "maybe-trains/default", "rules": ["internal.training"]}
    ]
    assert doc["classes"]["internal"]["lost"] == []
    assert doc["targets_added"] == doc["targets_removed"] == []
    code, text = _run(
        runner, app, "--catalog", files["cat"], "--catalog", files["cat2"], "--policy", files["old"]
    )
    assert code == 1
    assert "+ maybe-trains/default" in text


@pytest.mark.usefixtures("in_repo")
def test_catalog_target_removed_is_lost(
    runner: CliRunner, app: typer.Typer, files: dict[str, Path], tmp_path: Path
) -> None:
    smaller = tmp_path / "smaller"
    _catalog(smaller)
    (smaller / "providers" / "eu-host.yaml").unlink()
    code, out = _run(
        runner,
        app,
        "--catalog",
        files["cat"],
        "--catalog",
        smaller,
        "--policy",
        files["old"],
        "--format",
        "json",
    )
    assert code == 1, out
    doc = json.loads(out)
    assert doc["targets_removed"] == ["eu-host/default"]
    assert doc["classes"]["internal"]["lost"][0]["target"] == "eu-host/default"


@pytest.mark.usefixtures("in_repo")
@pytest.mark.parametrize(
    "shape",
    [
        ("old",),  # one policy, no catalogs
        ("old", "new", "cat", "cat2"),  # two of each
        ("cat", "cat2"),  # two catalogs, no policy
    ],
)
def test_invalid_combination_exits_2(
    runner: CliRunner, app: typer.Typer, files: dict[str, Path], shape: tuple[str, ...]
) -> None:
    args: list[str | Path] = []
    for key in shape:
        args += ["--catalog" if key.startswith("cat") else "--policy", files[key]]
    code, out = _run(runner, app, *args)
    assert code == 2
    assert "policies" in out
