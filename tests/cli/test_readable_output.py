"""Output people can read (issue 15): `allowed` counts denied deployments by their decisive
reason, the gate prints one line per failed rule and names a compliant alternative, SARIF
has one result per entry and rule with its own message, GitHub titles say what is wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from cli.outputs.rules import FIXED, REQUIREMENTS, rule_help, rule_title
from registry.gate.report import report_from_json
from registry.policy.models import REQUIREMENT_KEYS
from tests.catalogs import write_synthetic
from tests.conftest import ROOT

# example-ai: a US global endpoint and an EU one with its own host; model acme/m-us is offered
# only on the global deployment. other-ai: on the policy's deny list.
PROVIDERS = {
    "example-ai": """headquarters: FR
training_on_customer_data: never
aliases: {litellm: [example], hosts: [api.example.ai]}
deployments:
  - id: global
    hosts: [api.example.ai]
    inference_countries: [US]
  - id: eu
    hosts: [eu.api.example.ai]
    inference_countries: [DE]
  - id: frankfurt
    cloud_regions: [eu-central-1]
    inference_countries: [DE]
models:
  - id: acme/m-us
    deployments: [global]
  - id: acme/m-eu
    deployments: [global, eu]
""",
    "other-ai": """headquarters: US
training_on_customer_data: never
inference_countries: [DE]
aliases: {litellm: [other]}
""",
    "vague-ai": """headquarters: US
aliases: {litellm: [vague]}
deployments:
  - id: a
    inference_countries: [US]
  - id: b
""",
}
POLICY = """policy: eu
org: t
default_data_class: secret
data_classes:
  secret:
    inference_within: [EEA]
    training: forbidden
providers:
  deny: [other-ai]
"""
LITELLM = """model_list:
  - model_name: chat
    litellm_params:
      model: example/m1
      api_base: https://api.example.ai/v1
  - model_name: chat
    litellm_params:
      model: example/m1
      api_base: https://eu.api.example.ai/v1
"""
CLEARANCE = """kind: clearance/deployment
uses:
  - provider: example-ai/global
  - provider: example-ai/global
    model: acme/m-us
  - provider: example-ai/global
    model: acme/m-eu
  - provider: other-ai
