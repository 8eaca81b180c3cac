"""Architecture boundaries (SPEC §1, STYLE): enforced, not hoped for."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_casbin_has_exactly_two_importers() -> None:
    """The engine's policy model and security's RBAC model for API keys, nothing else."""
    importers = sorted(
        str(path.relative_to(ROOT))
        for top in ("registry", "cli", "bench", "clearance_client")
        for path in (ROOT / top).rglob("*.py")
        if "casbin" in _imports(path.relative_to(ROOT))
    )
    assert importers == ["registry/engine/casbin_model.py", "registry/security/rbac.py"]


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


def _module_graph() -> dict[str, set[str]]:
    """Each module of registry/ and cli/ → the modules of ours it imports at top level."""
    graph: dict[str, set[str]] = {}
    for top in ("registry", "cli"):
        for path in (ROOT / top).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            name = name.removesuffix(".__init__")
            deps: set[str] = set()
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ImportFrom) and node.module:
                    deps.add(node.module)
                elif isinstance(node, ast.Import):
                    deps.update(alias.name for alias in node.names)
            graph[name] = {d for d in deps if d.split(".")[0] in ("registry", "cli")}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, or None (depth-first search, colouring modules)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep in graph and dep not in state and (found := visit(dep)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles() -> None:
    assert _cycle(_module_graph()) is None


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_router_formats_never_import_the_gate() -> None:
    """The gate reads router documents (slugs, LiteLLM configs); never the other way."""
    graph = _module_graph()
    offenders = {
        module: sorted(d for d in deps if d.startswith("registry.gate"))
        for module, deps in graph.items()
        if module.startswith("registry.routers")
    }
    assert {m: d for m, d in offenders.items() if d} == {}


WHOLE_PROJECT_TESTS = {
    "test_boundaries.py",
    "test_envvars.py",
    "test_examples.py",
    "test_examples_dir.py",
    "test_pgserver.py",
    "test_readme.py",
    "test_wheel.py",
}


def test_tests_mirror_the_package_tree() -> None:
    """A change's tests are beside its room: tests/registry/store/ tests registry/store/,
    tests/cli/ the CLI; only tests of the whole project sit in tests/ itself."""
    tests = ROOT / "tests"
    for path in sorted(tests.rglob("test_*.py")):
        room = path.parent.relative_to(tests)
        if room == Path("."):
            assert path.name in WHOLE_PROJECT_TESTS, f"{path.name}: move it beside its package"
        else:
            assert (ROOT / room).is_dir() and (ROOT / room / "__init__.py").exists(), (
                f"tests/{room} mirrors no package {room}/"
            )
