"""The strict loader's two parsers agree: libyaml's C path and the pure-Python reference.

load_text reads a file with libyaml's events where it can and leaves everything else to
PyYAML's pure-Python reader, scanner, parser and composer (the reference, `libyaml=False`,
also what a PyYAML without libyaml uses). Here every YAML file the repository holds (the
hazard corpus, the shipped catalog and policies, the LiteLLM corpus, examples) and generated
documents go through both, and the outcome — data, line of every key path, or every problem
with its file, line and message — must be the same. The C path must also really be taken for
ordinary files, and must defer where libyaml 0.2.5 and PyYAML part.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from registry.catalog.loader import provider_from_document
from registry.errors import InputError, YamlError
from registry.yamlload import (
    HAVE_LIBYAML,
    MAX_DEPTH,
    MAX_EXPANDED_VALUES,
    Document,
    load_file,
    load_text,
    load_text_c,
)

ROOT = Path(__file__).resolve().parents[2]  # tests/registry/ -> the repository
HAZARDS = ROOT / "tests" / "hazards"
CATALOG_FILES = sorted((ROOT / "provider_catalog" / "providers").glob("*.yaml"))
HAZARD_PROVIDER_FILES = sorted((HAZARDS / "catalog").glob("*/providers/*.yaml"))
HAZARD_FILES = sorted(HAZARDS.rglob("*.yaml"))
MANIFEST_FILES = sorted((ROOT / "tests" / "corpus" / "litellm").glob("*.yaml"))
OTHER_FILES = sorted(
    {
        *(ROOT / "policies").rglob("*.yaml"),
        *(ROOT / "examples").rglob("*.yaml"),
        *(ROOT / "tests" / "manifests").rglob("*.yaml"),
        *(ROOT / "tests" / "golden").rglob("*.yaml"),
    }
)

Outcome = tuple[Any, ...]


def outcome(doc: Document | None = None, err: YamlError | None = None) -> Outcome:
    """Comparable: repr keeps types (True is not 1) and NaN equal to itself."""
    if err is not None:
        return ("error", [p.render() for p in err.problems])
    assert doc is not None
    return ("ok", doc.file, repr(doc.data), sorted(doc.lines.items(), key=repr))


def text_outcome(text: str, *, manifest: bool, libyaml: bool) -> Outcome:
    try:
        return outcome(load_text(text, "f.yaml", manifest=manifest, libyaml=libyaml))
    except YamlError as err:
        return outcome(err=err)


def file_outcome(path: Path, *, manifest: bool, libyaml: bool) -> Outcome:
    try:
        return outcome(load_file(path, manifest=manifest, libyaml=libyaml))
    except YamlError as err:
        return outcome(err=err)


def assert_same(text: str, *, manifest: bool = False) -> Outcome:
    c = text_outcome(text, manifest=manifest, libyaml=True)
    reference = text_outcome(text, manifest=manifest, libyaml=False)
    assert c == reference, text
    return c


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- every file of the repository -------------------------------------------------------------


@pytest.mark.parametrize("path", HAZARD_FILES + CATALOG_FILES + OTHER_FILES, ids=rel)
def test_file_loads_alike_with_both_parsers(path: Path) -> None:
    c = file_outcome(path, manifest=False, libyaml=True)
    assert c == file_outcome(path, manifest=False, libyaml=False)


@pytest.mark.parametrize("path", HAZARD_PROVIDER_FILES + CATALOG_FILES, ids=rel)
def test_provider_problems_are_the_same_with_both_parsers(path: Path) -> None:
    """Past YAML, schema and catalog messages name lines from the line map: the same ones."""

    def problems(libyaml: bool) -> list[str]:
        try:
            provider_from_document(load_file(path, libyaml=libyaml), path.stem)
        except InputError as err:
            return [p.render() for p in err.problems]
        return []

    assert problems(libyaml=True) == problems(libyaml=False)


@pytest.mark.parametrize("path", MANIFEST_FILES + OTHER_FILES, ids=rel)
def test_manifest_loads_alike_with_both_parsers(path: Path) -> None:
    c = file_outcome(path, manifest=True, libyaml=True)
    assert c == file_outcome(path, manifest=True, libyaml=False)


def test_hazard_corpus_covers_accepted_and_rejected_files() -> None:
    """The comparisons above are not all errors or all successes."""
    results = [file_outcome(p, manifest=False, libyaml=True)[0] for p in HAZARD_FILES]
    assert results.count("error") >= 10
    assert results.count("ok") >= 20


# --- the C path is taken where it should be, and defers where it must -------------------------


def test_this_pyyaml_has_libyaml() -> None:
    # pyproject pins a PyYAML whose wheels bundle libyaml; without it every file would take
    # the reference path (correct, but the speed of issue 15 would be gone)
    assert HAVE_LIBYAML
    assert yaml.__with_libyaml__


@pytest.mark.parametrize(
    "path", [*CATALOG_FILES, *sorted((HAZARDS / "valid").rglob("*.yaml"))], ids=rel
)
def test_valid_files_are_read_by_the_c_path(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    doc = load_text_c(text, str(path))
    assert doc is not None, "the C path deferred a valid file"
    assert outcome(doc) == outcome(load_text(text, str(path), libyaml=False))


def test_manifests_with_anchors_and_merge_keys_are_read_by_the_c_path() -> None:
    anchored = [p for p in MANIFEST_FILES if "anchor" in p.name]
    assert anchored
    for path in anchored:
        text = path.read_text(encoding="utf-8")
        assert "&" in text and "*" in text
        doc = load_text_c(text, str(path), manifest=True)
        assert doc is not None, path
        assert outcome(doc) == outcome(load_text(text, str(path), manifest=True, libyaml=False))


REFUSED = {
    "anchor": "a: &x 1\nb: 2\n",
    "alias": "a: 1\nb: *x\n",
    "tag": "a: !!str 5\n",
    "non-specific tag": "a: ! 5\n",
    "merge key": "a: {b: 1}\n<<: {c: 2}\n",
    "duplicate key": "a: 1\na: 2\n",
    "integer key": "1: a\n",
    "null key": "~: a\n",
    "ambiguous number": "mode: 0755\n",
    "overlong number": "n: " + "1" * 41 + "\n",
    "second document": "a: 1\n---\nb: 2\n",
    "too deep": "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    "syntax error": "a: [1, 2\nb: 3\n",
    "control character": "a: \x07\n",
    "lone surrogate": "a: \ud800\n",
}

# Where libyaml 0.2.5 and PyYAML part (libyaml accepts, or gives another line): the C path
# must leave these to the reference.
PARTING = {
    "tab after a value": "a: b\t\n",
    "tab as indentation": "a:\n\tb: 1\n",
    "byte order mark on a later line": "a: 1\n\ufeffb: 2\n",
    "comment right after a block indicator": "a: |#c\n  x\n",
    "question mark in a flow scalar": "a: [x?y]\n",
    "question mark after a space in a flow scalar": "a: [x ?y]\n",
    "empty document at an unterminated end": "---\n# c",
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED)
def test_refused_text_is_left_to_the_reference(text: str) -> None:
    assert load_text_c(text, "f.yaml") is None
    assert assert_same(text)[0] == "error"
    assert_same(text, manifest=True)


@pytest.mark.parametrize("text", PARTING.values(), ids=PARTING)
def test_where_the_parsers_part_the_reference_decides(text: str) -> None:
    assert load_text_c(text, "f.yaml") is None
    assert load_text_c(text, "f.yaml", manifest=True) is None
    assert_same(text)
    assert_same(text, manifest=True)


def test_only_an_empty_value_at_an_unterminated_end_is_deferred() -> None:
    """libyaml puts the end of an unterminated stream on a next line, PyYAML does not; only an
    empty value placed there would get another line."""
    for text in ["---\n# c\n", "- a\n-", "a: 1\nb:", "a: 1"]:
        assert load_text_c(text, "f.yaml") is not None, text
        assert_same(text)
    assert assert_same("---\n# c")[1:] == ("f.yaml", "None", [((), 2)])


def test_manifest_aliases_are_bounded_alike() -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
        for a, b in zip("abcdef", "bcdefg", strict=True)
    )
    result = assert_same(laughs, manifest=True)
    assert result[0] == "error"
    assert f"more than {MAX_EXPANDED_VALUES} values" in result[1][0]
    recursive = assert_same("a: &a [x, *a]\n", manifest=True)
    assert recursive[0] == "error"
    merged = assert_same("base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n", manifest=True)
    assert merged[0] == "ok"
    assert "'child': {'y': 3, 'x': 1}" in merged[2]


def test_c_path_counts_manifest_values_as_the_reference_does() -> None:
    """The reference refuses a manifest of more than MAX_EXPANDED_VALUES values, aliases or
    not; it counts every value node (the root mapping, the list, each item), never a key. The
    C path accepts up to that count and defers past it (the reference then words the error:
    a pure-Python parse of 100,000 values is too slow to repeat here)."""

    def manifest(items: int) -> str:
        return "model_list: [" + ", ".join(["1"] * items) + "]\n"

    at_limit = load_text_c(manifest(MAX_EXPANDED_VALUES - 2), "f.yaml", manifest=True)
    assert at_limit is not None
    assert len(at_limit.data["model_list"]) == MAX_EXPANDED_VALUES - 2
    assert load_text_c(manifest(MAX_EXPANDED_VALUES - 1), "f.yaml", manifest=True) is None


# --- generated documents ----------------------------------------------------------------------

_FRAGMENTS = [
    *("key", "a", "id", "x y", ":", ": ", "- ", "-", "? ", ",", "#", " # c", "\n", "\n  "),
    *("[", "]", "{", "}", "'", '"', "'it''s'", '"a\\"b"', "|", ">-", "|2", "|#", "&a ", "*a"),
    *("<<: ", "!!str ", "! ", "%YAML 1.1\n", "%TAG ! tag:x.org,2024:\n", "---\n", "...\n"),
    *("yes", "NO", "true", "null", "~", "2024-01-01", "12:30", "0755", "1e3", ".inf", "-1"),
    *("a?b", "x: y: z", "\t", "\ufeff", "\x85", "\u2028", "\r\n", "\r", "é", '"\\/"', '"\\N"'),
    *('"\\x41"', '"\\U0001F600"', '"\\ud83d"', "\\", "@", "`", "%"),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=24).map("".join), st.booleans())
@example("a: [b?c]\n", False)
@example("---\n\ufeff#c", False)
@example("- |#\n", False)
@example("base: &b {x: 1}\nchild: {<<: *b, y: 2}\n", True)
def test_generated_yaml_like_text_loads_alike(text: str, manifest: bool) -> None:
    assert_same(text, manifest=manifest)


_SCALARS = st.sampled_from(
    [
        *(
            "a",
            "yes",
            "NO",
            "0755",
            "1e3",
            "-1",
            ".inf",
            "~",
            "",
            "x y",
            "a:b",
            "a?b",
            "http://x/?q",
        ),
        *("a #b", "- x", "[1]", "{a}", "*x", "&y", "!t", "<<", "1:30", "2026-01-01", " lead", "é"),
        *("multi\nline", "\u2028", "'q'", '"dq"', 1, 2.5, True, None, -3),
    ]
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_SCALARS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_DATA, st.randoms(use_true_random=False), st.booleans())
def test_dumped_and_mangled_documents_load_alike(
    data: Any, rng: random.Random, manifest: bool
) -> None:
    text = yaml.safe_dump(
        data,
        default_flow_style=rng.choice([None, True, False]),
        default_style=rng.choice([None, None, "'", '"', "|"]),
        width=rng.choice([20, 80, 1000]),
        allow_unicode=rng.random() < 0.5,
        explicit_start=rng.random() < 0.2,
    )
    if rng.random() < 0.3:
        text = text.rstrip("\n")
    for _ in range(rng.choice([0, 0, 1, 2])):
        at = rng.randrange(len(text) + 1)
        cut = rng.randint(0, 2)
        text = text[:at] + rng.choice([*":-?[]{}#&*!|>'\" \n,\t", "\n- ", ": "]) + text[at + cut :]
    assert_same(text, manifest=manifest)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CATALOG_FILES + MANIFEST_FILES), st.randoms(use_true_random=False))
def test_mutated_repository_files_load_alike(path: Path, rng: random.Random) -> None:
    text = path.read_text(encoding="utf-8")
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        piece = rng.choice(_FRAGMENTS)
        text = text[:at] + piece + text[at + rng.choice([0, 0, 1, len(piece)]) :]
    assert_same(text, manifest=path in MANIFEST_FILES)
