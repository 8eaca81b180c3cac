"""Properties of the strict YAML loader (Hypothesis)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry.errors import YamlError
from registry.yamlload import load_text

# Characters that make YAML structure, plus control characters the Reader refuses.
_YAMLISH = st.text(
    alphabet=st.sampled_from(
        [*"ab01 :-,[]{}#&*!|>'\"%@`?~.\n\t\r", "\x00", "\x07", "\x85", "\u2028", "\ufeff"]
    ),
    max_size=60,
)


def _is_plain(data: object) -> bool:
    if isinstance(data, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in data.items())
    if isinstance(data, list):
        return all(_is_plain(v) for v in data)
    return data is None or isinstance(data, str | int | float | bool)


def _load_or_yaml_error(text: str) -> None:
    try:
        doc = load_text(text, "p.yaml")
    except YamlError as err:
        problems = err.problems
    else:
        assert _is_plain(doc.data)
        return
    assert problems
    assert all(p.file == "p.yaml" and p.code.startswith("CLR-Y") for p in problems)


@settings(max_examples=300, deadline=None)
@given(st.text())
@example("a: \x00")  # yaml.reader.ReaderError: control character
@example("a: 1\nb: \x1b[0m")
@example("\ud800")  # lone surrogate
@example("a: .inf\nb: -.Inf\nc: .NaN")
@example("[" * 200)
@example("a: &x 1\nb: *x")
@example("!!python/object/apply:os.system [id]")
@example("a: 1\n---\nb: 2")
def test_arbitrary_text_loads_or_raises_yaml_error(text: str) -> None:
    _load_or_yaml_error(text)


@settings(max_examples=300, deadline=None)
@given(_YAMLISH)
def test_yaml_like_text_loads_or_raises_yaml_error(text: str) -> None:
    _load_or_yaml_error(text)


@settings(deadline=None)
@given(st.text(alphabet=st.characters(categories=["Cc", "Cs"]), min_size=1))
def test_control_characters_are_yaml_errors_not_reader_errors(bad: str) -> None:
    allowed = {"\t", "\n", "\r", "\x85"}  # YAML's own whitespace and line breaks
    text = "a: x" + bad
    if set(bad) <= allowed:
        _load_or_yaml_error(text)
        return
    with pytest.raises(YamlError) as info:
        load_text(text)
    assert info.value.problems[0].code == "CLR-Y001"


# Printable, no line breaks (a line break inside a quoted scalar folds to a space).
_ONE_LINE = st.text(
    alphabet=st.characters(
        exclude_categories=["Cc", "Cs", "Cn", "Zl", "Zp"], include_characters="\t"
    ),
    max_size=80,
)


@given(_ONE_LINE)
def test_single_quoted_strings_round_trip(value: str) -> None:
    quoted = "'" + value.replace("'", "''") + "'"
    doc = load_text(f"id: x\nnotes: {quoted}\nlist:\n  - {quoted}\n")
    assert type(doc.data["notes"]) is str
    assert doc.data["notes"] == value
    assert doc.data["list"] == [value]
    assert doc.line_of(("list", 0)) == 4


_YAML11_BOOLS = [
    *("y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"),
    *("on", "On", "ON", "off", "Off", "OFF"),
]
_DATES = st.dates(min_value=date(1000, 1, 1)).map(date.isoformat)
_TIMESTAMPS = st.datetimes(min_value=datetime(1000, 1, 1)).map(
    lambda d: d.isoformat(sep="T", timespec="seconds")
)
_SEXAGESIMALS = st.builds(
    lambda h, m, s: f"{h}:{m:02d}" + (f":{s:02d}" if s is not None else ""),
    st.integers(0, 999),
    st.integers(0, 59),
    st.none() | st.integers(0, 59),
)
_LOOKALIKES = st.sampled_from(_YAML11_BOOLS) | _DATES | _TIMESTAMPS | _SEXAGESIMALS


@given(_LOOKALIKES)
@example("NO")
@example("2026-01-01")
@example("1:30")
@example("190:20:30")
def test_yaml11_lookalike_plain_scalars_stay_strings(text: str) -> None:
    doc = load_text(f"value: {text}\nitems: [{text}]\n{text}: key\n")
    assert type(doc.data["value"]) is str
    assert doc.data["value"] == text
    assert doc.data["items"] == [text]
    assert type(doc.data["items"][0]) is str
    assert doc.data[text] == "key"