"""


@pytest.fixture
def synthetic(tmp_path: Path) -> list[str]:
    policy, catalog = write_synthetic(tmp_path, PROVIDERS, POLICY)
    (tmp_path / "litellm.yaml").write_text(LITELLM)
    (tmp_path / "clearance.yaml").write_text(CLEARANCE)
    return ["--policy", policy, "--catalog", catalog]


def _invoke(app: typer.Typer, runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def _gate_json(
    app: typer.Typer, runner: CliRunner, manifest: Path, args: list[str]
) -> dict[int, dict[str, Any]]:
    code, out = _invoke(app, runner, "gate", str(manifest), *args, "--format", "json")
    assert code == ExitCode.FAILED, out
    return {r["line"]: r for r in json.loads(out)["results"]}


def test_a_denied_endpoint_gets_the_permitted_endpoint_of_its_provider(
    app: typer.Typer, runner: CliRunner, synthetic: list[str], tmp_path: Path
) -> None:
    results = _gate_json(app, runner, tmp_path / "litellm.yaml", synthetic)
    assert results[4]["targets"] == ["example-ai/global"] and not results[4]["compliant"]
    assert results[4]["alternative"] == {
        "deployment": "example-ai/eu",
        "use": "https://eu.api.example.ai/v1",  # the entry's URL, path kept, host swapped
        "waived": False,
        "text": "use https://eu.api.example.ai/v1 (example-ai/eu), permitted",
    }
    assert results[8]["compliant"] and results[8]["alternative"] is None
    code, text = _invoke(app, runner, "gate", str(tmp_path / "litellm.yaml"), *synthetic)
    assert code == ExitCode.FAILED
    assert "    alternative: use https://eu.api.example.ai/v1 (example-ai/eu), permitted" in text


def test_an_alternative_offers_the_entry_s_model_and_is_never_another_provider(
    app: typer.Typer, runner: CliRunner, synthetic: list[str], tmp_path: Path
) -> None:
    results = _gate_json(app, runner, tmp_path / "clearance.yaml", synthetic)
    # no model: the first permitted deployment in the catalog file's order
    assert results[3]["alternative"]["text"] == "use example-ai/eu, permitted"
    # acme/m-us is offered only on the denied global deployment: nothing to suggest
    assert results[4]["alternative"] is None
    # acme/m-eu is offered on eu too
    assert results[6]["alternative"]["deployment"] == "example-ai/eu"
    # other-ai is denied by the list and has no other deployment: no other provider named
    assert results[8]["alternative"] is None


def test_an_entry_asking_for_an_unknown_region_gets_the_closest_permitted_region(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    internal = ["--policy", "policies/eu-confidential.yaml", "--data-class", "internal", *AS_OF]
    _, out = _invoke(app, runner, "gate", MULTI_CLOUD, *internal, "--format", "json")
    vertex = {r["line"]: r for r in json.loads(out)["results"]}[13]
    assert "no deployment in region 'europe-west12'" in vertex["message"]
    alternative = vertex["alternative"]
    assert alternative["use"].startswith("region europe-west")  # not a US or Asian region
    assert alternative["deployment"] == "google-vertex/" + alternative["use"].split()[1]
    _, allowed = _invoke(app, runner, "allowed", *internal, "--format", "json")
    assert alternative["deployment"] in json.loads(allowed)["permitted"]


def test_an_alternative_survives_the_json_round_trip_of_remote_mode(
    app: typer.Typer, runner: CliRunner, synthetic: list[str], tmp_path: Path
) -> None:
    args = ["gate", str(tmp_path / "litellm.yaml"), *synthetic, "--format", "json"]
    _, out = _invoke(app, runner, *args)
    doc = json.loads(out)
    assert report_from_json(doc).to_json() == doc


def _denied_counts(out: str) -> dict[tuple[str, str], int]:
    rows = re.findall(r"^\s+(\d+)\s+(\S+)\s+(.+)$", out, re.M)
    return {(rule, why.strip()): int(n) for n, rule, why in rows}


def test_allowed_counts_each_denied_deployment_once_under_its_decisive_reason(
    app: typer.Typer, runner: CliRunner, synthetic: list[str]
) -> None:
    code, out = _invoke(app, runner, "allowed", *synthetic)
    assert code == ExitCode.OK
    assert re.search(r"^example-ai\s+eu, frankfurt$", out, re.M)  # the permitted set
    assert _denied_counts(out) == {
        # the deny list decides, although other-ai meets every requirement
        ("providers.deny", "on the policy's deny list"): 1,
        # a known failure (inference in US) ranks above an unknown (training)
        ("secret.inference_within", "e.g. inference in US, outside EEA"): 2,
        # only unknowns: the first in requirement order
        ("secret.inference_within", "inference_countries not known (fail closed)"): 1,
    }
    _, verbose = _invoke(app, runner, "allowed", *synthetic, "--verbose")
    for target in ("example-ai/global", "other-ai/default", "vague-ai/a", "vague-ai/b"):
        assert re.search(rf"^{target}\s+denied", verbose, re.M)


def test_allowed_json_keeps_every_reason(
    app: typer.Typer, runner: CliRunner, synthetic: list[str]
) -> None:
    _, out = _invoke(app, runner, "allowed", *synthetic, "--format", "json")
    denied = json.loads(out)["denied"]
    assert [r["rule"] for r in denied["vague-ai/a"]] == [
        "secret.inference_within",
        "secret.training",
    ]


# the shipped catalog: line 17 of this manifest is an Azure entry with no region, so it may
# reach every one of azure-openai's 30 deployments
MULTI_CLOUD = "tests/manifests/litellm_multi_cloud.yaml"
CONFIDENTIAL = ["--policy", "policies/eu-confidential.yaml", "--data-class", "confidential"]
AS_OF = ["--as-of", "2026-12-03"]


def test_the_gate_prints_an_azure_entry_in_a_few_lines(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    _, text = _invoke(app, runner, "gate", MULTI_CLOUD, *CONFIDENTIAL, *AS_OF)
    block = text.split(f"{MULTI_CLOUD}:17: ")[1].split(f"{MULTI_CLOUD}:22: ")[0]
    assert block.startswith("VIOLATION azure/gpt-4o")
    lines = block.splitlines()
    assert 2 <= len(lines) <= 5
    assert all(re.match(r"    \d+ of 30 deployments", line) for line in lines[1:])
    _, verbose = _invoke(app, runner, "gate", MULTI_CLOUD, *CONFIDENTIAL, *AS_OF, "--verbose")
    assert "(--verbose" not in verbose
    assert len(verbose.splitlines()) > 60  # every deployment and reason


def test_sarif_has_one_result_per_entry_and_rule_each_with_its_own_message(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    import jsonschema

    from tests.conftest import SARIF_SCHEMA

    _, out = _invoke(app, runner, "gate", MULTI_CLOUD, *CONFIDENTIAL, *AS_OF, "--format", "sarif")
    _, report = _invoke(app, runner, "gate", MULTI_CLOUD, *CONFIDENTIAL, *AS_OF, "--format", "json")
    sarif = json.loads(out)
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    run = sarif["runs"][0]
    results = json.loads(report)["results"]
    assert len(run["results"]) == sum(len(r["rules"]) for r in results if not r["compliant"])
    keys = [
        (r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
        for r in run["results"]
    ]
    assert len(keys) == len(set(keys))  # one per entry and rule
    texts = [r["message"]["text"] for r in run["results"]]
    assert len(texts) == len(set(texts))  # no two alike
    for result in run["results"]:
        others = {r for _, r in keys} - {result["ruleId"]}
        assert not any(f": {other}: " in result["message"]["text"] for other in others)
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["shortDescription"]["text"] == rule_title(rule["id"]) != rule["id"]
        assert rule["help"]["text"] == rule_help(rule["id"])


def test_github_titles_name_the_entry_and_what_is_wrong(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    _, out = _invoke(app, runner, "gate", MULTI_CLOUD, *CONFIDENTIAL, *AS_OF, "--format", "github")
    titles = [line.split(",title=")[1].split("::")[0] for line in out.splitlines()]
    assert len(titles) == 6
    assert (
        "azure/gpt-4o @ my-resource.openai.azure.com [confidential]%3A not permitted ("
        in (titles[3])
    )
    assert titles[2].endswith("%3A where prompts go cannot be told")
    assert not any(t.startswith("confidential.") for t in titles)


def test_every_requirement_and_fixed_rule_has_a_title_and_help() -> None:
    assert set(REQUIREMENTS) == set(REQUIREMENT_KEYS)
    for rule in [f"c.{key}" for key in REQUIREMENT_KEYS] + list(FIXED):
        assert rule_title(rule) != rule
        assert "--data-class c`" in rule_help(rule) or rule in FIXED
    # the modules that make rule ids (the API's permission names look alike: not scanned)
    makers = [
        *(ROOT / "registry" / "gate").glob("*.py"),
        *(ROOT / "registry" / "engine").glob("*.py"),
    ]
    makers += [ROOT / "registry" / "policy" / "expiry.py"]
    sources = "".join(p.read_text() for p in makers)
    emitted = set(re.findall(r'"((?:gate|routing|providers|policy)\.[a-z_]+)"', sources))
    assert {"gate.unresolved", "gate.unpinned", "providers.deny"} <= emitted <= set(FIXED)
