"""The strict YAML loader: a hazard corpus run through `clearance validate`, and load_text units.

Every file under tests/hazards/catalog/<name>/ and tests/hazards/policies/ holds exactly one
hazard; the tables below say which line and which error code `validate` must report for it.
Files under tests/hazards/valid/ are tricky but valid and must parse to exact values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import build_app
from registry.catalog.loader import load_catalog
from registry.errors import YamlError
from registry.policy.loader import load_policy
from registry.yamlload import MAX_BYTES, MAX_DEPTH, load_file, load_text

HAZARDS = Path(__file__).resolve().parents[1] / "hazards"  # tests/hazards
VALID = HAZARDS / "valid"


def validate(*paths: Path) -> Result:
    return CliRunner().invoke(build_app(), ["validate", *(str(p) for p in paths)])


@dataclass(frozen=True)
class Hazard:
    """One hazard file, the line `validate` must name, the code and a message fragment."""

    name: str
    line: int
    code: str
    detail: str
    provider: str = "example-ai"
    problems: int = 1

    def __str__(self) -> str:
        return self.name


CATALOG_HAZARDS = [
    Hazard("yes_as_boolean", 20, "CLR-C001", "valid boolean (got 'yes')"),
    Hazard("duplicate_key", 17, "CLR-Y008", "duplicate key 'prompts_days' (first at line 14)"),
    Hazard("anchor_and_alias", 13, "CLR-Y003", "anchor &ret is not allowed"),
    Hazard("merge_key", 24, "CLR-Y003", "merge keys (<<) are not allowed"),
    Hazard("python_object_tag", 3, "CLR-Y004", "python/object/apply:os.system is not allowed"),
    Hazard("custom_tag", 4, "CLR-Y004", "tag !country is not allowed"),
    Hazard(
        "octal_looking_string", 24, "CLR-Y006", "[deployments[0].cloud_regions[1]] CLR-Y006 0755"
    ),
    Hazard("zero_padded_number", 15, "CLR-Y006", "[retention.outputs_days] CLR-Y006 030 is ambig"),
    Hazard("date_where_string_expected", 37, "CLR-C001", "valid list (got '2026-10-01')"),
    Hazard("invalid_date", 33, "CLR-C001", "'2026-02-30' is not a date"),
    Hazard("date_as_integer", 33, "CLR-C001", "valid date (got 20261120)"),
    Hazard(
        "unknown_key_typo", 13, "CLR-C001", "unknown key 'retension'. Fix: did you mean 'retention'"
    ),
    Hazard("bad_country_code", 4, "CLR-C001", "'UK' is not an ISO 3166-1 alpha-2 country code"),
    Hazard("bad_country_in_deployment", 26, "CLR-C001", "[deployments[0].storage_countries[1]]"),
    Hazard("multi_document", 39, "CLR-Y001", "found another document"),
    Hazard("not_a_mapping", 1, "CLR-C001", "a provider file must be a mapping"),
    Hazard("empty_file", 1, "CLR-C001", "a provider file must be a mapping"),
    Hazard("tab_indentation_or_syntax_error", 15, "CLR-Y001", "found character '\\t'"),
    # PyYAML notices the missing `]` at the next key, one line below it.
    Hazard("unclosed_flow_list", 13, "CLR-Y001", "expected ',' or ']'"),
    Hazard("integer_key", 16, "CLR-Y007", "key '30' is not a string"),
    Hazard("null_key", 17, "CLR-Y007", "key '~' is not a string"),
    Hazard("bool_where_string_expected", 9, "CLR-C001", "(got False)"),
    Hazard("string_where_number_expected", 14, "CLR-C001", "valid integer (got '30')"),
    Hazard("float_where_integer_expected", 14, "CLR-C001", "valid integer (got 30.0)"),
    Hazard("sexagesimal_where_number_expected", 15, "CLR-C001", "valid integer (got '1:30')"),
    Hazard("negative_retention", 14, "CLR-C001", "greater than or equal to 0 (got -1)"),
    Hazard("empty_inference_countries", 25, "CLR-C001", "at least 1 item"),
    Hazard("unknown_enum_value", 11, "CLR-C001", "(got 'rented')"),
    Hazard("special_float_inf", 32, "CLR-C001", "less than or equal to 1 (got inf)"),
    Hazard("unknown_deployment_in_model", 30, "CLR-C002", "unknown deployment 'us'"),
    Hazard("duplicate_deployment_id", 28, "CLR-C002", "deployment id 'eu' repeats"),
    Hazard("id_differs_from_file_name", 2, "CLR-C002", "id 'exampleai' differs from file name"),
    Hazard(
        "alias_names_two_providers",
        7,
        "CLR-C002",
        "alias openrouter:example-ai also names provider example-ai",
        provider="other-ai",
    ),
]

POLICY_HAZARDS = [
    Hazard("norway_unquoted_NO_as_country_key", 7, "CLR-P001", "[region_groups.NO]"),
    Hazard("on_as_boolean", 30, "CLR-P001", "valid boolean (got 'on')"),
    Hazard("yes_as_required", 18, "CLR-P001", "'required' (got 'yes')"),
    Hazard("bad_country_in_policy", 14, "CLR-P002", "'UK' is neither an ISO 3166-1"),
    Hazard(
        "inheritance_cycle",
        11,
        "CLR-P002",
        "inheritance cycle internal -> confidential -> internal",
        problems=2,
    ),
    Hazard("unknown_inherits", 13, "CLR-P002", "unknown class 'internl'"),
    Hazard("unknown_default_data_class", 7, "CLR-P002", "unknown class 'intern'"),
    Hazard("exception_waives_non_requirement", 24, "CLR-P002", "'retention' is not a requirement"),
    Hazard("exception_unknown_data_class", 23, "CLR-P002", "unknown class 'secret'"),
    Hazard("exception_invalid_expiry", 27, "CLR-P001", "'2027-02-29' is not a date"),
    Hazard("string_where_number_expected", 17, "CLR-P001", "valid integer (got '0')"),
    Hazard("unknown_enum_value", 11, "CLR-P001", "(got 'forbiden')"),
    Hazard("unknown_key_typo", 14, "CLR-P001", "did you mean 'inference_within'"),
    Hazard("group_shadows_builtin", 7, "CLR-P002", "group EEA shadows a built-in name"),
    Hazard("allowed_and_denied", 21, "CLR-P002", "some-provider is both allowed and denied"),
    Hazard("duplicate_data_class", 19, "CLR-Y008", "duplicate key 'internal' (first at line 10)"),
    Hazard("empty_country_list", 15, "CLR-P001", "at least 1 item"),
]


def assert_rejected(result: Result, file: Path, hazard: Hazard) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{file}:{hazard.line}: "), lines[0]
    assert hazard.code in lines[0]
    assert hazard.detail in lines[0]
    assert lines[-1] == f"{hazard.problems} problem(s) found"
    assert "ok " not in result.stdout


@pytest.mark.parametrize("hazard", CATALOG_HAZARDS, ids=str)
def test_catalog_hazard_is_rejected_with_file_line_and_code(hazard: Hazard) -> None:
    root = HAZARDS / "catalog" / hazard.name
    file = root / "providers" / f"{hazard.provider}.yaml"
    assert file.is_file()
    assert_rejected(validate(root), file, hazard)


@pytest.mark.parametrize("hazard", POLICY_HAZARDS, ids=str)
def test_policy_hazard_is_rejected_with_file_line_and_code(hazard: Hazard) -> None:
    file = HAZARDS / "policies" / f"{hazard.name}.yaml"
    assert_rejected(validate(file), file, hazard)


def test_every_hazard_file_is_in_a_table() -> None:
    catalogs = {p.name for p in (HAZARDS / "catalog").iterdir()}
    policies = {p.stem for p in (HAZARDS / "policies").glob("*.yaml")}
    assert catalogs == {h.name for h in CATALOG_HAZARDS}
    assert policies == {h.name for h in POLICY_HAZARDS}
    assert len(catalogs) + len(policies) >= 24


def test_a_provider_file_given_alone_is_checked_as_a_provider() -> None:
    file = HAZARDS / "catalog" / "duplicate_key" / "providers" / "example-ai.yaml"
    hazard = next(h for h in CATALOG_HAZARDS if h.name == "duplicate_key")
    assert_rejected(validate(file), file, hazard)


def test_validate_reports_every_invalid_path_and_sums_problems() -> None:
    cycle = HAZARDS / "policies" / "inheritance_cycle.yaml"
    result = validate(HAZARDS / "catalog" / "custom_tag", VALID / "catalog", cycle)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "3 problem(s) found"
    assert f"ok   catalog {VALID / 'catalog'}: 1 providers" in result.stdout


# --- hazards generated at runtime (too big, or not storable as text) ---------------------------

PROVIDER_HEAD = "id: example-ai\nname: Example AI\n"


def write_provider(tmp_path: Path, content: bytes) -> tuple[Path, Path]:
    root = tmp_path / "catalog"
    file = root / "providers" / "example-ai.yaml"
    file.parent.mkdir(parents=True)
    file.write_bytes(content)
    return root, file


def test_deep_nesting_10k_is_rejected_without_recursion_error(tmp_path: Path) -> None:
    deep = "notes: " + "[" * 10_000 + "]" * 10_000 + "\n"
    root, file = write_provider(tmp_path, (PROVIDER_HEAD + deep).encode())
    hazard = Hazard("deep_nesting", 3, "CLR-Y005", f"nesting deeper than {MAX_DEPTH} levels")
    assert_rejected(validate(root), file, hazard)


def test_huge_file_10mb_is_rejected_at_the_line_crossing_the_limit(tmp_path: Path) -> None:
    # Every line is exactly 100 bytes, so byte MAX_BYTES (1 MiB) lies on line 10486.
    head = "".join(f"{line:<99}\n" for line in PROVIDER_HEAD.splitlines())
    filler = ("# " + "x" * 97 + "\n") * 100_000
    root, file = write_provider(tmp_path, (head + filler).encode())
    assert file.stat().st_size > 10_000_000
    hazard = Hazard("huge_file", 10486, "CLR-Y002", "file is larger than 1024 KiB")
    assert_rejected(validate(root), file, hazard)


def test_invalid_utf8_is_rejected_at_its_line(tmp_path: Path) -> None:
    content = PROVIDER_HEAD.encode() + b"headquarters: DE\nlegal_entity: Caf\xe9 GmbH\n"
    root, file = write_provider(tmp_path, content)
    assert_rejected(validate(root), file, Hazard("invalid_utf8", 4, "CLR-Y010", "not UTF-8"))


def test_control_character_is_rejected_at_its_line(tmp_path: Path) -> None:
    content = PROVIDER_HEAD.encode() + b"headquarters: DE\nlegal_entity: Acme\x07 GmbH\n"
    root, file = write_provider(tmp_path, content)
    hazard = Hazard("control_character", 4, "CLR-Y001", "character #x0007 is not allowed")
    assert_rejected(validate(root), file, hazard)


def test_missing_policy_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = validate(missing)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{missing}: CLR-Y009 cannot read file")


# --- valid tricky files ------------------------------------------------------------------------


def test_valid_tricky_files_pass_validate() -> None:
    result = validate(VALID / "catalog", VALID / "policies" / "nordics.yaml")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert f"ok   catalog {VALID / 'catalog'}: 1 providers" in result.stdout
    assert "nordic-health (1 data classes)" in result.stdout


def test_valid_catalog_keeps_yaml11_lookalikes_as_strings() -> None:
    doc = load_file(VALID / "catalog" / "providers" / "norsk-ai.yaml")
    data = doc.data
    assert data["headquarters"] == "NO"
    assert data["notes"] == "yes"
    oslo = data["deployments"][0]
    assert oslo["notes"] == "on"
    assert oslo["cloud_regions"] == ["0755", "no-east-1"]
    assert oslo["inference_countries"] == ["NO"]
    assert oslo["decryption_countries"] == ["NO", "SE"]
    assert [m["notes"] for m in data["models"]] == ["2026-01-01", "1:30"]
    assert data["verified_at"] == "2026-11-20"
    assert doc.line_of(("headquarters",)) == 4

    provider = load_catalog(VALID / "catalog").providers["norsk-ai"]
    assert type(provider.headquarters) is str
    assert provider.headquarters == "NO"
    assert provider.notes == "yes"
    assert provider.deployments[0].notes == "on"
    assert provider.deployments[0].cloud_regions == ["0755", "no-east-1"]
    assert provider.deployments[0].storage_countries == []


def test_valid_policy_keeps_norway_in_its_region_group() -> None:
    loaded = load_policy(VALID / "policies" / "nordics.yaml")
    assert loaded.policy.region_groups == {"NORDICS": ["DK", "FI", "IS", "NO", "SE"]}
    assert loaded.groups["NORDICS"] == frozenset({"DK", "FI", "IS", "NO", "SE"})
    requirements = {r.key: r for r in loaded.classes["patient"].requirements}
    assert requirements["storage_within"].value == frozenset({"NO"})
    assert requirements["storage_within"].labels == ("NO",)
    assert requirements["storage_within"].line == 11
    assert requirements["headquarters_in"].value == frozenset({"NO", "SE"})
    assert "NO" in requirements["inference_within"].value


# --- load_text units ---------------------------------------------------------------------------

LINE_MAP_TEXT = """\
id: example-ai
retention:
  prompts_days: 30
