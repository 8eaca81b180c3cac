"""Hypothesis properties of the YAML entry points: the strict loader, policies and providers.

Every entry point either returns plain data or raises a ClearanceError naming the file;
YAML 1.1 look-alikes stay strings; quoted strings written by PyYAML come back unchanged.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from registry.catalog.loader import load_provider
from registry.errors import CatalogError, ClearanceError, InputError, PolicyError, YamlError
from registry.policy.loader import load_policy_text
from registry.yamlload import MAX_DEPTH, KeyPath, load_file, load_text

FILE = "prop.yaml"
# PyYAML's line breaks (a CR LF pair is one break): marks never point past the last line.
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

# --------------------------------------------------------------------------- helpers


def _is_plain(data: object) -> bool:
    if isinstance(data, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_is_plain(v) for v in data)
    return data is None or isinstance(data, str | int | float | bool)


def _paths(data: Any, prefix: KeyPath = ()) -> Iterator[KeyPath]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


def _depth(data: Any) -> int:
    if isinstance(data, dict | list):
        values = data.values() if isinstance(data, dict) else data
        return 1 + max((_depth(v) for v in values), default=0)
    return 1


def _assert_problems(err: InputError, file: str, prefix: str) -> None:
    assert err.problems, "an InputError must carry at least one Problem"
    for problem in err.problems:
        assert problem.file == file
        assert problem.code.startswith(prefix), problem.code
        assert problem.line is None or problem.line >= 1
        assert problem.message and problem.remedy


def _check_load_text(text: str) -> None:
    """Load `text`: plain data with a line for every path, or a YamlError; nothing else."""
    try:
        doc = load_text(text, FILE)
    except YamlError as err:
        _assert_problems(err, FILE, "CLR-Y")
        return
    assert _is_plain(doc.data)
    assert _depth(doc.data) <= MAX_DEPTH
    last_line = len(_BREAKS.findall(text)) + 1
    for path in _paths(doc.data):
        line = doc.lines.get(path)
        assert line is not None, f"no line for {path}"
        assert 1 <= line <= last_line


# --------------------------------------------------------------------------- YAML-ish documents

_FRAGMENTS = [
    *("key", "a", "b", "id", "x y", "k1", ":", ": ", " : ", "- ", "-", "? ", ",", "#", "# c"),
    *("[", "]", "{", "}", "[]", "{}", "'", '"', "''", '""', "'it''s'", '"a\\"b"', "|", ">", "|-"),
    *(">+", "|2", "&a ", "*a", "&a", "<<: ", "<<: *a", "!!python/object:os.system ", "!tag "),
    *("!!str ", "!!binary ", "!<tag:yaml.org,2002:str> ", "! ", "!a!b ", "%YAML 1.2", "%YAML 1.1"),
    *("%YAML 2.0", "%TAG ! tag:x.org,2024:", "%FOO bar", "---", "--- ", "...", "\t", "  ", "    "),
    *("yes", "no", "on", "off", "y", "n", "NO", "Norway", "Yes", "ON", "True", "FALSE", "null"),
    *("2024-01-01", "2024-01-01T10:00:00Z", "12:30", "1:30:00", "0755", "-0755", "0x1F", "0o17"),
    *("0b101", "1_000", "1e3", "-1.5", ".5", "1.", ".inf", "-.Inf", ".NaN", "~", "42", "-0", "+7"),
    *("9" * 41, "1" * 39, "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\ud800"),
    *('"\\x00"', '"\\ud800"', '"\\U0001F600"', '"\\U00110000"', '"\\UFFFFFFFF"', '"\\q"', "\\"),
    *('"\\', "é", "日本", "\U0001f600", "@", "`", "%", "=", "\r", "\r\n"),
    "%YAML " + "1" * 4400 + ".1",
]

_nesting = st.integers(1, 3 * MAX_DEPTH)
_DEEP = st.one_of(
    _nesting.map(lambda n: "[" * n + "x" + "]" * n),
    _nesting.map(lambda n: "{a: " * n + "x" + "}" * n),
    _nesting.map(lambda n: "- " * n + "x"),
    _nesting.map(lambda n: "\n".join(" " * i + f"k{i}:" for i in range(n)) + " v"),
    _nesting.map(lambda n: "[" * n),
)

_line = st.builds(
    lambda indent, parts: " " * indent + "".join(parts),
    st.integers(0, 6),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=6),
)
_YAMLISH_DOC = st.one_of(
    st.lists(_line, max_size=8).map("\n".join),
    st.builds(lambda a, deep, b: f"{a}\n{deep}\n{b}", _line, _DEEP, _line),
    st.builds(lambda bom, text: bom + text, st.sampled_from(["\ufeff", "\ufeff\ufeff"]), _line),
)


@settings(max_examples=250, deadline=None)
@given(st.text())
@example("a: \x00")
@example("\ud800")
@example("a: 1\n---\nb: 2")
def test_arbitrary_text_loads_or_raises_yaml_error(text: str) -> None:
    _check_load_text(text)


@settings(max_examples=400, deadline=None)
@given(_YAMLISH_DOC)
@example('a: "\\U00110000"')  # was ValueError from chr() in PyYAML's scanner
@example('a: "\\UFFFFFFFF"')  # was OverflowError from chr()
@example("%YAML " + "1" * 4400 + ".1\n---\na: 1")  # was ValueError from int() (digit limit)
@example("a: &a 1\nb: *a")
@example("base: &b {x: 1}\nchild:\n  <<: *b")
@example("!!python/object/apply:os.system [id]")
@example("a: !tag x")
@example("- " * (MAX_DEPTH + 1) + "x")
@example("\ufeffa: 1")
def test_yamlish_documents_load_or_raise_yaml_error(text: str) -> None:
    _check_load_text(text)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('a: 1\nb: "\\U00110000"\n', 2),
        ('a: "x\\UFFFFFFFF"\n', 1),
        ("%YAML " + "1" * 4400 + ".1\n---\na: 1\n", 1),
    ],
)
def test_out_of_range_escapes_and_numbers_are_yaml_errors_on_their_line(
    text: str, line: int
) -> None:
    with pytest.raises(YamlError) as info:
        load_text(text, FILE)
    problem = info.value.problems[0]
    assert (problem.code, problem.file, problem.line) == ("CLR-Y001", FILE, line)


# --------------------------------------------------------------------------- scalar resolution

_YAML11_STRINGS = [
    *("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "Norway"),
    *("on", "On", "ON", "off", "Off", "OFF", "tRUE", "fAlse", "NULL!", "nil", "None"),
    *("12:30", "1:30:00", "190:20:30", "0x1F", "0X1f", "0o17", "0b1010", "1_000", "1_0.5"),
    *("+.5.5", "1e", "e5", ".", "+", "inf", "-inf", "nan", "NaN", "Infinity", "0x", "-x"),
    *("2024-01-01", "2024-1-1", "2024-01-01 10:00:00", "2024-01-01T10:00:00Z", "<<", "= "),
]
_DATES = st.dates(min_value=date(1000, 1, 1)).map(date.isoformat)
_DATETIMES = st.datetimes(min_value=datetime(1000, 1, 1)).map(datetime.isoformat)
_STRING_SCALARS = st.sampled_from(_YAML11_STRINGS) | _DATES | _DATETIMES


@settings(max_examples=150, deadline=None)
@given(_STRING_SCALARS)
def test_yaml11_lookalikes_come_back_as_strings(text: str) -> None:
    doc = load_text(f"value: {text}\nlist: [{text}]\nblock:\n  - {text}\n", FILE)
    for value in (doc.data["value"], doc.data["list"][0], doc.data["block"][0]):
        assert type(value) is str, f"{text!r} became {type(value).__name__}"
        assert value == text.strip()


def _case_variants(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))
    )


@settings(max_examples=150, deadline=None)
@given(_case_variants("true") | _case_variants("false") | _case_variants("null"))
def test_only_core_schema_spellings_are_bools_or_null(text: str) -> None:
    value = load_text(f"v: {text}\n", FILE).data["v"]
    if text in ("true", "True", "TRUE"):
        assert value is True
    elif text in ("false", "False", "FALSE"):
        assert value is False
    elif text in ("null", "Null", "NULL"):
        assert value is None
    else:
        assert type(value) is str and value == text


@settings(max_examples=150, deadline=None)
@given(st.integers(-(10**38), 10**38))
def test_plain_decimal_integers_are_ints(number: int) -> None:
    value = load_text(f"n: {number}\n+n: +{abs(number)}\n", FILE).data
    assert type(value["n"]) is int and value["n"] == number
    assert type(value["+n"]) is int and value["+n"] == abs(number)


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_plain_float_reprs_are_floats(number: float) -> None:
    value = load_text(f"f: {number!r}\n", FILE).data["f"]
    assert type(value) is float and value == number


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**9), st.sampled_from(["", "-", "+"]))
def test_leading_zero_integers_are_refused_as_ambiguous(number: int, sign: str) -> None:
    text = f"{sign}0{number}"
    with pytest.raises(YamlError) as info:
        load_text(f"mode: {text}\n", FILE)
    assert info.value.problems[0].code == "CLR-Y006"
    assert info.value.problems[0].line == 1
    # Quoted, the same digits are just a string.
    assert load_text(f"mode: '{text}'\n", FILE).data == {"mode": text}


@pytest.mark.parametrize(
    ("plain", "check"),
    [
        (".inf", lambda v: v == math.inf),
        ("-.Inf", lambda v: v == -math.inf),
        (".NaN", lambda v: isinstance(v, float) and math.isnan(v)),
        ("~", lambda v: v is None),
        ("", lambda v: v is None),
        ("0", lambda v: type(v) is int and v == 0),
        ("42", lambda v: type(v) is int and v == 42),
    ],
)
def test_documented_special_scalars(plain: str, check: Any) -> None:
    assert check(load_text(f"v: {plain}\n", FILE).data["v"])


# --------------------------------------------------------------------------- round trips

_STR_DICTS = st.dictionaries(st.text(max_size=30), st.text(max_size=60), max_size=8)


@settings(max_examples=200, deadline=None)
@given(_STR_DICTS, st.booleans(), st.integers(20, 120))
@example({"a": "yes", "no": "NO", "d": "2024-01-01", "o": "0755", "<<": "*a"}, False, 80)
@example({"\ufeff": "\x00\x85\u2028\ud800", "": " "}, True, 20)
def test_double_quoted_str_dicts_round_trip(
    data: dict[str, str], allow_unicode: bool, width: int
) -> None:
    text: str = yaml.safe_dump(
        data, default_style='"', allow_unicode=allow_unicode, width=width, sort_keys=False
    )
    doc = load_text(text, FILE)
    assert doc.data == data
    assert all(type(k) is str and type(v) is str for k, v in doc.data.items())
    assert list(doc.data) == list(data)  # key order is kept too


_NESTED = st.recursive(
    st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(_NESTED)
def test_double_quoted_nested_data_round_trips(data: Any) -> None:
    text: str = yaml.safe_dump(data, default_style='"')
    assert load_text(text, FILE).data == data


# --------------------------------------------------------------------------- policies

_POLICY_KEYS = [
    *("policy", "org", "description", "region_groups", "default_data_class", "data_classes"),
    *("providers", "exceptions", "routing", "allow", "deny", "inherits", "inference_within"),
    *("storage_within", "headquarters_not_in", "tls_termination", "gpu_ownership", "training"),
    *("max_prompt_retention_days", "min_tool_call_accuracy", "on_unknown", "target", "waive"),
    *("data_class", "reason", "approved_by", "expires", "min_deployments_per_model", "base"),
    *("distinct_operators", "NORDICS", "EU", "DE", "secret", "Policy"),
]
_JUNK_SCALARS = st.one_of(
    st.sampled_from(["p", "acme", "DE", "EU", "NO", "NORDICS", "base", "secret", "never"]),
    st.sampled_from(["forbidden", "required", "deny", "allow", "owned", "a/b", "2024-01-01"]),
    st.sampled_from(["2024-02-30", "yes", "", "Norway", "-1", "x" * 300]),
    st.integers(-5, 40000),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.text(max_size=10),
)
_JUNK = st.recursive(
    _JUNK_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_POLICY_KEYS), inner, max_size=4)
    ),
    max_leaves=10,
)
# Values valid for some policy key, so that mutated policies often still load (or fail late).
_PLAUSIBLE = st.sampled_from(
    [
        *(None, "base", "secret", "acme", "forbidden", "opt_out_ok", "deny", "allow"),
        *("required", "audited", "2031-12-31", 0, 30, 36500, 0.9, True, {}, ["EU"]),
        *(["DE", "NORDICS"], ["NO"], ["owned", "leased"], ["provider"], ["fp8"], ["acme"]),
        *(["iso27001"], ["training"], ["base/x"], {"inherits": "base"}, {"NORDICS": ["SE"]}),
    ]
).map(copy.deepcopy)  # a shared list would be dumped as an anchor and alias
_VALID_POLICY: dict[str, Any] = {
    "policy": "p",
    "org": "acme",
    "region_groups": {"NORDICS": ["NO", "SE"]},
    "default_data_class": "secret",
    "data_classes": {
        "base": {"inference_within": ["EU"], "training": "forbidden"},
        "secret": {"inherits": "base", "storage_within": ["NORDICS"], "on_unknown": "deny"},
    },
    "providers": {"allow": ["acme"], "deny": ["other/model"]},
    "exceptions": [
        {
            "target": "acme",
            "data_class": "secret",
            "waive": ["training"],
            "reason": "signed DPA",
            "approved_by": "ciso",
            "expires": "2030-01-01",
        }
    ],
    "routing": {"min_deployments_per_model": 2},
}


def _check_policy_text(text: str) -> str:
    """Load a policy; return what happened ("loaded" or the error code), for Hypothesis events."""
    try:
        loaded = load_policy_text(text, FILE)
    except (PolicyError, YamlError) as err:
        _assert_problems(err, FILE, "CLR-P" if isinstance(err, PolicyError) else "CLR-Y")
        return f"refused: {err.problems[0].code}"
    except ClearanceError as err:  # any other deliberate error is allowed too
        return f"refused: {err.code}"
    assert loaded.file == FILE
    assert re.fullmatch("[0-9a-f]{16}", loaded.revision)
    assert loaded.policy.default_data_class in (None, *loaded.classes)
    return "loaded"


def test_the_base_policy_of_the_mutations_is_valid() -> None:
    assert _check_policy_text(yaml.safe_dump(_VALID_POLICY)) == "loaded"
    loaded = load_policy_text(yaml.safe_dump(_VALID_POLICY), FILE)
    assert loaded.name == "p"
    assert loaded.data_class(None).name == "secret"


@settings(max_examples=150, deadline=None)
@given(st.text() | _YAMLISH_DOC)
@example('policy: p\norg: o\ndata_classes: {a: {}}\ndescription: "\\UFFFFFFFF"')
@example('policy: p\norg: o\ndata_classes: {"\\ud800": {}}')
@example("policy: p\norg: o\ndata_classes: {a: {inherits: a}}")
def test_arbitrary_policy_text_raises_only_clearance_errors(text: str) -> None:
    event(_check_policy_text(text))


@st.composite
def _mutated_policy(draw: st.DrawFn) -> dict[str, Any]:
    """The valid policy with one or two keys (top, class, exception, …) replaced or deleted."""
    policy: dict[str, Any] = yaml.safe_load(yaml.safe_dump(_VALID_POLICY))  # a deep copy
    classes = policy["data_classes"]
    targets = [
        policy,
        classes,
        classes["base"],
        classes["secret"],
        policy["exceptions"][0],
        policy["providers"],
        policy["region_groups"],
    ]
    for _ in range(draw(st.integers(1, 2))):
        where: dict[str, Any] = draw(st.sampled_from(targets))
        known = st.sampled_from(list(where)) if where else st.nothing()
        key = draw(known | known | known | st.sampled_from(_POLICY_KEYS))
        if draw(st.booleans()) and key in where:
            del where[key]
        else:
            where[key] = draw(_PLAUSIBLE | _PLAUSIBLE | _JUNK)
    return policy


@settings(max_examples=150, deadline=None)
@given(_mutated_policy())
def test_mutated_policies_load_or_raise_clearance_errors(policy: dict[str, Any]) -> None:
    text: str = yaml.safe_dump(policy)
    event(_check_policy_text(text))


# --------------------------------------------------------------------------- files


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("yamlprops")


def _ids_unique(item: dict[str, Any]) -> str:
    return str(item["id"])


_DEPLOYMENT: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {"id": st.sampled_from(["eu", "us"])},
    optional={"storage_countries": st.lists(st.sampled_from(["DE", "FR"]))},
)
_MODEL: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(
    {"id": st.sampled_from(["lab/alpha", "lab/beta"])},
    optional={"quantization": st.sampled_from(["bf16", "fp8"])},
)
_PROVIDER_REQUIRED: dict[str, st.SearchStrategy[Any]] = {
    "id": st.just("acme"),
    "name": st.sampled_from(["Acme", "ACME AI", "yes"]),
}
_PROVIDER_OPTIONAL: dict[str, st.SearchStrategy[Any]] = {
    "headquarters": st.sampled_from(["US", "DE", "NO"]),
    "verified_at": st.sampled_from(["2026-01-31", "2024-02-29"]),
    "training_on_customer_data": st.sampled_from(["never", "opt-out", "unknown"]),
    "inference_countries": st.lists(st.sampled_from(["DE", "EU", "US"]), min_size=1),
    "gpu": st.fixed_dictionaries({}, optional={"ownership": st.sampled_from(["owned"])}),
    "retention": st.fixed_dictionaries({}, optional={"prompts_days": st.integers(0, 90)}),
    "deployments": st.lists(_DEPLOYMENT, max_size=2, unique_by=_ids_unique),
    "models": st.lists(_MODEL, max_size=2, unique_by=_ids_unique),
}
# Valid provider files (most load), the base of the junk-replacement variant below.
_PROVIDER = st.fixed_dictionaries(_PROVIDER_REQUIRED, optional=_PROVIDER_OPTIONAL)

_FILE_BYTES = st.one_of(
    st.binary(max_size=200),
    _YAMLISH_DOC.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\xef\xbb\xbfid: acme\n", b"\xff\xfei\x00d\x00", b"id: acme\nname: \xc3("]),
    _PROVIDER.map(lambda p: yaml.safe_dump(p).encode()),
    st.builds(  # a valid provider with one top-level key replaced by junk
        lambda p, key, junk: yaml.safe_dump({**p, key: junk}).encode(),
        _PROVIDER,
        st.sampled_from(["deployments", "models", "id", "name", "aliases", "headquarters"]),
        _JUNK,
    ),
)


@settings(max_examples=150, deadline=None)
@given(raw=_FILE_BYTES)
@example(raw=b'id: "\\U00110000"\n')
def test_files_load_or_raise_clearance_errors(scratch: Path, raw: bytes) -> None:
    path = scratch / "acme.yaml"
    path.write_bytes(raw)
    file_error: YamlError | None = None
    try:
        load_file(path, FILE)
    except YamlError as err:
        file_error = err
    provider_error: ClearanceError | None = None
    try:
        load_provider(path, FILE)
    except ClearanceError as err:
        provider_error = err
    if file_error is not None:
        _assert_problems(file_error, FILE, "CLR-Y")
        # The provider loader refuses a file's YAML exactly as load_file does.
        assert isinstance(provider_error, YamlError)
        assert provider_error.problems == file_error.problems
    elif isinstance(provider_error, InputError):
        assert isinstance(provider_error, CatalogError), "YAML that load_file accepts"
        _assert_problems(provider_error, FILE, "CLR-C")
    event("loaded" if provider_error is None else f"refused: {provider_error.code}")
