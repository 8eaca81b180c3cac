"""What each rule id means, for people: a short title and a help text, in one table.

Rule ids are `<data class>.<requirement key>` for policy requirements (the title and help of
the key, whatever the class) and fixed ids for what the gate, the policy's lists and its
exceptions find. SARIF rule metadata, GitHub annotation titles and the `allowed` summary read
this table; a test checks that it covers every requirement key and every fixed id.
"""

from __future__ import annotations

from collections.abc import Mapping

UNKNOWN_NOTE = (
    " A fact the catalog does not know fails too (fail closed) unless the class sets "
    "`on_unknown: allow`: evidence in the catalog, or the org's attestation, lifts it."
)
EXPLAIN_NOTE = " `clearance explain TARGET --policy FILE --data-class {cls}` shows the facts."

# requirement key → (title: what is wrong, help: what the requirement asks and what to do)
REQUIREMENTS: Mapping[str, tuple[str, str]] = {
    "inference_within": (
        "inference outside the allowed countries, or not known",
        "Prompts must be processed only in the countries or groups the policy lists "
        "(`inference_countries`). Use a regional deployment inside them.",
    ),
    "storage_within": (
        "storage outside the allowed countries, or not known",
        "Data the deployment keeps must stay in the listed countries (`storage_countries`). "
        "Use a deployment that stores inside them, or none that stores.",
    ),
    "decryption_within": (
        "decryption outside the allowed countries, or not known",
        "TLS must end, and prompts be decrypted, only in the listed countries "
        "(`decryption_countries`). Use a deployment that terminates TLS in-region.",
    ),
    "headquarters_in": (
        "headquarters not in the required countries",
        "The provider's headquarters must be in one of the listed countries.",
    ),
    "headquarters_not_in": (
        "headquarters in an excluded country",
        "The provider must not be headquartered in any of the listed countries.",
    ),
    "tls_termination": (
        "TLS terminated by a party the policy does not accept",
        "Who terminates TLS (`decryption.tls_termination`: provider, cdn, hyperscaler) must "
        "be one the policy lists.",
    ),
    "gpu_ownership": (
        "GPU ownership the policy does not accept",
        "Whether the provider owns or leases its GPUs (`gpu.ownership`) must be one the "
        "policy lists.",
    ),
    "confidential_computing": (
        "no confidential computing",
        "Prompts must be decrypted only inside attested trusted execution environments "
        "(`decryption.confidential_computing`).",
    ),
    "max_prompt_retention_days": (
        "prompts kept longer than allowed, or not known",
        "Prompts may be retained at most the policy's number of days "
        "(`retention.prompts_days`). Use a deployment or plan with shorter retention.",
    ),
    "max_output_retention_days": (
        "outputs kept longer than allowed, or not known",
        "Outputs may be retained at most the policy's number of days (`retention.outputs_days`).",
    ),
    "max_abuse_monitoring_days": (
        "abuse-monitoring logs kept longer than allowed, or not known",
        "Abuse-monitoring logs may be kept at most the policy's number of days "
        "(`retention.abuse_monitoring_days`).",
    ),
    "zero_data_retention": (
        "no zero data retention",
        "The deployment must offer zero data retention (`required`: default or available) "
        "or have it in effect for the org (`in_effect`, from its attestations).",
    ),
    "training": (
        "may train on customer data",
        "The provider must not train on customer data (`training_on_customer_data`): "
        "`forbidden` accepts never or opt-in, `opt_out_ok` also opt-out.",
    ),
    "certifications_all": (
        "missing required certifications",
        "Every listed certification must be held and unexpired on the evaluation date.",
    ),
    "certifications_any": (
        "none of the accepted certifications",
        "At least one listed certification must be held and unexpired on the evaluation date.",
    ),
    "contracts_all": (
        "required contracts not offered",
        "Every listed contract (such as a DPA or BAA) must be offered by the provider.",
    ),
    "contracts_signed": (
        "required contracts not signed",
        "Every listed contract must be attested as signed for the org (its attestations).",
    ),
    "subprocessors_not_in": (
        "uses an excluded subprocessor",
        "None of the listed subprocessors may be used.",
    ),
    "evidence_max_age_days": (
        "catalog entry verified too long ago",
        "The catalog entry must have been verified within the policy's number of days.",
    ),
    "min_evidence_trust": (
        "evidence too weak",
        "Every fact the class relies on must be backed by evidence of at least the "
        "policy's trust level.",
    ),
    "min_tool_call_accuracy": (
        "tool-call accuracy too low",
        "The model offering's measured tool-call accuracy must reach the policy's minimum.",
    ),
    "quantizations": (
        "quantization not accepted",
        "The model offering's quantization must be one the policy lists.",
    ),
}