deployments:
  - id: eu
    hosts:
      - a.example.com
      - b.example.com
  - id: us
    aliases: {openrouter: [x, y]}
    notes: >-
      folded
      text
verified_at: 2026-11-20
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ((), 1),
        (("id",), 1),
        (("retention",), 2),  # the key's line, not the line its value starts on
        (("retention", "prompts_days"), 3),
        (("deployments",), 4),
        (("deployments", 0), 5),
        (("deployments", 0, "hosts"), 6),
        (("deployments", 0, "hosts", 1), 8),
        (("deployments", 1, "id"), 9),
        (("deployments", 1, "aliases", "openrouter", 1), 10),
        (("deployments", 1, "notes"), 11),
        (("verified_at",), 14),
        (("deployments", 1, "missing", 3), 9),  # nearest ancestor
        (("deployments", 7), 4),
        (("nope",), 1),
    ],
)
def test_line_of(path: tuple[str | int, ...], line: int) -> None:
    assert load_text(LINE_MAP_TEXT).line_of(path) == line


def test_line_map_data_is_plain() -> None:
    doc = load_text(LINE_MAP_TEXT, "x.yaml")
    assert doc.file == "x.yaml"
    assert doc.data["deployments"][1]["notes"] == "folded text"
    assert doc.data["deployments"][1]["aliases"] == {"openrouter": ["x", "y"]}
    assert doc.data["verified_at"] == "2026-11-20"


