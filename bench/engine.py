"""Engine benchmark: reference vs. engine (warm, cold) vs. naive Casbin vs. cedarpy, and
the engine warm on one org's view of the catalog (1,000 attested targets) vs. without.

Run `python -m bench.engine` (or `make bench`); `--quick` times 1k providers once. Every
column of one row comes from the same run, the same synthetic catalog, policy and `as_of`.
Results are checked before they are reported: the engine's permitted set must equal the
reference's, and Cedar's permitted set and failed rules must equal the engine's.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bench.cedar import CedarWorkload, failed_rules, workload
from bench.synthetic import AS_OF, bench_policy, fresh_copy, synthetic_catalog
from registry.attestations.apply import with_attestations
from registry.attestations.loader import (
    AttestationSet,
    attestation_set,
    attestations_from_document,
)
from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog
from registry.engine.casbin_model import CasbinDecider
from registry.engine.compiled import COLUMNS, CompiledClass, column, compile_class, fact_value
from registry.engine.decisions import Evaluation
from registry.engine.engine import ENGINE_VERSION, Engine
from registry.engine.evaluate import evaluate_compiled
from registry.engine.reference import reference_evaluate
from registry.engine.requirements import SPECS, TRUST_FACT, encode
from registry.policy.loader import LoadedPolicy
from registry.yamlload import Document

DATA_CLASS = "confidential"
NAIVE_TARGETS = 200
WARM_MAX_REF = 1.5
CEDAR_MIN_WARM = 30.0
COLD_MAX_WARM = 10.0
COLD_TARGET_SIZE = 10_000
ATTESTED_TARGETS = 1_000
ATTESTED_MAX_WARM = 1.5


@dataclass(frozen=True)
class Timing:
    """Seconds of each repeat."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        return min(self.samples)


@dataclass
class SizeResult:
    providers: int
    targets: int
    permitted: int
    reference: Timing
    warm: Timing
    cold: Timing
    recompile: Timing
    naive_per_target: Timing
    breakdown: dict[str, float]
    pairs: int
    attested: Timing | None = None
    attested_targets: int = 0
    attested_permitted: int = 0
    cedar: Timing | None = None
    cedar_measured: int = 0
    cedar_parse: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def cedar_full(self) -> float | None:
        """Cedar's median for all targets (extrapolated per target from a subset)."""
        if self.cedar is None:
            return None
        return self.cedar.median * self.targets / self.cedar_measured


def measure(run: Callable[[], object], repeat: int) -> Timing:
    samples = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return Timing(tuple(samples))


