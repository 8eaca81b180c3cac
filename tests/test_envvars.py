"""README's table of environment variables is complete and has no stale rows: every
`CLEARANCE_*` name in the code, and every variable the product's code reads by another
name (`os.environ[...]`, `os.environ.get(...)`, `os.getenv(...)`, Typer's `envvar=`), is a
row; every row is a name the code holds."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

NAME = re.compile(r"\bCLEARANCE_[A-Z][A-Z0-9_]*\b")
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \| ([^|]+) \| (.+) \|$", re.M)
CODE_DIRS = ("registry", "cli", "clearance_client", "examples", "tests", "bench", "scripts")
CODE_FILES = ("Makefile", ".ci/run", ".pre-commit-hooks.yaml")
PRODUCT_DIRS = ("registry", "cli", "clearance_client", "examples")
SUFFIXES = (".py", ".sh", ".yaml", ".yml", ".toml")


def table() -> dict[str, tuple[str, str, str]]:
    """The rows of README's `## Environment variables` table: name → (sets, default, by)."""
    text = (ROOT / "README.md").read_text()
    start = text.index("## Environment variables\n")
    end = text.index("\n## ", start + 1)
    return {m[1]: (m[2].strip(), m[3].strip(), m[4].strip()) for m in ROW.finditer(text[start:end])}


def code_files(dirs: tuple[str, ...]) -> list[Path]:
    found = [p for d in dirs for p in (ROOT / d).rglob("*") if p.suffix in SUFFIXES]
    return [p for p in found if p.is_file() and p.resolve() != Path(__file__).resolve()]


def clearance_names() -> dict[str, list[str]]:
    """Every CLEARANCE_* name in code (not in docs), with the files that hold it."""
    files = [*code_files(CODE_DIRS), *(ROOT / f for f in CODE_FILES if (ROOT / f).is_file())]
    names: dict[str, list[str]] = {}
    for path in files:
        for name in set(NAME.findall(path.read_text(encoding="utf-8"))):
            names.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return names


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _read_name(node: ast.AST) -> str | None:
    """The variable name a node reads: environ[X], environ.get(X), getenv(X), envvar=X."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return _literal(node.slice)
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    envvar = next((k.value for k in node.keywords if k.arg == "envvar"), None)
    if envvar is not None:
        return _literal(envvar)
    reads = isinstance(func, ast.Attribute) and (
        (func.attr == "get" and _is_environ(func.value)) or func.attr == "getenv"
    )
    return _literal(node.args[0]) if reads and node.args else None


def read_by_product() -> dict[str, list[str]]:
    """Every variable name the product's code reads by a literal name."""
    names: dict[str, list[str]] = {}
    for path in code_files(PRODUCT_DIRS):
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _read_name(node)
            if name is not None:
                names.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return names


def test_the_scanners_find_what_they_must() -> None:
    """Guards the guards: known reads of each kind are found."""
    product = read_by_product()
    assert "cli/commands/catalog.py" in product["DATABASE_URL"]  # os.environ.get
    assert "cli/remote.py" in product["CLEARANCE_SERVER"]  # envvar=
    assert "registry/store/db.py" in product["CLEARANCE_DATA_DIR"]
    assert any(p.startswith("examples/") for p in product["CLEARANCE_URL"])  # environ[...]
    assert "tests/pgserver.py" in clearance_names()["CLEARANCE_PG_BIN"]
    assert "Makefile" in clearance_names()["CLEARANCE_UPDATE_EXPECTED"]


def test_every_variable_in_the_code_is_a_row_of_the_table() -> None:
    rows = table()
    assert len(rows) >= 10
    found = {**clearance_names(), **read_by_product()}
    missing = {name: files for name, files in found.items() if name not in rows}
    assert missing == {}, f"add these to README's environment variables table: {missing}"


def test_every_row_is_read_somewhere_and_says_everything() -> None:
    found = {*clearance_names(), *read_by_product()}
    for name, (sets, default, read_by) in table().items():
        assert name in found, f"README lists {name}, which no code reads"
        assert sets and default and read_by, name