def test_empty_document_is_none_on_line_1() -> None:
    doc = load_text("# only a comment\n")
    assert doc.data is None
    assert doc.line_of(("anything",)) == 1


def raises(text: str, code: str, file: str = "<input>") -> YamlError:
    with pytest.raises(YamlError) as info:
        load_text(text, file)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].code == code
    return info.value


def test_duplicate_key_names_both_lines() -> None:
    text = "id: a\nretention:\n  prompts_days: 1\n  outputs_days: 2\n  prompts_days: 3\n"
    problem = raises(text, "CLR-Y008", "p.yaml").problems[0]
    assert problem.line == 5
    assert problem.key == "retention.prompts_days"
    assert "(first at line 3)" in problem.message
    assert problem.render().startswith("p.yaml:5: [retention.prompts_days] CLR-Y008")


def test_depth_limit_boundary() -> None:
    assert load_text("[" * MAX_DEPTH + "]" * MAX_DEPTH).data is not None
    raises("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "CLR-Y005")


def test_depth_limit_names_the_line_of_the_too_deep_node() -> None:
    # Line k holds the k-th nested mapping; its key scalar is level k + 1, so line MAX_DEPTH
    # holds the first node past the limit.
    text = "".join("  " * i + "a:\n" for i in range(MAX_DEPTH + 8))
    assert raises(text, "CLR-Y005").problems[0].line == MAX_DEPTH


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 10_000,
        "".join("  " * i + "-\n" for i in range(500)),  # block style, still under 1 MiB
    ],
    ids=["flow-list", "flow-map", "block-list"],
)
def test_very_deep_nesting_is_a_yaml_error(text: str) -> None:
    raises(text, "CLR-Y005")


