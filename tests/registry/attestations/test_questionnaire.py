"""`clearance questionnaire` (SPEC §9): questions behind denials, on the shipped catalog."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from cli.outputs.questionnaire import CSV_HEADER
from registry.attestations.apply import with_attestations
from registry.attestations.loader import (
    PLACEHOLDER_CODE,
    attestation_set,
    check_attestations,
    load_attestations_text,
)
from registry.attestations.questionnaire import (
    SATISFYING,
    Questionnaire,
    build_questionnaire,
    satisfying,
)
from registry.catalog.facts import written_facts
from registry.catalog.loader import Catalog, load_catalog
from registry.engine.engine import Engine
from registry.engine.requirements import SPECS, TRUST_FACT
from registry.errors import AttestationError
from registry.policy.loader import LoadedPolicy, load_policy
from registry.policy.models import REQUIREMENT_KEYS
from tests.catalogs import VERTEX_EEA_REGIONS, write_synthetic
from tests.conftest import ROOT

AS_OF = date(2026, 11, 26)
EU = ("policies/eu-confidential.yaml", "confidential")
PHI = ("policies/hipaa-phi.yaml", "phi")
VERTEX_EU_REGIONS = set(VERTEX_EEA_REGIONS)
# What google-vertex is still asked for EU confidential once its prompt retention is answered.
VERTEX_STILL_ASKED = [
    ("google-vertex/eu", "storage_countries"),
    ("google-vertex/eu-rep", "storage_countries"),
    ("google-vertex/europe-west6", "inference_countries"),
]


@cache
def catalog() -> Catalog:
    return load_catalog(ROOT / "provider_catalog")


@cache
def policy(path: str) -> LoadedPolicy:
    return load_policy(ROOT / path, path)


def policy_line(path: str, key: str) -> int:
    """The 1-based line of `key:` in a policy file, read from the text itself."""
    lines = (ROOT / path).read_text().splitlines()
    (found,) = [i + 1 for i, line in enumerate(lines) if line.strip().startswith(f"{key}:")]
    return found


def questionnaire(
    which: tuple[str, str],
    cat: Catalog | None = None,
    scope: frozenset[str] | None = None,
    include_all: bool = False,
) -> Questionnaire:
    cat = cat or catalog()
    result = Engine().evaluate(policy(which[0]), cat, which[1], None, AS_OF)
    return build_questionnaire(result, cat, scope, include_all)


def attested(text: str) -> Catalog:
    aset = attestation_set([load_attestations_text(text)])
    return with_attestations(catalog(), aset, AS_OF)


def answer(target: str, facts: str) -> str:
    return (
        "attestations: answers\norg: example\nentries:\n"
        f"  - target: {target}\n    facts: {facts}\n    document: vendor answers Q-1\n"
        "    trust: self-declared\n    signed: 2026-01-01\n    expires: 2027-12-31\n"
        "    approved_by: alice@example.com\n"
    )


def test_every_requirement_with_a_fact_has_a_satisfying_wording() -> None:
    with_fact = {k for k in REQUIREMENT_KEYS if SPECS[k].fact != TRUST_FACT}
    assert set(SATISFYING) == with_fact
    assert "min_evidence_trust" not in SATISFYING


@pytest.mark.parametrize(
    ("rule", "expected", "wording"),
    [
        ("c.inference_within", ["EEA", "CH"], "countries within EEA, CH"),
        ("c.max_prompt_retention_days", 30, "≤ 30 days"),
        ("c.contracts_all", ["dpa"], "offers: dpa"),
        ("c.contracts_signed", ["dpa", "baa"], "signed: dpa, baa"),
        ("c.training", "forbidden", "never or opt-in"),
        ("c.training", "opt_out_ok", "never, opt-in or opt-out"),
        ("c.zero_data_retention", "required", "available or default"),
        ("c.zero_data_retention", "in_effect", "default"),
        ("c.tls_termination", ["provider", "customer"], "one of provider, customer"),
        ("c.certifications_any", ["soc2-type2"], "holds one of soc2-type2, unexpired"),
    ],
)
def test_satisfying_wording(rule: str, expected: object, wording: str) -> None:
    assert satisfying(rule, expected) == wording


def test_google_vertex_is_asked_its_prompt_retention_at_the_policy_line() -> None:
    qn = questionnaire(EU)
    (q,) = [
        q
        for q in qn.questions
        if q.target == "google-vertex" and q.fact == "retention.prompts_days"
    ]
    (need,) = q.needs
    assert need.rule == "confidential.max_prompt_retention_days"
    assert need.file == EU[0]
    assert need.line == policy_line(EU[0], "max_prompt_retention_days")
    assert q.satisfy == "≤ 30 days"
    assert "google-vertex/europe-west3" in q.unblocked and q.unblocks <= q.targets_needing
    assert set(q.unblocked) <= set(q.targets)


@pytest.mark.parametrize("which", [EU, PHI])
def test_questions_are_ordered_by_unblocks_then_target(which: tuple[str, str]) -> None:
    qn = questionnaire(which)
    keys = [(-q.unblocks, q.target, q.fact) for q in qn.questions]
    assert qn.questions and keys == sorted(keys)
    assert len(set(keys)) == len(keys), "one question per (target, fact)"


@pytest.mark.parametrize("which", [EU, PHI])
def test_a_fact_is_asked_where_it_is_unknown(which: tuple[str, str]) -> None:
    cat = catalog()
    for q in questionnaire(which).questions:
        provider = cat.providers[q.provider]
        writers = {d.id for d in provider.deployments if q.fact in written_facts(d)}
        if "/" in q.target:
            assert writers, (q.target, q.fact)  # a deployment writes it: ask per deployment
        else:
            assert not writers, (q.target, q.fact)  # one provider answer covers them all
            assert all(t.startswith(f"{q.provider}/") for t in q.targets)


@pytest.mark.parametrize("which", [EU, PHI])
def test_only_targets_denied_only_by_unknown_facts_by_default(which: tuple[str, str]) -> None:
    result = Engine().evaluate(policy(which[0]), catalog(), which[1], None, AS_OF)
    default = questionnaire(which)
    every = questionnaire(which, include_all=True)
    for target in default.considered:
        assert {r.outcome for r in result.decisions[target].reasons} == {"unknown"}
    mixed = set(every.considered) - set(default.considered)
    assert mixed, "--all adds targets that also fail a requirement"
    for target in mixed:
        assert "failed" in {r.outcome for r in result.decisions[target].reasons}
    assert not mixed & {t for q in every.questions for t in q.unblocked}
    assert len(every.questions) > len(default.questions)


def test_unblocks_counts_exactly_the_targets_one_answer_permits() -> None:
    qn = questionnaire(EU)
    (q,) = [
        q
        for q in qn.questions
        if q.target == "google-vertex" and q.fact == "retention.prompts_days"
    ]
    before = Engine().evaluate(policy(EU[0]), catalog(), EU[1], None, AS_OF)
    view = attested(answer("google-vertex", "{retention: {prompts_days: 0}}"))
    after = Engine().evaluate(policy(EU[0]), view, EU[1], None, AS_OF)
    newly = set(after.permitted) - set(before.permitted)
    assert newly == set(q.unblocked) == VERTEX_EU_REGIONS
    # and the answered question is gone; the other Vertex targets still need their countries
    again = questionnaire(EU, view)
    assert ("google-vertex", "retention.prompts_days") not in {
        (x.target, x.fact) for x in again.questions
    }
    assert [
        (x.target, x.fact) for x in again.questions if x.provider == "google-vertex"
    ] == VERTEX_STILL_ASKED


def test_targets_restrict_the_questions() -> None:
    qn = questionnaire(PHI, scope=frozenset({"google-vertex", "cohere/vault-us"}))
    assert qn.questions
    assert {q.provider for q in qn.questions} == {"google-vertex", "cohere"}
    assert set(qn.considered) <= {t for t in qn.considered if t.startswith("google-vertex/")} | {
        "cohere/vault-us"
    }
    assert "cohere/vault-encrypted" not in {t for q in qn.questions for t in q.targets}


# --- the command -----------------------------------------------------------------------

EU_ARGS = ["--policy", EU[0], "--data-class", EU[1], "--as-of", "2026-11-26"]
PHI_ARGS = ["--policy", PHI[0], "--data-class", PHI[1], "--as-of", "2026-11-26"]
QUESTION_LINE = re.compile(r"^(\d+)\. `([^`]+)`: \*\*([^*]+)\*\*", re.M)
# What the test answers, per policy and fact: values that satisfy the policy.
ANSWERS: dict[str, dict[str, object]] = {
    "eu-confidential": {
        "inference_countries": ["DE"],
        "storage_countries": ["DE"],
        "retention.prompts_days": 0,
        "training_on_customer_data": "never",
        "contracts": ["dpa"],
    },
    "hipaa-phi": {
        "inference_countries": ["US"],
        "storage_countries": ["US"],
        "retention.prompts_days": 0,
        "training_on_customer_data": "never",
        "contracts": ["baa"],
        "certifications": [{"id": "soc2-type2", "expires": "2030-01-01"}],
    },
}
ENTRY_ANSWERS = {
    "document": "Vendor questionnaire answers, ticket Q-1",
    "trust": "self-declared",
    "signed": "2026-01-01",
    "expires": "2027-12-31",
    "approved_by": "alice@example.com",
}


def run(app: typer.Typer, runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["questionnaire", *args])
    return result.exit_code, result.stdout, result.stderr


def test_markdown_names_the_fact_rule_line_and_counts(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, out, _ = run(app, runner, *EU_ARGS)
    assert code == ExitCode.OK
    line = policy_line(EU[0], "max_prompt_retention_days")
    block = out[out.index("## google-vertex") :].split("\n## ", 1)[0]
    assert "`google-vertex`: **retention.prompts_days**. Satisfied by: ≤ 30 days." in block
    assert f"confidential.max_prompt_retention_days ({EU[0]}:{line})" in block
    regions = (
        "europe-central2, europe-north1, europe-southwest1, europe-west1, europe-west3, "
        "europe-west4"
    )
    assert (
        f"unblocks 8 ({regions}, europe-west8, europe-west9); "
        f"needed by 11 (eu, eu-rep, {regions}, europe-west6, europe-west8, europe-west9)"
    ) in block
    numbers = [int(m[1]) for m in QUESTION_LINE.finditer(out)]
    assert numbers == list(range(1, len(questionnaire(EU).questions) + 1))


@pytest.mark.parametrize("args", [EU_ARGS, PHI_ARGS])
def test_csv_has_the_markdown_questions(
    args: list[str], app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    _, markdown, _ = run(app, runner, *args)
    code, text, _ = run(app, runner, *args, "--format", "csv")
    assert code == ExitCode.OK
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and set(rows[0]) >= {"target", "fact", "unblocks", "targets_needing"}
    from_markdown = [(int(m[1]), m[2], m[3]) for m in QUESTION_LINE.finditer(markdown)]
    assert [(int(r["number"]), r["target"], r["fact"]) for r in rows] == from_markdown
    for provider in {r["provider"] for r in rows}:
        counts = [int(r["unblocks"]) for r in rows if r["provider"] == provider]
        assert counts == sorted(counts, reverse=True)
    for row in rows:
        assert int(row["unblocks"]) <= int(row["targets_needing"]) == len(row["needed_by"].split())


def fill(node: object, facts: dict[str, object], path: tuple[str, ...] = ()) -> object:
    """The skeleton with every placeholder replaced by the test's answer for its key."""
    if isinstance(node, dict):
        out: dict[str, object] = {}
        for key, value in node.items():
            if path and path[0] == "facts" and key in facts:
                out[key] = copy.deepcopy(facts[key])
            elif path and path[0] == "facts" and f"{path[-1]}.{key}" in facts:
                out[key] = copy.deepcopy(facts[f"{path[-1]}.{key}"])
            elif key in ENTRY_ANSWERS:
                out[key] = ENTRY_ANSWERS[key]
            elif key == "signed_contracts":
                out[key] = copy.deepcopy(facts["signed_contracts"])
            else:
                out[key] = fill(value, facts, (*path, key) if key == "facts" or path else path)
        return out
    if isinstance(node, list):
        return [fill(item, facts, path) for item in node]
    return node


