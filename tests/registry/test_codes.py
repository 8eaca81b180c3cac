"""The error-code table (registry/codes.py) is the one home of every code: each code the
code base gives is in it, each entry is given somewhere, and docs/errors.md is generated
from it."""

from __future__ import annotations

import ast
import re

from registry.codes import Code, reference
from tests.conftest import ROOT

LITERAL = re.compile(r"CLR-[A-Z][0-9]{3}")
REFERENCE = re.compile(r"\bCode\.([A-Z][0-9]{3}|[A-Z]+)\b")
FAMILIES = ("HTTP", "CLIENT")
SOURCES = ("registry", "cli", "clearance_client")


def sources() -> dict[str, str]:
    """The product's source files (codes.py excepted) by path."""
    return {
        str(path.relative_to(ROOT)): path.read_text()
        for package in SOURCES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "registry" / "codes.py"
    }


def given_codes() -> dict[str, list[str]]:
    """Every code the source gives, as a `CLR-X000` literal or as `Code.X000`, with where."""
    found: dict[str, list[str]] = {}
    for where, text in sources().items():
        named = [f"CLR-{m}" for m in REFERENCE.findall(text) if m not in FAMILIES]
        for code in LITERAL.findall(text) + named:
            found.setdefault(code, []).append(where)
    return found


def test_every_code_given_is_in_the_table() -> None:
    unknown = {code: where for code, where in given_codes().items() if Code.of(code) is None}
    assert not unknown, f"add these to registry/codes.py: {unknown}"


def test_every_code_in_the_table_is_given_somewhere() -> None:
    given = set(given_codes())
    text = "".join(sources().values())
    families = {Code.HTTP: 'f"CLR-H{', Code.CLIENT: 'f"CLR-K{'}
    for code in Code:
        if code in families:
            assert families[code] in text, f"{code} family no longer made anywhere"
        else:
            assert code.value in given, f"{code} is in the table but given nowhere: drop it"


def test_docs_list_every_code_as_the_table_says() -> None:
    docs = (ROOT / "docs" / "errors.md").read_text()
    assert docs == reference(), "regenerate: python -m registry.codes > docs/errors.md"
    for code in Code:
        assert f"`{code.value}" in docs


def test_a_code_missing_from_the_table_is_found() -> None:
    """The guard itself: an unknown code, and the families, are told apart."""
    assert Code.of("CLR-Z999") is None
    assert Code.of("CLR-A404") is Code.A404
    assert Code.of("CLR-H405") is Code.HTTP and Code.of("CLR-K418") is Code.CLIENT
    assert Code.of("CLR-Hxyz") is None
    assert str(Code.Y008) == "CLR-Y008" and f"{Code.Y008}" == "CLR-Y008"


def test_other_docs_name_only_codes_that_exist() -> None:
    for path in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]:
        for code in set(LITERAL.findall(path.read_text())):
            assert Code.of(code) is not None, f"{path.name} names {code}, which does not exist"


def test_codes_are_named_from_the_table_not_written_out() -> None:
    """A code given as a bare string ("CLR-A404") would escape the table's checks; the
    product names `Code.A404` (clearance_client, a library that stands alone, excepted)."""
    offenders = []
    for top in ("registry", "cli"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path == ROOT / "registry" / "codes.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                value = node.value if isinstance(node, ast.Constant) else None
                if isinstance(value, str) and re.fullmatch(r"CLR-[A-Z][0-9]{3}", value):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "use registry.codes.Code: " + ", ".join(offenders)
