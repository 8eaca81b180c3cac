"""The requirement table (issue 17 item 1): every requirement the policy schema accepts has
one complete row, or the engine refuses to import; docs/policy.md lists every key."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from registry.engine.operators import operator_table
from registry.engine.requirements import (
    MODEL_ONLY_KEYS,
    SPECS,
    TABLE,
    RequirementTableError,
    check_table,
)
from registry.policy.loader import policy_from_document
from registry.policy.models import COUNTRY_KEYS, REQUIREMENT_KEYS, DataClass, requirement_keys
from registry.schema_types import Days
from registry.yamlload import Document
from tests.conftest import ROOT


class WiderClass(DataClass):
    """A schema with one requirement more than the table knows."""

    max_cache_days: Days | None = None


def _check(table: Any, keys: Any = REQUIREMENT_KEYS) -> Any:
    return check_table(table, keys, operator_table())


def test_every_data_class_field_but_inherits_and_on_unknown_has_a_row() -> None:
    fields = [k for k in DataClass.model_fields if k not in ("inherits", "on_unknown")]
    assert list(SPECS) == fields == list(REQUIREMENT_KEYS)
    assert _check(TABLE) == SPECS
    assert MODEL_ONLY_KEYS == {"min_tool_call_accuracy", "quantizations"}
    assert COUNTRY_KEYS == {
        "inference_within",
        "storage_within",
        "decryption_within",
        "headquarters_in",
        "headquarters_not_in",
    }


def test_a_field_without_a_row_is_refused() -> None:
    keys = requirement_keys(WiderClass)
    assert keys[-1] == "max_cache_days"
    with pytest.raises(RequirementTableError, match="max_cache_days: a DataClass field with no"):
        _check(TABLE, keys)


def test_a_row_without_a_field_or_repeated_or_out_of_order_is_refused() -> None:
    extra = replace(TABLE[0], key="inference_near")
    with pytest.raises(RequirementTableError, match="inference_near: a row with no DataClass"):
        _check((*TABLE, extra))
    with pytest.raises(RequirementTableError, match="training: more than one row"):
        _check((*TABLE, SPECS["training"]))
    with pytest.raises(RequirementTableError, match="not in DataClass field order"):
        _check((TABLE[1], TABLE[0], *TABLE[2:]))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"op": "roughly"}, "operator 'roughly' is not in engine/operators.py"),
        ({"message": None}, "no message"),
        ({"projection": None}, "no projection"),
        ({"parameter": None}, "no parameter"),
        ({"fact": ""}, "no fact"),
    ],
)
def test_an_incomplete_row_is_refused(change: dict[str, Any], problem: str) -> None:
    broken = [replace(row, **change) if row.key == "gpu_ownership" else row for row in TABLE]
    with pytest.raises(RequirementTableError, match=re.escape(f"gpu_ownership: {problem}")):
        _check(broken)


def test_the_engine_does_not_import_with_a_requirement_it_cannot_decide() -> None:
    code = (
        "import registry.policy.models as m\n"
        "m.REQUIREMENT_KEYS = (*m.REQUIREMENT_KEYS, 'max_cache_days')\n"
        "import registry.engine.requirements\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "RequirementTableError" in done.stderr
    assert "max_cache_days: a DataClass field with no row" in done.stderr


def test_every_requirement_a_class_writes_is_resolved() -> None:
    """The loader keeps every requirement key of the schema (none validated and dropped)."""
    values: dict[str, Any] = {
        "inference_within": ["EEA"],
        "storage_within": ["EEA"],
        "decryption_within": ["EEA"],
        "headquarters_in": ["FR"],
        "headquarters_not_in": ["CN"],
        "tls_termination": ["provider"],
        "gpu_ownership": ["owned"],
        "confidential_computing": "required",
        "max_prompt_retention_days": 0,
        "max_output_retention_days": 0,
        "max_abuse_monitoring_days": 30,
        "zero_data_retention": "required",
        "training": "forbidden",
        "certifications_all": ["soc2-type2"],
        "certifications_any": ["iso27001"],
        "contracts_all": ["dpa"],
        "contracts_signed": ["dpa"],
        "subprocessors_not_in": ["x"],
        "evidence_max_age_days": 365,
        "min_evidence_trust": "self-declared",
        "min_tool_call_accuracy": 0.9,
        "quantizations": ["bf16"],
    }
    assert set(values) == set(REQUIREMENT_KEYS)
    data = {"policy": "t", "org": "o", "data_classes": {"c": values}}
    resolved = policy_from_document(Document("t.yaml", data)).data_class("c")
    assert [r.key for r in resolved.requirements] == list(REQUIREMENT_KEYS)


def _documented_keys() -> set[str]:
    text = (ROOT / "docs" / "policy.md").read_text()
    section = text.split("## Requirements", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {key for row in rows for key in re.findall(r"`([a-z_]+)", row.split("|")[1])}


def test_docs_policy_lists_every_requirement_key() -> None:
    documented = _documented_keys()
    assert documented == {*REQUIREMENT_KEYS, "on_unknown"}, documented ^ {
        *REQUIREMENT_KEYS,
        "on_unknown",
    }