def test_size_limit_is_in_bytes_and_names_the_line() -> None:
    line = "# " + "x" * 61 + "\n"  # 64 bytes
    at_limit = line * (MAX_BYTES // 64)
    assert len(at_limit.encode()) == MAX_BYTES
    assert load_text(at_limit).data is None
    problem = raises(at_limit + "a: 1\n", "CLR-Y002").problems[0]
    assert problem.line == MAX_BYTES // 64 + 1
    # Fewer characters than MAX_BYTES, more bytes: the limit counts bytes.
    wide = "a: " + "é" * (MAX_BYTES // 2)
    assert len(wide) < MAX_BYTES
    raises(wide, "CLR-Y002")


@pytest.mark.parametrize(
    "value",
    [
        *("yes", "no", "NO", "on", "off", "y", "true", "false", "null", "~", "", "2026-01-01"),
        *("12:30", "0755", "123", "-1", "1.5", "1e3", ".inf", ".nan", "0x1F", "!tag", "*alias"),
    ],
)
@pytest.mark.parametrize("style", ["'{}'", '"{}"', "|-\n  {}", ">-\n  {}"])
def test_quoted_and_block_scalars_stay_strings(value: str, style: str) -> None:
    data = load_text("k: " + style.format(value) + "\n").data
    assert type(data["k"]) is str
    assert data["k"] == value


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("~", None),
        ("null", None),
        ("", None),
        ("0", 0),
        ("12", 12),
        ("-7", -7),
        ("+3", 3),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".inf", math.inf),
        ("-.inf", -math.inf),
        ("+.INF", math.inf),
        ("1" * 40, int("1" * 40)),
        ("yes", "yes"),
        ("No", "No"),
        ("NO", "NO"),
        ("on", "on"),
        ("OFF", "OFF"),
        ("y", "y"),
        ("2026-01-01", "2026-01-01"),
        ("2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"),
        ("1:30", "1:30"),
        ("1_000", "1_000"),
    ],
)
def test_plain_scalar_resolution(plain: str, expected: object) -> None:
    value = load_text(f"k: {plain}\n").data["k"]
    assert type(value) is type(expected)
    assert value == expected


