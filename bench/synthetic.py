"""A seeded synthetic catalog and a fixed, realistic policy for the engine benchmark.

Facts are drawn from small value pools, so many targets share a value (as in the real
catalog): EEA/EU groups next to single countries, unknowns (`None`), expired certifications,
evidence of random trust. About a third of the providers are "careful": their facts are drawn
from the compliant end of each pool, so the confidential class permits a non-trivial set.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from registry.catalog.loader import Catalog, build_catalog
from registry.catalog.models import Provider
from registry.policy.loader import LoadedPolicy, load_policy_text
from registry.yamlload import Document

AS_OF = date(2026, 6, 1)
CAREFUL_SHARE = 0.35
UNKNOWN_SHARE = 0.05

EU_COUNTRIES = ["DE", "FR", "IE", "NL", "SE", "FI", "IT", "ES", "PL", "AT", "BE", "DK"]
INFERENCE_POOLS: dict[str, list[list[str]]] = {
    "eu": [["EEA"], ["EU"], ["DE"], ["IE", "NL"], ["FR", "DE"], ["EEA", "CH"], ["SE"]],
    "eu-central": [["DE"], ["DE", "AT"], ["DE", "CH"], ["EU"]],
    "uk": [["GB"], ["GB", "IE"], ["GB", "EU"]],
    "us": [["US"], ["US", "CA"]],
    "apac": [["JP"], ["SG"], ["IN"], ["JP", "SG"], ["AU"]],
    "global": [["US", "EEA"], ["US", "JP", "DE"], ["US"], ["EU", "US", "SG"]],
}
REGIONS = list(INFERENCE_POOLS)
HEADQUARTERS = ["US", "US", "US", "US", "FR", "DE", "GB", "CN", "CA", "IL", "SG", "CH", "NL"]
TRAINING = ["never", "never", "opt-in", "opt-out", "always", "unknown"]
PROMPT_DAYS: list[int | None] = [0, 0, 0, 1, 7, 30, 30, 90, 365, None]
OUTPUT_DAYS: list[int | None] = [0, 0, 30, 30, 90, None]
ZDR = ["default", "available", "available", "unavailable", "unknown"]
TLS = ["provider", "provider", "cdn", "hyperscaler", "unknown"]
TERMINATORS = ["cloudflare", "fastly", "akamai", "aws-alb"]
GPU_OWNERSHIP = ["owned", "leased", "mixed", "mixed", "unknown"]
OPERATORS = ["coreweave", "lambda", "aws", "gcp", "azure", "crusoe", "self", "oracle"]
ACCELERATORS = ["nvidia-h100", "nvidia-h200", "nvidia-b200", "amd-mi300x", "google-tpu-v5e"]
CERTIFICATIONS = ["soc2-type2", "soc2-type1", "iso27001", "iso27017", "iso42001", "hipaa", "c5"]
CONTRACTS = ["dpa", "scc", "baa", "msa", "nda"]
SUBPROCESSORS = [
    "cloudflare",
    "aws",
    "gcp",
    "azure",
    "fastly",
    "coreweave",
    "datadog",
    "sentry",
    "snowflake",
    "openai",
]
TRUSTS = ["inferred", "secondary", "self-declared", "contractual", "audited"]
EVIDENCE_FACTS = [
    "headquarters",
    "training_on_customer_data",
    "certifications",
    "contracts",
    "subprocessors",
    "gpu",
    "gpu.ownership",
    "retention",
    "retention.prompts_days",
    "decryption",
    "decryption.tls_termination",
    "inference_countries",
    "storage_countries",
    "decryption_countries",
]
CAREFUL_EVIDENCE = [
    "headquarters",
    "training_on_customer_data",
    "certifications",
    "contracts",
    "subprocessors",
    "gpu",
    "retention",
    "decryption",
    "inference_countries",
    "storage_countries",
    "decryption_countries",
]

POLICY_YAML = """\
policy: bench-eu
org: bench
description: Benchmark policy, EU customer data
region_groups:
  DACH: [DE, AT, CH]