def spread(found: Sequence[Target], count: int) -> list[Target]:
    """Up to `count` targets spread evenly over the catalog."""
    step = max(1, len(found) // count)
    return list(found[::step][:count])


def rules_of(evaluation: Evaluation, target: str, keep: frozenset[str] | None) -> frozenset[str]:
    rules = frozenset(r.rule for r in evaluation.decisions[target].reasons)
    return rules if keep is None else rules & keep


def check_engine(engine: Evaluation, reference: Evaluation, label: str) -> list[str]:
    """Assert equal permitted sets; report (not fail on) differing reasons."""
    assert engine.permitted == reference.permitted, f"{label}: permitted sets differ"
    differ = sum(engine.decisions[t] != d for t, d in reference.decisions.items())
    return [f"WARNING {label}: {differ} decisions differ in reasons"] if differ else []


def naive_casbin(compiled: CompiledClass, sample: Sequence[Target]) -> None:
    """One enforce per (target, requirement), no pair cache: why the engine decides pairs."""
    decider = CasbinDecider(compiled.rows)
    for target in sample:
        for req in compiled.requirements:
            value = fact_value(target, SPECS[req.key].fact, compiled.trust_facts)
            decider.decide(req.rule, encode(value))


def bench_attestations(found: Sequence[Target], count: int) -> AttestationSet:
    """One org's set over `count` targets spread over the catalog: half attest a stricter
    retention (reasons then name the entry), half ZDR by default and a signed DPA."""
    entries = []
    for i, target in enumerate(spread(found, count)):
        facts: dict[str, Any] = (
            {"retention": {"prompts_days": 90}}
            if i % 2
            else {"retention": {"prompts_days": 0, "zero_data_retention": "default"}}
        )
        entries.append(
            {
                "target": target.id,
                "facts": facts,
                "signed_contracts": ["dpa"],
                "document": f"bench approval {i}",
                "trust": "contractual",
                "signed": "2026-01-01",
                "expires": "2027-06-01",
                "approved_by": "bench@example.test",
            }
        )
    data = {"attestations": "bench", "org": "bench", "entries": entries}
    found_set = attestation_set([attestations_from_document(Document("bench-att.yaml", data))])
    assert found_set is not None
    return found_set


def cold_breakdown(
    policy: LoadedPolicy, catalog: Catalog, as_of: date
) -> tuple[dict[str, float], int]:
    """One cold evaluation split into its stages (seconds) and the number of pairs decided."""
    fresh = fresh_copy(catalog)
    stages: dict[str, float] = {}
    start = time.perf_counter()
    targets(fresh)
    stages["fact extraction"] = time.perf_counter() - start
    cls = policy.data_class(DATA_CLASS)
    start = time.perf_counter()
    compiled = compile_class(policy, cls, as_of, model_query=False)
    stages["compile"] = time.perf_counter() - start
    start = time.perf_counter()
    groups = [
        column(fresh, None, SPECS[r.key].fact, compiled.trust_facts, compiled.trust_floor)
        for r in compiled.requirements
    ]
    stages["fact columns"] = time.perf_counter() - start
    start = time.perf_counter()
    for index, values in enumerate(groups):
        for value_json in values:
            compiled.reason(index, value_json)
    stages["casbin pair decisions"] = time.perf_counter() - start
    start = time.perf_counter()
    evaluate_compiled(compiled, fresh, None)
    stages["composition"] = time.perf_counter() - start
    return stages, len(compiled.outcomes)


def run_cedar(
    result: SizeResult, compiled: CompiledClass, found: Sequence[Target], engine: Evaluation
) -> None:
    """Time cedarpy on the same workload and check it against the engine."""
    try:
        import cedarpy
    except ImportError:
        result.notes.append("cedarpy is not installed: the cedar column is skipped")
        return
    work = workload(compiled, found, AS_OF)
    for rule in work.skipped:
        result.notes.append(f"WARNING Cedar cannot express {rule} exactly: left out of both sides")
    start = time.perf_counter()
    policies = cedarpy.PolicySet.from_str(work.policies)
    entities = cedarpy.Entities.from_json_str(json.dumps(work.entities))
    result.cedar_parse = time.perf_counter() - start
    answers: list[Any] = []

    def batch() -> None:
        answers[:] = cedarpy.is_authorized_batch(work.requests, policies, entities)

    result.cedar = measure(batch, len(result.warm.samples))
    result.cedar_measured = len(found)
    check_cedar(work, found, answers, engine)


def check_cedar(
    work: CedarWorkload, found: Sequence[Target], answers: Sequence[Any], engine: Evaluation
) -> None:
    errors = [a.diagnostics.errors for a in answers if a.diagnostics.errors]
    assert not errors, f"cedar evaluation errors: {errors[:3]}"
    keep = work.rules
    cedar_permitted = {t.id for t, a in zip(found, answers, strict=True) if a.allowed}
    engine_permitted = {t.id for t in found if not rules_of(engine, t.id, keep)}
    assert cedar_permitted == engine_permitted, "cedar and engine permitted sets differ"
    for target, answer in zip(found, answers, strict=True):
        expected = rules_of(engine, target.id, keep)
        assert failed_rules(answer) == expected, f"{target.id}: cedar and engine reasons differ"


def bench_size(size: int, seed: int, repeat: int, cedar_max: int) -> SizeResult:
    catalog = synthetic_catalog(size, seed)
    policy = bench_policy()
    found = targets(catalog)
    engine = Engine()
    first = engine.evaluate(policy, catalog, DATA_CLASS, None, AS_OF)
    compiled = engine.compiled(policy, DATA_CLASS, AS_OF, False)
    outputs: dict[str, Evaluation] = {}

    def reference() -> None:
        outputs["reference"] = reference_evaluate(policy, catalog, DATA_CLASS, None, AS_OF)

    def warm() -> None:
        outputs["warm"] = evaluate_compiled(compiled, catalog, None)

    def cold() -> None:
        outputs["cold"] = Engine().evaluate(policy, fresh_copy(catalog), DATA_CLASS, None, AS_OF)

    def recompile() -> None:
        # A policy change: the catalog's targets and fact columns were built when the catalog
        # revision was loaded; everything that depends on the policy is built anew.
        catalog.index.forget(COLUMNS, lambda key: isinstance(key, tuple) and key[1] == TRUST_FACT)
        outputs["recompile"] = Engine().evaluate(policy, catalog, DATA_CLASS, None, AS_OF)

    attestations = bench_attestations(found, ATTESTED_TARGETS)
    view = with_attestations(catalog, attestations, AS_OF)
    engine.evaluate(policy, view, DATA_CLASS, None, AS_OF)  # the view's targets and columns

    def attested() -> None:
        outputs["attested"] = evaluate_compiled(compiled, view, None)

    ref_t, warm_t, cold_t, recompile_t, attested_t = (
        measure(fn, repeat) for fn in (reference, warm, cold, recompile, attested)
    )
    sample = spread(found, NAIVE_TARGETS)
    naive = measure(lambda: naive_casbin(compiled, sample), repeat)
    stages, pairs = cold_breakdown(policy, catalog, AS_OF)
    result = SizeResult(
        size,
        len(found),
        len(first.permitted),
        ref_t,
        warm_t,
        cold_t,
        recompile_t,
        Timing(tuple(s / len(sample) for s in naive.samples)),
        stages,
        pairs,
    )
    for label in ("warm", "cold", "recompile"):
        result.notes.extend(check_engine(outputs[label], outputs["reference"], label))
    attested_ref = reference_evaluate(policy, catalog, DATA_CLASS, None, AS_OF, attestations)
    result.notes.extend(check_engine(outputs["attested"], attested_ref, "attested"))
    result.attested = attested_t
    result.attested_targets = len({e.entry.target for e in attestations.entries})
    result.attested_permitted = len(outputs["attested"].permitted)
    cedar_targets = found if len(found) <= cedar_max else spread(found, cedar_max)
    run_cedar(result, compiled, cedar_targets, outputs["warm"])
    return result


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.1f}"


