"""Hypothesis strategies: random but valid catalogs and policies for engine properties."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from registry.catalog.loader import Catalog, build_catalog
from registry.catalog.models import FACT_PATHS, Provider
from registry.policy.loader import LoadedPolicy, policy_from_document
from registry.yamlload import Document

AS_OF = date(2026, 11, 26)
COUNTRIES = ["DE", "FR", "IE", "NO", "CH", "US", "GB", "CN", "SG", "EU", "EEA"]
POLICY_COUNTRIES = ["DE", "FR", "IE", "NO", "CH", "US", "GB", "CN", "EU", "EEA", "NORDICS"]
CERTS = ["soc2-type2", "iso27001", "iso42001", "hipaa"]
CONTRACTS = ["dpa", "scc", "baa"]
VENDORS = ["cloudflare", "aws", "some-vendor", "Microsoft-Azure", "unknown"]
TRUSTS = ["inferred", "secondary", "self-declared", "contractual", "audited"]
MODELS = ["lab/alpha", "lab/beta"]

# Small pools around the boundaries, so that equal values (<= vs <) are drawn often.
days = st.none() | st.sampled_from([0, 7, 30, 31])
LIMITS = st.sampled_from([0, 7, 30])
ACCURACY = st.sampled_from([0.8, 0.9, 0.95])
dates = st.sampled_from(
    [AS_OF + timedelta(days=d) for d in (-731, -366, -365, -364, -30, -1, 0, 1, 30)]
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _country_list(min_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(COUNTRIES), min_size=min_size, max_size=3, unique=True)


@st.composite
def fact_block(draw: st.DrawFn, partial: bool) -> dict[str, Any]:
    """Facts a provider (all keys possible) or deployment (a random subset) writes."""
    choices: dict[str, st.SearchStrategy[Any]] = {
        "training_on_customer_data": st.sampled_from(
            ["never", "opt-in", "opt-out", "always", "unknown"]
        ),
        "certifications": _maybe(
            st.lists(
                st.fixed_dictionaries(
                    {"id": st.sampled_from(CERTS)}, optional={"expires": dates.map(str)}
                ),
                max_size=3,
            )
        ),
        "contracts": _maybe(st.lists(st.sampled_from(CONTRACTS), max_size=3, unique=True)),
        "subprocessors": _maybe(st.lists(st.sampled_from(VENDORS), max_size=2, unique=True)),
        "gpu": st.fixed_dictionaries(
            {}, optional={"ownership": st.sampled_from(["owned", "leased", "mixed", "unknown"])}
        ),
        "retention": st.fixed_dictionaries(
            {},
            optional={
                "prompts_days": days,
                "outputs_days": days,
                "abuse_monitoring_days": days,
                "zero_data_retention": st.sampled_from(
                    ["default", "available", "unavailable", "unknown"]
                ),
            },
        ),
        "decryption": st.fixed_dictionaries(
            {},
            optional={
                "tls_termination": st.sampled_from(["provider", "cdn", "hyperscaler", "unknown"]),
                "confidential_computing": _maybe(st.booleans()),
            },
        ),
        "inference_countries": _maybe(_country_list(1)),
        "storage_countries": _maybe(_country_list(0)),
        "decryption_countries": _maybe(_country_list(1)),
        "evidence": st.lists(evidence(), max_size=3),
    }
    keys = draw(
        st.lists(
            st.sampled_from(sorted(choices)),
            unique=True,
            max_size=len(choices) if not partial else 4,
        )
    )
    return {key: draw(choices[key]) for key in keys}


@st.composite
def evidence(draw: st.DrawFn) -> dict[str, Any]:
    paths = [*FACT_PATHS, "retention", "gpu", "decryption"]
    return {
        "url": "https://example.test/e",
        "as_of": str(draw(dates)),
        "trust": draw(st.sampled_from(TRUSTS)),
        "facts": draw(st.lists(st.sampled_from(paths), min_size=1, max_size=4, unique=True)),
    }


@st.composite
def provider(draw: st.DrawFn, pid: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": pid, "name": pid.upper(), **draw(fact_block(partial=False))}
    hq = draw(_maybe(st.sampled_from(["US", "DE", "CN", "FR"])))
    if hq is not None:
        data["headquarters"] = hq
    verified = draw(_maybe(dates))
    if verified is not None:
        data["verified_at"] = str(verified)
    dep_ids = draw(st.lists(st.sampled_from(["eu", "us", "global"]), max_size=3, unique=True))
    data["deployments"] = [{"id": d, **draw(fact_block(partial=True))} for d in dep_ids]
    offerings = []
    for model in draw(st.lists(st.sampled_from(MODELS), max_size=2, unique=True)):
        offer: dict[str, Any] = {"id": model}
        if dep_ids and draw(st.booleans()):
            offer["deployments"] = draw(st.lists(st.sampled_from(dep_ids), min_size=1, unique=True))
        offer["quantization"] = draw(st.sampled_from(["bf16", "fp8", "int4", "unknown"]))
        offer["tool_call_accuracy"] = draw(_maybe(ACCURACY))
        offer["retention"] = draw(st.fixed_dictionaries({}, optional={"prompts_days": days}))
        offerings.append(offer)
    data["models"] = offerings
    return data


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    count = draw(st.integers(min_value=1, max_value=5))
    providers = {}
    for i in range(count):
        parsed = Provider.model_validate(draw(provider(f"p{i}")))
        providers[parsed.id] = parsed
    return build_catalog("<generated>", providers, {p: Document(p, None) for p in providers})


def _requirements(draw: st.DrawFn) -> dict[str, Any]:
    countries = st.lists(st.sampled_from(POLICY_COUNTRIES), min_size=1, max_size=3, unique=True)
    options: dict[str, st.SearchStrategy[Any]] = {
        "inference_within": countries,
        "storage_within": countries,
        "decryption_within": countries,
        "headquarters_in": countries,
        "headquarters_not_in": countries,
        "tls_termination": st.lists(
            st.sampled_from(["provider", "cdn", "hyperscaler"]), min_size=1, unique=True
        ),
        "gpu_ownership": st.lists(
            st.sampled_from(["owned", "leased", "mixed"]), min_size=1, unique=True
        ),
        "confidential_computing": st.just("required"),
        "max_prompt_retention_days": LIMITS,
        "max_output_retention_days": LIMITS,
        "max_abuse_monitoring_days": LIMITS,
        "zero_data_retention": st.sampled_from(["required", "in_effect"]),
        "training": st.sampled_from(["forbidden", "opt_out_ok"]),
        "certifications_all": st.lists(st.sampled_from(CERTS), min_size=1, unique=True),
        "certifications_any": st.lists(st.sampled_from(CERTS), min_size=1, unique=True),
        "contracts_all": st.lists(st.sampled_from(CONTRACTS), min_size=1, unique=True),
        "contracts_signed": st.lists(st.sampled_from(CONTRACTS), min_size=1, unique=True),
        "subprocessors_not_in": st.lists(
            st.sampled_from([v.lower() for v in VENDORS]), min_size=1, unique=True
        ),
        "evidence_max_age_days": st.sampled_from([0, 30, 365]),
        "min_evidence_trust": st.sampled_from(TRUSTS),
        "min_tool_call_accuracy": ACCURACY,
        "quantizations": st.lists(
            st.sampled_from(["bf16", "fp16", "fp8", "int4"]), min_size=1, unique=True
        ),
        "on_unknown": st.sampled_from(["deny", "allow"]),
    }
    keys = draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=8))
    return {key: draw(options[key]) for key in keys}


@st.composite
def policies(draw: st.DrawFn, catalog: Catalog) -> LoadedPolicy:
    ids = sorted(
        {
            *catalog.providers,
            *(f"{p.id}/{d.id}" for p in catalog.providers.values() for d in p.deployments),
        }
    )
    base = _requirements(draw)
    child = {"inherits": "base", **_requirements(draw)}
    if draw(st.booleans()) and base:
        child[draw(st.sampled_from(sorted(base)))] = None  # clear an inherited requirement
    data: dict[str, Any] = {
        "policy": "generated",
        "org": "test",
        "default_data_class": "base",
        "region_groups": {"NORDICS": ["DK", "FI", "IS", "NO", "SE"]},
        "data_classes": {"base": base, "child": child},
        "providers": {
            "deny": draw(st.lists(st.sampled_from(ids), max_size=1)),
            "allow": draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)),
        },
        "exceptions": [
            {
                "target": draw(st.sampled_from(ids)),
                "data_class": draw(st.sampled_from(["base", "child"])),
                "waive": draw(
                    st.lists(
                        st.sampled_from(sorted(set(base) - {"on_unknown"}) or ["training"]),
                        min_size=1,
                        max_size=2,
                        unique=True,
                    )
                ),
                "reason": "reviewed",
                "approved_by": "sec@example.test",
                "expires": str(draw(dates)),
            }
            for _ in range(draw(st.integers(0, 2)))
        ],
    }
    data["providers"]["deny"] = [
        d for d in data["providers"]["deny"] if d not in data["providers"]["allow"]
    ]
    return policy_from_document(Document("generated.yaml", data))


ATTESTED_TRUSTS = ["contractual", "audited", "self-declared"]


def _ids(catalog: Catalog) -> list[str]:
    return sorted(
        {
            *catalog.providers,
            *(f"{p.id}/{d.id}" for p in catalog.providers.values() for d in p.deployments),
            *(f"{p.id}/default" for p in catalog.providers.values() if not p.deployments),
        }
    )


@st.composite
def attestation_entry(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    """One entry: a provider or deployment target, a few facts and/or signed contracts,
    dates around the evaluation day (so expired, expiring and future ones are drawn)."""
    facts = draw(fact_block(partial=True))
    facts.pop("evidence", None)
    entry: dict[str, Any] = {"target": draw(st.sampled_from(ids))}
    if facts:
        entry["facts"] = facts
    if not facts or draw(st.booleans()):
        entry["signed_contracts"] = draw(
            st.lists(st.sampled_from(CONTRACTS), max_size=3, unique=True)
        )
    signed, expires = sorted(draw(st.lists(dates, min_size=2, max_size=2)))
    entry.update(
        document=f"document {draw(st.integers(1, 999))}",
        trust=draw(st.sampled_from(ATTESTED_TRUSTS)),
        signed=str(signed),
        expires=str(expires),
        approved_by="sec@example.test",
    )
    return entry


@st.composite
def attestation_documents(draw: st.DrawFn, catalog: Catalog, org: str = "test") -> list[Any]:
    """One or two attestations files of one org (parsed documents, not yet validated as a
    set: entries may conflict)."""
    ids = _ids(catalog)
    out = []
    for n in range(draw(st.integers(1, 2))):
        entries = draw(st.lists(attestation_entry(ids), min_size=0, max_size=4))
        data = {"attestations": f"set-{n}", "org": org, "entries": entries}
        out.append(Document(f"attestations/set-{n}.yaml", data))
    return out