@pytest.mark.parametrize(("which", "args"), [(EU, EU_ARGS), (PHI, PHI_ARGS)])
def test_yaml_skeleton_fails_as_written_and_unblocks_once_answered(
    which: tuple[str, str],
    args: list[str],
    app: typer.Typer,
    runner: CliRunner,
    in_repo: Path,
    tmp_path: Path,
) -> None:
    code, text, _ = run(app, runner, *args, "--format", "yaml")
    assert code == ExitCode.OK
    assert text.startswith("# ") and "fail `clearance validate`" in text
    with pytest.raises(AttestationError) as err:
        load_attestations_text(text)
    assert {p.code for p in err.value.problems} == {PLACEHOLDER_CODE}
    skeleton = tmp_path / "skeleton.yaml"
    skeleton.write_text(text)
    result = runner.invoke(app, ["validate", str(skeleton)])
    assert result.exit_code == ExitCode.INVALID and PLACEHOLDER_CODE in result.stderr

    doc = yaml.safe_load(text)
    assert doc["attestations"] == f"{policy(which[0]).policy.policy}-questionnaire"
    assert doc["org"] == "example"
    filled = fill(doc, ANSWERS[doc["attestations"].removesuffix("-questionnaire")])
    answered = yaml.safe_dump(filled, sort_keys=False)
    assert "FILL IN" not in answered
    aset = attestation_set([load_attestations_text(answered)])
    assert aset is not None
    check_attestations(aset, catalog(), AS_OF, "example")

    answers = tmp_path / "answers.yaml"
    answers.write_text(answered)
    result = runner.invoke(
        app, ["allowed", *args, "--attestations", str(answers), "--format", "json"]
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    permitted = set(json.loads(result.stdout)["permitted"])
    qn = questionnaire(which)
    attestable = {f"{q.target} {q.fact}" for q in qn.questions if q.attestable}
    unblockable = {t for t, keys in qn.answerable.items() if set(keys) <= attestable}
    assert unblockable and unblockable <= permitted
    assert {t for q in qn.questions for t in q.unblocked if q.attestable} <= permitted


def test_catalog_only_facts_are_asked_but_left_out_of_the_skeleton(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    _, markdown, _ = run(app, runner, *EU_ARGS, "alibaba")
    assert "`alibaba`: **headquarters** (catalog fact: no attestation can set it)" in markdown
    _, text, _ = run(app, runner, *EU_ARGS, "alibaba", "--format", "yaml")
    assert "# Not attestable (a catalog fact): alibaba headquarters" in text
    assert "headquarters:" not in text


def test_existing_attestations_remove_answered_questions(
    app: typer.Typer, runner: CliRunner, in_repo: Path, tmp_path: Path
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(answer("google-vertex", "{retention: {prompts_days: 0}}"))
    _, before, _ = run(app, runner, *EU_ARGS, "google-vertex", "--format", "csv")
    code, after, _ = run(
        app, runner, *EU_ARGS, "google-vertex", "--format", "csv", "--attestations", str(answers)
    )
    assert code == ExitCode.OK
    facts = [(r["target"], r["fact"]) for r in csv.DictReader(io.StringIO(after))]
    assert ("google-vertex", "retention.prompts_days") in {
        (r["target"], r["fact"]) for r in csv.DictReader(io.StringIO(before))
    }
    assert ("google-vertex", "retention.prompts_days") not in facts
    assert facts == VERTEX_STILL_ASKED


def test_no_questions_is_said_and_exits_zero(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    policy_file, catalog_dir = write_synthetic(
        tmp_path,
        {"good": "headquarters: DE\ntraining_on_customer_data: never\n"},
        "policy: p\norg: t\ndefault_data_class: c\ndata_classes:\n  c: {training: forbidden}\n",
    )
    code, out, _ = run(app, runner, "--policy", policy_file, "--catalog", catalog_dir)
    assert code == ExitCode.OK
    assert "no questions: nothing is denied only by unknown facts" in out
    output = tmp_path / "q.csv"
    code, out, err = run(
        app,
        runner,
        *("--policy", policy_file, "--catalog", catalog_dir, "--format", "csv"),
        *("--output", str(output)),
    )
    assert code == ExitCode.OK and out == "" and "no questions" in err
    assert output.read_text().splitlines() == [",".join(CSV_HEADER)]


def test_output_writes_the_file(
    app: typer.Typer, runner: CliRunner, in_repo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "q.md"
    code, out, _ = run(app, runner, *EU_ARGS, "--output", str(target))
    assert code == ExitCode.OK and out == ""
    assert "## google-vertex" in target.read_text()


@pytest.mark.parametrize(
    "args",
    [
        [*EU_ARGS, "google-vertx"],
        [*EU_ARGS, "--format", "xml"],
        ["--policy", EU[0], "--data-class", "nope"],
        [*EU_ARGS[:4], "--as-of", "26/11/2026"],
        ["--policy", "policies/missing.yaml"],
    ],
)
def test_invalid_input_exits_two(
    args: list[str], app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, _, err = run(app, runner, *args)
    assert code == ExitCode.INVALID
    assert err.strip()


def test_unknown_target_names_the_closest_id(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    _, _, err = run(app, runner, *EU_ARGS, "google-vertx")
    assert "'google-vertx' is not a provider or deployment" in err
    assert "did you mean google-vertex" in err
