"""Architecture boundaries (SPEC §1, STYLE): enforced, not hoped for."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT


def _imports(path: object) -> set[str]:
    tree = ast.parse((ROOT / str(path)).read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_registry_engine_imports_casbin() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for top in ("registry", "cli", "bench")
        for path in (ROOT / top).rglob("*.py")
        if "casbin" in _imports(path.relative_to(ROOT))
        and not str(path.relative_to(ROOT)).startswith("registry/engine/")
    ]
    assert offenders == []


def test_offline_commands_import_neither_fastapi_nor_sqlmodel() -> None:
    code = (
        "import sys\n"
        "from cli.main import build_app\n"
        "build_app()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'sqlmodel', 'sqlalchemy', 'starlette', 'uvicorn'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_no_eval_or_exec_in_the_codebase() -> None:
    for top in ("registry", "cli"):
        for path in (ROOT / top).rglob("*.py"):
            tree = ast.parse(path.read_text())
            calls = {
                node.func.id
                for node in ast.walk(tree)
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            }
            assert not calls & {"eval", "exec", "compile"}, path
