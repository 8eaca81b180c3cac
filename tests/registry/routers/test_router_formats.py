"""Router formats (`allowed --format openrouter|litellm|vercel`, `permitted?format=`), checked
against the real router packages: the official OpenRouter SDK model, a real `litellm.Router`,
and the CI gate for every LiteLLM config entry (the matcher and the gate must agree)."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import typing
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import Catalog, load_catalog
from registry.engine.engine import Engine
from registry.gate.check import check_entries
from registry.gate.manifests import manifest_entries
from registry.policy.loader import LoadedPolicy, load_policy
from registry.routers.formats import ROUTER_FORMATS, restricts
from registry.routers.litellm import to_litellm
from registry.routers.litellm_match import ViewError, decide
from registry.routers.openrouter import to_openrouter
from registry.routers.vercel import to_vercel
from registry.yamlload import load_file
from tests.catalogs import write_synthetic
from tests.conftest import ROOT

# litellm fetches its model cost map over the network at import unless told otherwise; it is
# imported inside the tests that need it, after this.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

AS_OF = date(2026, 11, 26)
MANIFESTS = ROOT / "tests" / "manifests"
CONFIGS = [MANIFESTS / "litellm_multi_cloud.yaml", MANIFESTS / "litellm_eu_sovereign.yaml"]
POLICIES = sorted(p for p in (ROOT / "policies").glob("*.yaml") if ".test." not in p.name)
CASES = [(p, c) for p in POLICIES for c in load_policy(p).policy.data_classes]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "provider_catalog")


def _ids(value: Any) -> str:
    return getattr(value, "stem", str(value))


def _evaluate(policy: Path, data_class: str, catalog: Catalog, model: str | None = None) -> Any:
    loaded = load_policy(policy)
    result = Engine().evaluate(loaded, catalog, data_class, model, AS_OF)
    return result, loaded.data_class(data_class)


def _allowed(runner: CliRunner, app: typer.Typer, *args: str) -> Any:
    return runner.invoke(app, ["allowed", "--as-of", AS_OF.isoformat(), *args])


# --- OpenRouter: the official SDK model accepts every document we print ----------------------


def _sdk_slugs() -> set[str]:
    from openrouter.components.byokproviderslug import BYOKProviderSlug

    return set(typing.get_args(typing.get_args(BYOKProviderSlug)[0]))


def _validate_openrouter(provider: dict[str, Any], shipped: bool = True) -> None:
    """Strict validation by the SDK's model, a lossless round trip, and (for the shipped
    catalog) slugs the SDK knows (a regional tag `base/region` by its base slug)."""
    from openrouter.components import ProviderPreferences

    prefs = ProviderPreferences.model_validate(provider, strict=True)
    assert prefs.model_dump(mode="json", by_alias=True) == provider  # nothing dropped
    assert not shipped or {s.split("/", 1)[0] for s in provider["only"]} <= _sdk_slugs()


@pytest.mark.parametrize(("policy", "data_class"), CASES, ids=_ids)
def test_openrouter_output_is_a_valid_sdk_provider_preferences(
    policy: Path,
    data_class: str,
    catalog: Catalog,
    app: typer.Typer,
    runner: CliRunner,
    in_repo: Path,
) -> None:
    result, cls = _evaluate(policy, data_class, catalog)
    document = to_openrouter(result, catalog, cls)
    out = _allowed(
        runner, app, "--policy", str(policy), "--data-class", data_class, "--format", "openrouter"
    )
    if not restricts("openrouter", document):
        assert out.exit_code == ExitCode.FAILED
        assert out.stdout == ""
        return
    assert out.exit_code == ExitCode.OK, out.output
    assert json.loads(out.stdout) == document
    _validate_openrouter(document["provider"])


def test_openrouter_pins_vertex_regions_for_a_us_only_class(
    catalog: Catalog, tmp_path: Path
) -> None:
    """OpenRouter's regional tags (`google-vertex/us-east5`) let a US-only class use Vertex
    although the base slug, which matches every region, may not be given."""
    policy = tmp_path / "us.yaml"
    policy.write_text(
        "policy: us\norg: o\ndefault_data_class: us\n"
        "data_classes:\n  us: {inference_within: [US]}\n"
    )
    result, cls = _evaluate(policy, "us", catalog)
    only = to_openrouter(result, catalog, cls)["provider"]["only"]
    assert {"google-vertex/us-east5", "google-vertex/us-central1"} <= set(only)
    assert "google-vertex" not in only  # google-vertex/global and /eu are not US
    _validate_openrouter({"only": only})


def test_openrouter_quantizations_validate_against_the_sdk(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    policy, catalog = _synthetic(tmp_path)
    out = _allowed(
        runner,
        app,
        "--policy",
        policy,
        "--catalog",
        catalog,
        "--data-class",
        "quant",
        "--model",
        "lab/m",
        "--format",
        "openrouter",
    )
    assert out.exit_code == ExitCode.OK, out.output
    provider = json.loads(out.stdout)["provider"]
    assert provider["quantizations"] == ["bf16", "fp8"]
    _validate_openrouter(provider, shipped=False)


# --- Vercel AI Gateway -------------------------------------------------------------------------

SYNTHETIC = {
    "whole": "aliases: {vercel: [whole], litellm: [whole], openrouter: [whole]}\n"
    "training_on_customer_data: never\n"
    "retention: {zero_data_retention: available}\n"
    "deployments:\n  - {id: a, inference_countries: [DE], cloud_regions: [eu-1]}\n"
    "  - {id: b, inference_countries: [FR], cloud_regions: [eu-2]}\n"
    "models:\n  - {id: lab/m, quantization: bf16}\n",
    "split": "aliases: {vercel: [split], litellm: [split]}\ntraining_on_customer_data: never\n"
    "retention: {zero_data_retention: available}\n"
    "deployments:\n  - {id: eu, inference_countries: [DE], cloud_regions: [eu-1]}\n"
    "  - {id: us, inference_countries: [US], cloud_regions: [us-1]}\n",
    "noslug": "training_on_customer_data: never\nretention: {zero_data_retention: available}\n"
    "inference_countries: [DE]\n",
}
SYNTHETIC_POLICY = """policy: p
org: o
default_data_class: eu
data_classes:
  eu: {inference_within: [EEA], training: forbidden, zero_data_retention: required}
  quant: {quantizations: [fp8, bf16]}
  nowhere: {inference_within: [AQ]}
