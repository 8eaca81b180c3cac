"""Check manifest entries against a policy: every deployment an entry may use must be
permitted for its data class; an entry that resolves to nothing is a violation, never a pass."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation, Reason, Source, Waived
from registry.engine.engine import Engine
from registry.engine.evaluate import names_index
from registry.errors import InputError, Problem
from registry.gate.alternatives import Alternatives
from registry.gate.manifests import read_manifest
from registry.gate.openrouter import compliant_preferences
from registry.gate.report import Entry, GateReport, GateWarning, Result
from registry.policy.expiry import EXPIRY_WARNING_DAYS, exception_warnings
from registry.policy.loader import LoadedPolicy
from registry.routers.litellm_match import NO_ENV

# (stage, done, total): told before each manifest file is read and as entries are checked
Progress = Callable[[str, int, int], None]
PROGRESS_EVERY = 50  # entries between two progress reports


def no_progress(_stage: str, _done: int, _total: int) -> None:
    """The default `Progress`: nobody is watching."""


def _judge(
    entry: Entry,
    policy: LoadedPolicy,
    catalog: Catalog,
    engine: Engine,
    data_class: str,
    as_of: date,
) -> tuple[dict[str, tuple[Reason, ...]], dict[str, tuple[Waived, ...]], Evaluation]:
    """(denied, waived) of the entry's deployments under one data class, and the
    evaluation they come from."""
    result = engine.evaluate(policy, catalog, data_class, entry.model, as_of)
    denied: dict[str, tuple[Reason, ...]] = {}
    waived: dict[str, tuple[Waived, ...]] = {}
    for target in entry.targets:
        decision = result.decisions.get(target)
        if decision is None:
            missing = f"{target} was not evaluated"
            denied[target] = (
                Reason(
                    rule="gate.unresolved",
                    message=missing,
                    fact=None,
                    value=target,
                    expected=None,
                    source=Source(policy.file, None),
                ),
            )
        elif not decision.permitted:
            denied[target] = decision.reasons
        elif decision.waived:
            waived[target] = decision.waived
    return denied, waived, result


def _check(
    entry: Entry,
    policy: LoadedPolicy,
    catalog: Catalog,
    engine: Engine,
    classes: list[str],
    as_of: date,
    finder: Alternatives,
) -> Result:
    """Every deployment the entry may use is judged under every class that applies (the
    strictest wins: a deployment must be permitted for each), also when the entry has a
    problem (an OpenRouter request may reach known and unknown providers: both are
    reported)."""
    label = " + ".join(classes)
    denied: dict[str, tuple[Reason, ...]] = {}
    waived: dict[str, tuple[Waived, ...]] = {}
    evaluations = []
    for data_class in classes:
        found, set_aside, evaluation = _judge(entry, policy, catalog, engine, data_class, as_of)
        evaluations.append(evaluation)
        for target, reasons in found.items():
            denied[target] = denied.get(target, ()) + reasons
        for target, waivers in set_aside.items():
            waived[target] = waived.get(target, ()) + waivers
    waived = {t: w for t, w in waived.items() if t not in denied}
    message = _message(entry, denied, catalog, label) if entry.targets else ""
    message = message or entry.problem or "nothing to check"
    result = Result(entry, label, denied, message, waived)
    if result.compliant:
        return result
    return Result(entry, label, denied, message, waived, finder.find(entry, evaluations))


def _message(
    entry: Entry, denied: dict[str, tuple[Reason, ...]], catalog: Catalog, data_class: str
) -> str:
    parts = [entry.problem] if entry.problem else []
    if denied:
        parts.append(
            f"{len(denied)} of {len(entry.targets)} deployment(s) it may use are denied "
            f"for {data_class}"
        )
    if not parts:
        return f"{len(entry.targets)} deployment(s) permitted"
    message = "; ".join(parts)
    if entry.kind == "openrouter":
        permitted = {t for t in entry.targets if t not in denied}
        message += f"; to comply, send {compliant_preferences(catalog, permitted, entry)}"
    return message


def run_gate(
    policy: LoadedPolicy,
    catalog: Catalog,
    manifests: Iterable[Path],
    data_class: str | None,
    as_of: date,
    engine: Engine | None = None,
    *,
    env: Mapping[str, str] = NO_ENV,
    warn_days: int = EXPIRY_WARNING_DAYS,
    progress: Progress | None = None,
) -> GateReport:
    """Read every manifest file (one InputError naming every bad entry of every file) and
    check it; `progress` hears of each file before it is read and each entry checked."""
    progress = progress or no_progress
    entries: list[Entry] = []
    problems: list[Problem] = []
    paths = list(manifests)
    for done, path in enumerate(paths):
        progress(f"reading {path.name}", done, len(paths))
        try:
            entries.extend(read_manifest(path, catalog, env))
        except InputError as err:
            problems.extend(err.problems)
    if problems:
        raise InputError(problems)
    return check_entries(
        policy, catalog, entries, data_class, as_of, engine, warn_days=warn_days, progress=progress
    )


def check_entries(
    policy: LoadedPolicy,
    catalog: Catalog,
    entries: list[Entry],
    data_class: str | None,
    as_of: date,
    engine: Engine | None = None,
    *,
    warn_days: int = EXPIRY_WARNING_DAYS,
    progress: Progress | None = None,
) -> GateReport:
    """Check every entry, then that each model can fail over as `routing` asks; warn about
    exceptions of the classes checked that expired or expire within `warn_days`."""
    engine = engine or Engine()
    progress = progress or no_progress
    finder = Alternatives(catalog)
    results = []
    checked: set[str] = set()
    for done, entry in enumerate(entries):
        if done % PROGRESS_EVERY == 0:
            progress("checking entries", done, len(entries))
        classes = classes_of(policy, entry.data_class, data_class)
        checked.update(classes)
        results.append(_check(entry, policy, catalog, engine, classes, as_of, finder))
    progress("checking entries", len(entries), len(entries))
    results.extend(failover_results(policy, catalog, results))
    warnings = tuple(
        GateWarning(w.message, Source(policy.file, w.line), w.code)
        for w in exception_warnings(policy, as_of, warn_days)
        if w.data_class in checked
    )
    return GateReport(
        policy.name,
        policy.policy.org,
        as_of.isoformat(),
        catalog.revision,
        tuple(results),
        warnings,
    )


def classes_of(policy: LoadedPolicy, named: str | None, asked: str | None) -> list[str]:
    """The classes an entry is judged under: the one it names and the one CI asks for
    (`--data-class`), both — a manifest cannot lower the class CI checks — else the
    policy's default."""
    given = sorted({c for c in (named, asked) if c})
    return [policy.data_class(c).name for c in given] or [policy.data_class(None).name]