def _ratio(top: float | None, bottom: float) -> str:
    return "n/a" if top is None else f"{top / bottom:.2f}x"


def table(results: Sequence[SizeResult]) -> str:
    head = (
        "| providers | targets | permitted | reference ms | warm ms | recompile ms | cold ms "
        "| warm/reference | cedar ms | cedar/warm | recompile/warm | cold/warm "
        "| naive casbin µs/target |"
    )
    lines = [head, "|" + "---:|" * 13]
    for r in results:
        cedar = _ms(r.cedar_full)
        if r.cedar is not None and r.cedar_measured < r.targets:
            cedar += f" (from {r.cedar_measured})"
        lines.append(
            f"| {r.providers} | {r.targets} | {r.permitted} | {_ms(r.reference.median)} "
            f"| {_ms(r.warm.median)} | {_ms(r.recompile.median)} | {_ms(r.cold.median)} "
            f"| {_ratio(r.warm.median, r.reference.median)} | {cedar} "
            f"| {_ratio(r.cedar_full, r.warm.median)} "
            f"| {_ratio(r.recompile.median, r.warm.median)} "
            f"| {_ratio(r.cold.median, r.warm.median)} "
            f"| {r.naive_per_target.median * 1e6:.0f} |"
        )
    return "\n".join(lines)


def best_table(results: Sequence[SizeResult]) -> str:
    lines = [
        "| providers | reference ms | warm ms | cold ms | cedar ms | cedar parse ms (untimed) |",
        "|" + "---:|" * 6,
    ]
    for r in results:
        cedar = None if r.cedar is None else r.cedar.best * r.targets / r.cedar_measured
        lines.append(
            f"| {r.providers} | {_ms(r.reference.best)} | {_ms(r.warm.best)} "
            f"| {_ms(r.cold.best)} | {_ms(cedar)} | {_ms(r.cedar_parse or None)} |"
        )
    return "\n".join(lines)