"""


def _synthetic(root: Path) -> tuple[str, str]:
    return write_synthetic(root, SYNTHETIC, SYNTHETIC_POLICY)


def test_vercel_names_only_providers_whose_every_deployment_is_permitted(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    policy, catalog = _synthetic(tmp_path)
    out = _allowed(runner, app, "--policy", policy, "--catalog", catalog, "--format", "vercel")
    assert out.exit_code == ExitCode.OK, out.output
    assert json.loads(out.stdout) == {
        "providerOptions": {
            "gateway": {
                "only": ["whole"],
                "zeroDataRetention": True,
                "disallowPromptTraining": True,
            }
        }
    }
    # split/eu is permitted but its sibling split/us is not: the gateway cannot pin a region
    assert "permitted split/eu cannot be expressed" in out.stderr
    assert "cannot pin a region" in out.stderr
    assert "permitted noslug/default cannot be expressed" in out.stderr
    assert "no gateway slug" in out.stderr


@pytest.mark.parametrize("fmt", ["openrouter", "vercel"])
def test_nothing_permitted_prints_no_unrestricted_object(
    fmt: str, tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    """An empty `only` would let the router use any provider: refuse instead."""
    policy, catalog = _synthetic(tmp_path)
    out = _allowed(
        runner,
        app,
        "--policy",
        policy,
        "--catalog",
        catalog,
        "--data-class",
        "nowhere",
        "--format",
        fmt,
    )
    assert out.exit_code == ExitCode.FAILED
    assert out.stdout == ""
    assert "refusing" in out.stderr


@pytest.mark.parametrize(("policy", "data_class"), CASES, ids=_ids)
def test_vercel_output_on_the_shipped_catalog(
    policy: Path,
    data_class: str,
    catalog: Catalog,
    app: typer.Typer,
    runner: CliRunner,
    in_repo: Path,
) -> None:
    result, cls = _evaluate(policy, data_class, catalog)
    document = to_vercel(result, catalog, cls)
    gateway = document["providerOptions"]["gateway"]
    assert set(document) == {"providerOptions"} and set(document["providerOptions"]) == {"gateway"}
    assert set(gateway) <= {"only", "zeroDataRetention", "disallowPromptTraining"}
    assert all(value is True for key, value in gateway.items() if key != "only")
    provider = to_openrouter(result, catalog, cls)["provider"]  # both read the class the same way
    assert gateway.get("zeroDataRetention", False) == provider.get("zdr", False)
    assert gateway.get("disallowPromptTraining", False) == ("data_collection" in provider)
    owners = {s: p for p in catalog.providers.values() for s in p.aliases.vercel}
    permitted = set(result.permitted)
    covered = set()
    for slug in gateway["only"]:
        deployments = {t for t in result.decisions if t.startswith(owners[slug].id + "/")}
        assert deployments and deployments <= permitted, slug  # every deployment permitted
        covered |= deployments
    out = _allowed(
        runner, app, "--policy", str(policy), "--data-class", data_class, "--format", "vercel"
    )
    for target in sorted(permitted - covered):  # everything left out is named on stderr
        assert f"warning: permitted {target} cannot be expressed" in out.stderr
    if gateway["only"]:
        assert out.exit_code == ExitCode.OK
        assert json.loads(out.stdout) == document
    else:
        assert (out.exit_code, out.stdout) == (ExitCode.FAILED, "")


# --- LiteLLM: the view, the filtered config in a real Router, and the gate ---------------------


def test_litellm_view_shape(
    catalog: Catalog, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    policy = ROOT / "policies" / "eu-confidential.yaml"
    result, cls = _evaluate(policy, "confidential", catalog)
    view = to_litellm(result, catalog, cls)
    out = _allowed(
        runner, app, "--policy", str(policy), "--data-class", "confidential", "--format", "litellm"
    )
    assert out.exit_code == ExitCode.OK, out.output
    assert json.loads(out.stdout) == view
    assert list(view)[:8] == [
        "format",
        "version",
        "policy",
        "org",
        "data_class",
        "model",
        "as_of",
        "tag",
    ]
    assert (view["format"], view["version"], view["tag"]) == (
        "litellm",
        1,
        "clearance:confidential",
    )
    assert view["prefixes"]["bedrock"] == "amazon-bedrock"
    assert view["hosts"]["eu.api.openai.com"] == {"provider": "openai", "deployment": "openai/eu"}
    for pid, entry in view["providers"].items():
        for dep in entry["deployments"]:
            assert dep["id"].startswith(pid + "/")
            assert dep["permitted"] == (dep["id"] in result.permitted)
            assert ("denied" in dep) != dep["permitted"]
    # every deployment a LiteLLM name reaches is listed, with its decision
    listed = {d["id"] for e in view["providers"].values() for d in e["deployments"]}
    reachable = set(view["prefixes"].values()) | {h["provider"] for h in view["hosts"].values()}
    assert {t for t in result.decisions if t.split("/")[0] in reachable} == listed


def test_matcher_fails_closed_on_a_bad_view() -> None:
    with pytest.raises(ViewError):
        decide({"format": "litellm", "version": 2}, {"model": "openai/gpt-4o"})
    view = {
        "format": "litellm",
        "version": 1,
        "prefixes": {"openai": "openai"},
        "hosts": {},
        "providers": {"openai": {"deployments": [{"id": "openai/global", "regions": []}]}},
    }
    verdict = decide(view, {"model": "openai/gpt-4o"})  # no `permitted` flag: denied
    assert not verdict.permitted
    assert verdict.denied == {"openai/global": ("gate.unresolved",)}
    assert not decide(view, {"model": "openai/gpt-4o", "api_base": "http://["}).permitted


def test_an_api_base_host_outside_the_catalog_is_never_permitted(catalog: Catalog) -> None:
    """`openai/…` sent to a self-hosted server is not OpenAI: unknown hosts resolve to
    nothing; `*.suffix` host patterns (Azure's per-customer resource hosts) name a provider
    only for hosts under that suffix."""
    result, cls = _evaluate(ROOT / "policies" / "no-training.yaml", "internal", catalog)
    view = to_litellm(result, catalog, cls)
    assert decide(view, {"model": "openai/gpt-4o"}).resolution.provider == "openai"
    plain = decide(view, {"model": "openai/gpt-4o", "api_base": "http://vllm.internal:8000/v1"})
    assert "is plain http" in (plain.resolution.problem or "")
    for url in (
        "https://vllm.internal:8000/v1",
        "https://openai.azure.com.evil.example",
        "https://evilopenai.azure.com",
        "http://127.0.0.1:4000",
    ):
        verdict = decide(view, {"model": "openai/gpt-4o", "api_base": url})
        assert not verdict.permitted, url
        assert "is not in the catalog" in (verdict.resolution.problem or ""), url
    azure = decide(view, {"model": "azure/gpt-4o", "api_base": "https://acme-eu.openai.azure.com"})
    assert azure.resolution.provider == "azure-openai" and azure.resolution.problem is None
    prefixless = decide(view, {"model": "gpt-4o", "api_base": "https://x.openai.azure.com/"})
    assert prefixless.resolution.provider == "azure-openai"
    pinned = decide(view, {"model": "openai/gpt-4o", "api_base": "https://eu.api.openai.com/v1"})
    assert pinned.resolution.candidates == ("openai/eu",)


MATCHER = ["litellm_match", "litellm_params", "litellm_env", "litellm_proxy", "litellm_openrouter"]


@pytest.mark.parametrize("module", MATCHER)
def test_the_matcher_imports_the_standard_library_only(module: str) -> None:
    tree = ast.parse((ROOT / "registry" / "routers" / f"{module}.py").read_text())
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    ours = {f"registry.routers.{name}" for name in MATCHER}  # each checked here too
    assert {m.split(".")[0] for m in imported - ours} - {"__future__"} <= sys.stdlib_module_names


def _gate_verdicts(
    policy: LoadedPolicy, catalog: Catalog, config: Path, data_class: str
) -> dict[int | None, bool]:
    entries = manifest_entries(load_file(config), catalog)
    report = check_entries(policy, catalog, entries, data_class, AS_OF)
    return {r.entry.line: r.compliant for r in report.results if r.entry.kind == "litellm"}


@pytest.mark.filterwarnings("ignore:Item.*ReadOnly:UserWarning")  # litellm's own typing
@pytest.mark.parametrize(("policy", "data_class"), CASES, ids=_ids)
@pytest.mark.parametrize("config", CONFIGS, ids=_ids)
def test_the_filtered_config_builds_a_litellm_router_of_exactly_the_kept_entries(
    policy: Path,
    data_class: str,
    config: Path,
    catalog: Catalog,
    app: typer.Typer,
    runner: CliRunner,
    in_repo: Path,
) -> None:
    import litellm

    gate = _gate_verdicts(load_policy(policy), catalog, config, data_class)
    items = load_file(config).data["model_list"]
    lines = [
        load_file(config).line_of(("model_list", i, "litellm_params", "model"))
        for i in range(len(items))
    ]
    kept = [item for item, line in zip(items, lines, strict=True) if gate[line]]
    out = _allowed(
        runner,
        app,
        "--policy",
        str(policy),
        "--data-class",
        data_class,
        "--format",
        "litellm",
        "--litellm-config",
        str(config),
    )
    assert f"kept {len(kept)} of {len(items)} model_list entries" in out.stderr
    removed = [line for line in out.stderr.splitlines() if line.startswith("removed ")]
    assert len(removed) == len(items) - len(kept)
    if not kept:
        assert (out.exit_code, out.stdout) == (ExitCode.FAILED, "")
        assert "refusing to print an empty model_list" in out.stderr
        return
    assert out.exit_code == ExitCode.OK, out.output
    filtered = yaml.safe_load(out.stdout)
    original = load_file(config).data
    assert {k: v for k, v in filtered.items() if k != "model_list"} == {
        k: v for k, v in original.items() if k != "model_list"
    }
    router = litellm.Router(model_list=filtered["model_list"])
    deployments = list(router.registry().all())
    tag = f"clearance:{data_class}"
    assert [(d["model_name"], d["litellm_params"]["model"]) for d in deployments] == [
        (k["model_name"], k["litellm_params"]["model"]) for k in kept
    ]
    for deployment, item in zip(deployments, kept, strict=True):
        assert deployment["litellm_params"].get("api_base") == item["litellm_params"].get(
            "api_base"
        )
        assert deployment["litellm_params"]["tags"] == [
            *item["litellm_params"].get("tags", []),
            tag,
        ]


@pytest.mark.parametrize(("policy", "data_class"), CASES, ids=_ids)
def test_matcher_and_gate_agree_on_every_manifest_entry(
    policy: Path, data_class: str, catalog: Catalog
) -> None:
    result, cls = _evaluate(policy, data_class, catalog)
    view = to_litellm(result, catalog, cls)
    for config in CONFIGS:
        doc = load_file(config)
        gate = _gate_verdicts(load_policy(policy), catalog, config, data_class)
        for i, item in enumerate(doc.data["model_list"]):
            line = doc.line_of(("model_list", i, "litellm_params", "model"))
            assert decide(view, item["litellm_params"]).permitted == gate[line], (config, i)


# --- exit codes of the config filter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("model_list: []\n", "config.yaml:1:"),
        (
            "model_list:\n  - model_name: x\n    litellm_params:\n      model: 42\n",
            "config.yaml:2:",
        ),
        (
            "model_list:\n  - model_name: x\n    litellm_params:\n      model: openai/gpt-4o\n"
            "      tags: team-a\n",
            "config.yaml:5:",
        ),
        ("model_list:\n  - &a {model_name: x}\n", "config.yaml:2:"),
    ],
)
def test_an_invalid_litellm_config_exits_2_with_file_and_line(
    body: str, where: str, tmp_path: Path, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(body)
    out = _allowed(
        runner,
        app,
        "--policy",
        "policies/eu-confidential.yaml",
        "--format",
        "litellm",
        "--litellm-config",
        str(config),
    )
    assert out.exit_code == ExitCode.INVALID
    assert out.stdout == ""
    assert where in out.stderr.replace(str(tmp_path) + "/", "")


def test_litellm_config_needs_the_litellm_format_and_formats_are_an_enum(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    policy = ["--policy", "policies/eu-confidential.yaml"]
    out = _allowed(runner, app, *policy, "--format", "json", "--litellm-config", str(CONFIGS[0]))
    assert out.exit_code == ExitCode.INVALID
    assert "--litellm-config is only used with --format litellm" in out.stderr
    assert _allowed(runner, app, *policy, "--format", "bifrost").exit_code == ExitCode.INVALID


def test_the_catalog_schema_has_vercel_aliases_on_providers_only(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    assert runner.invoke(app, ["catalog", "schema", str(tmp_path)]).exit_code == ExitCode.OK
    defs = json.loads((tmp_path / "provider.schema.json").read_text())["$defs"]
    assert "vercel" in defs["Aliases"]["properties"]
    assert "vercel" not in defs["DeploymentAliases"]["properties"]
    providers = tmp_path / "c" / "providers"
    providers.mkdir(parents=True)
    (providers / "p.yaml").write_text(
        "id: p\nname: p\ndeployments:\n  - id: eu\n    aliases: {vercel: [p]}\n"
    )
    out = runner.invoke(app, ["validate", str(tmp_path / "c")])
    assert out.exit_code == ExitCode.INVALID
    assert "p.yaml:5:" in out.output.replace(str(providers) + "/", "")


# --- the registry service: every format on the hot path, with ETags ---------------------------


@pytest.fixture
def client(sqlite_client: TestClient) -> TestClient:
    return sqlite_client


PERMITTED = "/v1/orgs/example/policies/eu-confidential/permitted"
BUILDERS = {"openrouter": to_openrouter, "litellm": to_litellm, "vercel": to_vercel}


@pytest.mark.parametrize("fmt", sorted(BUILDERS))
def test_api_serves_each_router_format_with_its_own_etag(
    fmt: str, client: TestClient, catalog: Catalog
) -> None:
    response = client.get(PERMITTED, params={"data_class": "internal", "format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    today = datetime.now(UTC).date()
    loaded = load_policy(ROOT / "policies" / "eu-confidential.yaml")
    local = Engine().evaluate(loaded, catalog, "internal", None, today)
    assert response.json() == BUILDERS[fmt](local, catalog, loaded.data_class("internal"))
    etag = response.headers["etag"]
    assert etag == f'W/"{hashlib.sha256(response.content).hexdigest()[:32]}"'
    again = client.get(
        PERMITTED, params={"data_class": "internal", "format": fmt}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    other = client.get(PERMITTED, params={"data_class": "public", "format": fmt})
    assert other.headers["etag"] != etag  # a different answer, a different tag
    plain = client.get(PERMITTED, params={"data_class": "internal"})
    assert plain.headers["etag"] != etag


def test_api_refuses_router_objects_that_would_not_restrict_and_unknown_formats(
    client: TestClient,
) -> None:
    refused = client.get(PERMITTED, params={"data_class": "restricted", "format": "vercel"})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "CLR-R409"
    assert "etag" not in refused.headers
    cached = client.get(
        PERMITTED,
        params={"data_class": "restricted", "format": "vercel"},
        headers={"If-None-Match": "*"},
    )
    assert cached.status_code == 409
    unknown = client.get(PERMITTED, params={"format": "bifrost"})
    assert unknown.status_code == 422
    assert "openrouter" in unknown.json()["remedy"]
    parameters = client.get("/openapi.json").json()["paths"][
        "/v1/orgs/{org}/policies/{name}/permitted"
    ]
    (fmt,) = [p for p in parameters["get"]["parameters"] if p["name"] == "format"]
    assert fmt["schema"]["enum"] == ["json", "openrouter", "litellm", "vercel"]


def test_one_table_names_every_router_format() -> None:
    """The CLI's --format choices, the API's format= values and the OpenAPI anyOf of
    `permitted` all come from registry/routers/formats.py."""
    from cli.commands.allowed import AllowedFormat
    from registry.api.routes.decisions import FORMATS, PERMITTED_200

    names = set(ROUTER_FORMATS)
    assert names == {"openrouter", "litellm", "vercel"}
    assert {f.value for f in AllowedFormat} == {"table", "json", *names}
    assert set(FORMATS) == {"json", *names}
    documented = set(getattr(PERMITTED_200["model"], "__args__", ()))
    assert {f.model for f in ROUTER_FORMATS.values()} < documented
    for fmt in ROUTER_FORMATS.values():
        assert fmt.refusal or fmt.restricts({}), f"{fmt.name}: a refusal needs its words"