# fixed rule ids → (title, help)
FIXED: Mapping[str, tuple[str, str]] = {
    "gate.unresolved": (
        "where prompts go cannot be told",
        "The manifest entry maps to no provider, deployment or region of the catalog (or a "
        "value it names cannot be read, such as an environment variable), so nothing can "
        "vouch for it. Name a catalog provider or deployment (see `clearance allowed`), give "
        "the environment with --env/--env-file, or add the provider to the catalog.",
    ),
    "gate.unpinned": (
        "OpenRouter request not pinned to providers",
        "The OpenRouter request does not pin providers, so OpenRouter may route it to any of "
        "its providers, including ones the catalog has never judged. Add the `provider` "
        "object the message shows (`only` with `allow_fallbacks: false`).",
    ),
    "gate.unknown_provider": (
        "OpenRouter may route to a provider the catalog does not know",
        "The OpenRouter request names a provider slug the catalog does not know: OpenRouter "
        "may route there and nobody has judged it. Remove the slug or add the provider.",
    ),
    "routing.min_deployments_per_model": (
        "too few permitted deployments to fail over",
        "The policy asks for a minimum number of permitted deployments per model so a "
        "router can fail over. Add permitted deployments of the model to the manifest.",
    ),
    "routing.distinct_operators": (
        "permitted deployments share one operator",
        "The policy asks that a model's permitted deployments run on hardware of at least "
        "two different operators (`gpu.operators`). Add a deployment of another operator.",
    ),
    "providers.deny": (
        "on the policy's deny list",
        "The policy's `providers.deny` names this provider or deployment. Use another one.",
    ),
    "providers.allow": (
        "not on the policy's allow list",
        "The policy's `providers.allow` lists the only providers and deployments it "
        "accepts. Use one of them, or add this one to the list.",
    ),
    "policy.exception_expiring": (
        "a policy exception expires soon",
        "A policy exception this gate relies on expires soon; after that day the "
        "requirement it waives applies again. Renew the exception or meet the requirement.",
    ),
    "policy.exception_expired": (
        "a policy exception has expired",
        "A policy exception has expired and is ignored: the requirement it waived applies.",
    ),
}


# `<class>.engine`: the engine failed and denied every deployment (never a permit)
ENGINE = (
    "the policy engine failed, so everything is denied",
    "The policy engine failed while evaluating this class; every deployment is denied until "
    "it can evaluate. The message names the failure; report it with the policy and catalog.",
)


def _lookup(rule: str) -> tuple[str, str] | None:
    if rule in FIXED:
        return FIXED[rule]
    cls, _, key = rule.partition(".")
    if key == "engine":
        return ENGINE
    if key in REQUIREMENTS:
        title, text = REQUIREMENTS[key]
        return title, text + UNKNOWN_NOTE + EXPLAIN_NOTE.format(cls=cls)
    return None


def rule_title(rule: str) -> str:
    """A short phrase saying what is wrong (the rule id itself for one we do not know)."""
    found = _lookup(rule)
    return found[0] if found is not None else rule


def rule_help(rule: str) -> str:
    """What the rule asks and how to comply."""
    found = _lookup(rule)
    if found is not None:
        return found[1]
    cls = rule.partition(".")[0]
    return f"The policy rule `{rule}` failed for a deployment this manifest may use." + (
        EXPLAIN_NOTE.format(cls=cls)
    )