def breakdown_table(results: Sequence[SizeResult]) -> str:
    stages = list(results[0].breakdown)
    lines = [
        "| providers | " + " | ".join(f"{s} ms" for s in stages) + " | pairs decided |",
        "|" + "---:|" * (len(stages) + 2),
    ]
    for r in results:
        cells = " | ".join(_ms(r.breakdown[s]) for s in stages)
        lines.append(f"| {r.providers} | {cells} | {r.pairs} |")
    return "\n".join(lines)


def verdict(ok: bool | None) -> str:
    return "SKIP" if ok is None else ("PASS" if ok else "MISS")


def target_lines(results: Sequence[SizeResult]) -> list[str]:
    lines = []
    for r in results:
        warm = r.warm.median
        ratio = warm / r.reference.median
        lines.append(
            f"{verdict(ratio <= WARM_MAX_REF)} warm ≤ {WARM_MAX_REF}x reference "
            f"@{r.providers}: {ratio:.2f}x"
        )
        cedar = None if r.cedar_full is None else r.cedar_full / warm
        shown = "n/a" if cedar is None else f"{cedar:.1f}x"
        lines.append(
            f"{verdict(None if cedar is None else cedar >= CEDAR_MIN_WARM)} "
            f"warm ≥ {CEDAR_MIN_WARM:.0f}x faster than cedarpy @{r.providers}: {shown}"
        )
    for r in results:
        if r.attested is None:
            continue
        ratio = r.attested.median / r.warm.median
        lines.append(
            f"{verdict(ratio <= ATTESTED_MAX_WARM or r.providers != COLD_TARGET_SIZE)} "
            f"warm with {r.attested_targets} attested targets ≤ {ATTESTED_MAX_WARM}x warm "
            f"without @{r.providers}: {ratio:.2f}x ({_ms(r.attested.median)} vs "
            f"{_ms(r.warm.median)} ms; {r.attested_permitted} vs {r.permitted} permitted)"
        )
    cold = [r for r in results if r.providers == COLD_TARGET_SIZE] or [results[-1]]
    for r in cold:
        ratio = r.recompile.median / r.warm.median
        where = "" if r.providers == COLD_TARGET_SIZE else " (10k not measured)"
        lines.append(
            f"{verdict(ratio <= COLD_MAX_WARM)} cold recompile ≤ {COLD_MAX_WARM:.0f}x warm "
            f"@{r.providers}{where}: {ratio:.1f}x "
            f"(cold start incl. catalog fact extraction: {r.cold.median / r.warm.median:.1f}x)"
        )
    return lines


def machine() -> str:
    import os

    return (
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cores, engine version {ENGINE_VERSION}, as_of {AS_OF.isoformat()}"
    )


def report(results: Sequence[SizeResult], repeat: int, seed: int, wall: float) -> str:
    parts = [
        f"{machine()}; seed {seed}, {repeat} repeat(s), medians",
        "",
        table(results),
        "",
        "best of repeats:",
        "",
        best_table(results),
        "",
        "one cold evaluation, by stage:",
        "",
        breakdown_table(results),
        "",
        *target_lines(results),
        *[note for r in results for note in r.notes],
        f"wall time {wall:.1f} s",
    ]
    return "\n".join(parts)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="provider counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats per measurement")
    parser.add_argument("--seed", type=int, default=7, help="seed of the synthetic catalog")
    parser.add_argument("--quick", action="store_true", help="1k providers, 1 repeat")
    parser.add_argument(
        "--cedar-max", type=int, default=30_000, help="time cedar on at most this many targets"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.quick else max(1, args.repeat)
    start = time.perf_counter()
    results = [bench_size(size, args.seed, repeat, args.cedar_max) for size in sizes]
    print(report(results, repeat, args.seed, time.perf_counter() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