default_data_class: internal
data_classes:
  public: {}
  internal:
    training: forbidden
  confidential:
    inherits: internal
    inference_within: [EEA, CH]
    storage_within: [EEA]
    decryption_within: [EEA, DACH]
    headquarters_not_in: [CN, RU]
    tls_termination: [provider, hyperscaler]
    gpu_ownership: [owned, mixed]
    max_prompt_retention_days: 30
    zero_data_retention: required
    certifications_all: [soc2-type2]
    contracts_all: [dpa]
    subprocessors_not_in: [snowflake, openai]
    evidence_max_age_days: 365
    min_evidence_trust: self-declared
providers:
  deny: [p00003, p00011/eu, p00042]
exceptions:
  - target: p00005
    data_class: confidential
    waive: [gpu_ownership, tls_termination]
    reason: "GPU colocation reviewed, ticket SEC-1234"
    approved_by: alice@bench.example
    expires: 2027-03-31
  - target: p00007/eu
    data_class: confidential
    waive: [certifications_all]
    reason: "SOC 2 audit in progress, ticket SEC-2001"
    approved_by: bob@bench.example
    expires: 2026-01-31
"""


def bench_policy() -> LoadedPolicy:
    """The fixed benchmark policy (its `confidential` class uses most requirement keys)."""
    return load_policy_text(POLICY_YAML, "policies/bench-eu.yaml")


def _pick(rng: random.Random, pool: list[Any], careful: bool, good: int) -> Any:
    """A value from the pool; careful providers draw from its first `good` entries."""
    return rng.choice(pool[:good] if careful else pool)


def _maybe(rng: random.Random, value: Any) -> Any:
    """The value, or None (unknown) now and then."""
    return None if rng.random() < UNKNOWN_SHARE else value


def _subset(rng: random.Random, pool: list[str], low: int, high: int) -> list[str]:
    return rng.sample(pool, rng.randint(low, high))


def _certifications(rng: random.Random, careful: bool) -> list[dict[str, Any]] | None:
    if not careful and rng.random() < 0.1:
        return None
    ids = _subset(rng, CERTIFICATIONS, 0, 4)
    if careful and "soc2-type2" not in ids:
        ids.append("soc2-type2")
    out: list[dict[str, Any]] = []
    for cert in ids:
        roll = rng.random()
        if roll < 0.4:
            out.append({"id": cert})
        else:
            expired = roll < (0.5 if careful else 0.6)
            shift = -rng.randint(1, 400) if expired else rng.randint(1, 900)
            out.append({"id": cert, "expires": AS_OF + timedelta(days=shift)})
    return out


def _evidence(rng: random.Random, careful: bool, count: int) -> list[dict[str, Any]]:
    items = []
    for k in range(count):
        facts = CAREFUL_EVIDENCE if careful and k == 0 else _subset(rng, EVIDENCE_FACTS, 1, 5)
        trust = rng.choice(TRUSTS[2:] if careful and k == 0 else TRUSTS)
        items.append(
            {
                "url": f"https://trust.example.com/{rng.randrange(10**6)}",
                "as_of": AS_OF - timedelta(days=rng.randint(0, 700)),
                "facts": list(facts),
                "trust": trust,
                # quoted, as the shipped catalog's evidence is: only quoted evidence sets the
                # trust of a high-stakes fact
                "quote": "A sentence of the source about these facts.",
            }
        )
    return items


def _countries(rng: random.Random, region: str, careful: bool) -> list[str]:
    pool = INFERENCE_POOLS[region]
    return list(pool[0] if careful and region.startswith("eu") else rng.choice(pool))


def _deployment(rng: random.Random, region: str, careful: bool) -> dict[str, Any]:
    inference = _countries(rng, region, careful)
    dep: dict[str, Any] = {"id": region}
    if rng.random() > UNKNOWN_SHARE:
        dep["inference_countries"] = inference
    dep["storage_countries"] = [] if rng.random() < 0.3 else list(inference[:1])
    if rng.random() > UNKNOWN_SHARE:
        dep["decryption_countries"] = (
            list(inference) if careful else rng.choice([inference, ["US"]])
        )
    if rng.random() < 0.3:
        dep["retention"] = {"prompts_days": _maybe(rng, rng.choice(PROMPT_DAYS[:5]))}
    if rng.random() < 0.2:
        dep["gpu"] = {"ownership": _pick(rng, GPU_OWNERSHIP, careful, 2)}
    if rng.random() < 0.15:
        dep["evidence"] = _evidence(rng, careful=False, count=1)
    return dep


def _facts(rng: random.Random, careful: bool) -> dict[str, Any]:
    """Provider-level facts (inherited by every deployment)."""
    tls = _pick(rng, TLS, careful, 2)
    return {
        "headquarters": _pick(rng, HEADQUARTERS, careful, 7),
        "training_on_customer_data": _pick(rng, TRAINING, careful, 3),
        "certifications": _certifications(rng, careful),
        "contracts": None if rng.random() < UNKNOWN_SHARE else _contracts(rng, careful),
        "subprocessors": _maybe(rng, _subset(rng, SUBPROCESSORS[: 8 if careful else 10], 0, 3)),
        "gpu": {
            "ownership": _pick(rng, GPU_OWNERSHIP, careful, 4),
            "accelerators": _subset(rng, ACCELERATORS, 1, 2),
            "operators": _maybe(rng, _subset(rng, OPERATORS, 1, 2)),
        },
        "retention": {
            "prompts_days": _maybe(rng, _pick(rng, PROMPT_DAYS, careful, 7)),
            "outputs_days": rng.choice(OUTPUT_DAYS),
            "abuse_monitoring_days": _maybe(rng, rng.choice([0, 30])),
            "zero_data_retention": _pick(rng, ZDR, careful, 3),
        },
        "decryption": {
            "tls_termination": tls,
            "terminator": None if tls == "provider" else rng.choice(TERMINATORS),
            "confidential_computing": _maybe(rng, rng.random() < 0.1),
        },
    }


def _contracts(rng: random.Random, careful: bool) -> list[str]:
    found = _subset(rng, CONTRACTS, 0, 3)
    if careful and "dpa" not in found:
        found.append("dpa")
    return found


def provider_data(rng: random.Random, index: int) -> dict[str, Any]:
    """One provider as the plain data a catalog file would hold."""
    careful = rng.random() < CAREFUL_SHARE
    regions = rng.sample(REGIONS[:3] if careful else REGIONS, 3)
    verified = AS_OF - timedelta(days=rng.randint(0, 300 if careful else 700))
    return {
        "id": f"p{index:05d}",
        "name": f"Provider {index}",
        "legal_entity": f"Provider {index} Ltd.",
        **_facts(rng, careful),
        "deployments": [_deployment(rng, region, careful) for region in regions],
        "verified_at": None if rng.random() < UNKNOWN_SHARE else verified,
        "evidence": _evidence(rng, careful, rng.randint(1, 4)),
    }


def synthetic_catalog(size: int, seed: int) -> Catalog:
    """`size` providers with three deployments each, validated and wrapped as a Catalog."""
    rng = random.Random(seed)
    providers: dict[str, Provider] = {}
    docs: dict[str, Document] = {}
    for index in range(size):
        provider = Provider.model_validate(provider_data(rng, index))
        providers[provider.id] = provider
        docs[provider.id] = Document(file=f"providers/{provider.id}.yaml", data=None)
    return build_catalog(f"<synthetic:{size}:{seed}>", providers, docs)


def fresh_copy(catalog: Catalog) -> Catalog:
    """The same providers and revision with an empty memo (no targets, no fact columns)."""
    return Catalog(catalog.root, catalog.providers, catalog.revision, catalog.files)