def operators_of(catalog: Catalog, target: str) -> frozenset[str] | None:
    """Who runs a deployment's hardware (gpu.operators), None when unknown."""
    indexes = names_index(catalog, None).get(target, [])
    value = targets(catalog)[indexes[0]].facts.get("gpu.operators") if indexes else None
    return None if not value else frozenset(str(v).lower() for v in value)


def failover_results(policy: LoadedPolicy, catalog: Catalog, results: list[Result]) -> list[Result]:
    """`routing.min_deployments_per_model` and `distinct_operators` per model group: the
    permitted deployments a router may fail over to, across every entry of that model."""
    routing = policy.policy.routing
    if routing.min_deployments_per_model is None and not routing.distinct_operators:
        return []
    groups: dict[str, list[Result]] = {}
    for result in results:
        if result.entry.group is not None:
            groups.setdefault(result.entry.group, []).append(result)
    out = []
    for group, members in groups.items():
        usable = sorted(
            {
                t
                for r in members
                for t in r.entry.targets
                if t not in r.denied and r.entry.problem is None
            }
        )
        problem, rule = _failover_problem(
            routing.min_deployments_per_model, routing.distinct_operators, usable, catalog
        )
        if problem is None:
            continue
        first = members[0].entry
        entry = Entry(
            file=first.file,
            line=first.line,
            kind="failover",
            label=f"model {group}",
            provider=None,
            targets=tuple(usable),
            data_class=first.data_class,
            model=first.model,
            problem=f"cannot fail over: {problem}",
            group=group,
            problem_rule=rule,
        )
        out.append(Result(entry, members[0].data_class, {}, entry.problem or ""))
    return out


def _failover_problem(
    minimum: int | None, distinct: bool, usable: list[str], catalog: Catalog
) -> tuple[str | None, str]:
    if minimum is not None and len(usable) < minimum:
        return (
            f"{len(usable)} permitted deployment(s), the policy needs {minimum}",
            "routing.min_deployments_per_model",
        )
    if not distinct or not usable:
        return None, ""
    known = [operators_of(catalog, t) for t in usable]
    sets = [o for o in known if o is not None]
    if len(sets) < len(known):
        return (
            "the operator of a permitted deployment is unknown, so distinct operators "
            "cannot be shown",
            "routing.distinct_operators",
        )
    if not any(a.isdisjoint(b) for i, a in enumerate(sets) for b in sets[i + 1 :]):
        return "no two permitted deployments are run by different operators", (
            "routing.distinct_operators"
        )
    return None, ""