def test_nan_is_a_float() -> None:
    assert math.isnan(load_text("k: .NaN\n").data["k"])


@pytest.mark.parametrize(
    "plain", ["0755", "-012", "+00", "0" + "1" * 45, "1" * 41, "1." + "5" * 40]
)
def test_ambiguous_or_overlong_numbers_are_errors(plain: str) -> None:
    problem = raises(f"x: 1\nmode: {plain}\n", "CLR-Y006").problems[0]
    assert problem.line == 2
    assert problem.key == "mode"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("a: 1\n1: b\n", "CLR-Y007", 2),
        ("a: 1\ntrue: b\n", "CLR-Y007", 2),
        ("a: 1\n~: b\n", "CLR-Y007", 2),
        ("a: 1\n[x]: b\n", "CLR-Y007", 2),
        ("a: 1\n? {x: 1}\n: b\n", "CLR-Y007", 2),
        ("a: 1\n<<: {b: 2}\n", "CLR-Y003", 2),
        ("a: &x 1\nb: 2\n", "CLR-Y003", 1),
        ("a: 1\nb: *x\n", "CLR-Y003", 2),
        ("a: 1\nb: !!str 5\n", "CLR-Y004", 2),
        ("a: 1\nb: ! 5\n", "CLR-Y004", 2),
        ("a: 1\nb: !!map {c: 1}\n", "CLR-Y004", 2),
        ("%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n", "CLR-Y004", 3),
        ("a: 1\n---\nb: 2\n", "CLR-Y001", 2),
        ("a: 1\nb: [1, 2\nc: 3\n", "CLR-Y001", 3),
        ("a: 1\n\tb: 2\n", "CLR-Y001", 2),
        ("a: 'unterminated\n", "CLR-Y001", 2),
        ("a: 1\nb: \x07\n", "CLR-Y001", 2),
        ("a: 1\n\n\nb: \ud800\n", "CLR-Y001", 4),
    ],
)
def test_rejections_name_code_and_line(text: str, code: str, line: int) -> None:
    assert raises(text, code, "f.yaml").problems[0].line == line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'1': a\n", {"1": "a"}),
        ("'<<': a\n", {"<<": "a"}),
        ("NO: a\nyes: b\n", {"NO": "a", "yes": "b"}),
        ("---\na: 1\n...\n", {"a": 1}),
        ("\ufeffa: 1\n", {"a": 1}),
        ("a: 1\r\nb: 2\r\n", {"a": 1, "b": 2}),
    ],
)
def test_accepted_documents(text: str, expected: object) -> None:
    assert load_text(text).data == expected


def test_load_file_names_the_display_name(tmp_path: Path) -> None:
    file = tmp_path / "p.yaml"
    file.write_text("a: 1\na: 2\n")
    with pytest.raises(YamlError) as info:
        load_file(file, "policies/p.yaml")
    assert str(info.value).startswith("policies/p.yaml:2: [a] CLR-Y008")
