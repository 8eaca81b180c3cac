"""CLI commands: exit codes of SPEC §5 and the `allowed --format json` shape, in-process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode

CONFIDENTIAL = ["--policy", "policies/eu-confidential.yaml", "--data-class", "confidential"]
INTERNAL = ["--policy", "policies/eu-confidential.yaml", "--data-class", "internal"]
AS_OF = ["--as-of", "2026-11-26"]
SPEC_KEYS = [
    "policy",
    "org",
    "data_class",
    "model",
    "as_of",
    "catalog_revision",
    "policy_revision",
    "permitted",
    "providers",
    "denied",
    "waived",
    "warnings",
]
REASON_KEYS = {"rule", "message", "fact", "value", "expected", "source"}


def run(app: typer.Typer, runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_allowed_json_has_exactly_the_spec_shape(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, out, _ = run(app, runner, "allowed", *CONFIDENTIAL, *AS_OF, "--format", "json")
    assert code == ExitCode.OK
    doc = json.loads(out)
    assert list(doc)[: len(SPEC_KEYS)] == SPEC_KEYS
    assert doc["policy"] == "eu-confidential" and doc["org"] == "example"
    assert doc["as_of"] == "2026-11-26" and doc["model"] is None
    assert doc["permitted"] == sorted(doc["permitted"])
    assert all("/" in target for target in [*doc["permitted"], *doc["denied"]])
    assert doc["providers"] == sorted({t.split("/")[0] for t in doc["permitted"]})
    assert not set(doc["permitted"]) & set(doc["denied"])
    for reasons in doc["denied"].values():
        assert reasons
        for reason in reasons:
            assert REASON_KEYS <= set(reason)
            assert reason["rule"].startswith(("confidential.", "providers."))
            assert reason["source"]["file"] == "policies/eu-confidential.yaml"
            assert isinstance(reason["source"]["line"], int)


def test_denied_target_lists_every_failed_requirement(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    _, out, _ = run(app, runner, "allowed", *CONFIDENTIAL, *AS_OF, "--format", "json")
    reasons = json.loads(out)["denied"]["deepseek/default"]
    rules = [r["rule"] for r in reasons]
    assert len(rules) >= 3, rules
    assert "confidential.inference_within" in rules
    assert "confidential.headquarters_not_in" in rules
    line_of = {r["rule"]: r["source"]["line"] for r in reasons}
    assert line_of["confidential.inference_within"] == 13
    assert line_of["confidential.headquarters_not_in"] == 15


def test_allowed_exits_zero_when_nothing_is_permitted(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    policy = tmp_path / "nothing.yaml"
    policy.write_text(
        "policy: nothing\norg: t\ndefault_data_class: c\n"
        "data_classes:\n  c: {headquarters_in: [AQ]}\n"
    )
    code, out, _ = run(app, runner, "allowed", "--policy", str(policy), "--format", "json")
    assert code == ExitCode.OK
    assert json.loads(out)["permitted"] == []


def test_allowed_table_shows_the_permitted_set_and_counts_the_denied(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, out, _ = run(app, runner, "allowed", *CONFIDENTIAL, *AS_OF)
    assert code == ExitCode.OK
    json_code, doc, _ = run(app, runner, "allowed", *CONFIDENTIAL, *AS_OF, "--format", "json")
    permitted, denied = json.loads(doc)["permitted"], json.loads(doc)["denied"]
    assert json_code == ExitCode.OK and permitted and len(denied) > 100
    assert all(t.split("/")[0] in out for t in permitted)
    assert "openai/eu" not in out  # a denied deployment is counted, not listed
    counts = [int(line.split()[0]) for line in out.splitlines() if re.match(r"\s+\d+\s", line)]
    assert sum(counts) == len(denied)  # each denied deployment counted exactly once
    assert len(out.splitlines()) < 40
    verbose_code, verbose, _ = run(app, runner, "allowed", *CONFIDENTIAL, *AS_OF, "--verbose")
    assert verbose_code == ExitCode.OK
    assert all(t in verbose for t in [*permitted, *denied])  # --verbose lists every one


def test_invalid_inputs_exit_two(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("policy: b\norg: t\ndata_classes:\n  c: {trainig: forbidden}\n")
    cases = [
        ["allowed", "--policy", str(broken)],
        ["allowed", "--policy", "policies/eu-confidential.yaml", "--data-class", "nope"],
        ["allowed", *CONFIDENTIAL, "--as-of", "26/11/2026"],
        ["allowed", *CONFIDENTIAL, "--catalog", str(tmp_path)],
        ["allowed", "--policy", str(tmp_path / "missing.yaml")],
        ["explain", "no-such-provider", *CONFIDENTIAL],
        ["validate", str(broken)],
    ]
    for args in cases:
        code, _, err = run(app, runner, *args)
        assert code == ExitCode.INVALID, (args, err)
        assert err.strip(), args
    _, _, err = run(app, runner, "allowed", "--policy", str(broken))
    assert f"{broken}:4:" in err and "trainig" in err and "did you mean 'training'" in err


def test_unknown_format_is_an_error(app: typer.Typer, runner: CliRunner, in_repo: Path) -> None:
    code, _, _ = run(app, runner, "allowed", *CONFIDENTIAL, "--format", "xml")
    assert code == ExitCode.INVALID


def test_explain_exit_codes(app: typer.Typer, runner: CliRunner, in_repo: Path) -> None:
    code, out, _ = run(app, runner, "explain", "ovhcloud/default", *CONFIDENTIAL, *AS_OF)
    assert code == ExitCode.OK and "PERMITTED" in out
    code, out, _ = run(app, runner, "explain", "deepseek", *CONFIDENTIAL, *AS_OF)
    assert code == ExitCode.FAILED and "DENIED" in out and "FAIL" in out
    # for internal data, Cohere's encrypted vault is permitted but its other deployments not
    code, out, _ = run(app, runner, "explain", "cohere", *INTERNAL, *AS_OF)
    assert code == ExitCode.FAILED, "a provider with any denied deployment is not permitted"
    assert "cohere/vault-encrypted: PERMITTED" in out and "cohere/saas: DENIED" in out


def test_explain_json_lists_every_requirement_with_evidence(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, out, _ = run(
        app, runner, "explain", "ovhcloud/default", *CONFIDENTIAL, *AS_OF, "--format", "json"
    )
    assert code == ExitCode.OK
    (item,) = json.loads(out)
    rules = [c["rule"] for c in item["checks"]]
    assert len(rules) == 6 and "confidential.training" in rules
    assert all(c["status"] == "pass" for c in item["checks"])
    assert all(c["evidence"] for c in item["checks"])


def test_policy_tests_fail_with_exit_one(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    source = Path("policies/no-training.test.yaml").read_text()
    wrong = tmp_path / "wrong.test.yaml"
    wrong.write_text(
        source.replace(
            "policy: no-training.yaml", f"policy: {Path.cwd() / 'policies/no-training.yaml'}"
        ).replace(
            "permitted: [never-trains/default, opt-in-only/default]",
            "permitted: [never-trains/default]",
        )
    )
    code, out, _ = run(app, runner, "test", str(wrong))
    assert code == ExitCode.FAILED
    assert "FAIL" in out and "1 failed" in out and "opt-in-only/default" in out


def test_validate_defaults_and_exit_codes(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    code, out, _ = run(app, runner, "validate")
    assert code == ExitCode.OK
    assert "ok   catalog provider_catalog" in out
    empty = tmp_path / "providers"
    empty.mkdir()
    code, _, err = run(app, runner, "validate", str(tmp_path))
    assert code == ExitCode.INVALID and "no *.yaml" in err
