"""What a `clearance` command imports (issue 15, item 9): a command loads its own module and
what it needs, never the server (fastapi, uvicorn, sqlalchemy), nor httpx unless it talks to
a registry (`--server`). Structural checks on fresh processes; the time is measured in
`bench/cli_start.py`, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import COMMANDS, GROUPS, build_app, requested
from tests.pgserver import free_port

ROOT = Path(__file__).resolve().parents[2]  # tests/cli/ -> the repository
POLICY = "policies/eu-confidential.yaml"
HEAVY = ("httpx", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "uvicorn", "alembic")
# the console script's own code, plus: write the loaded modules' names to CLI_START_MODULES_FILE
SCRIPT = """
import json, os, sys
from cli.main import run
sys.argv[0] = "clearance"
try:
    run()
except SystemExit as stop:
    code = stop.code
with open(os.environ["CLI_START_MODULES_FILE"], "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def modules_of(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    """The exit code of `clearance ARGS` run as a new process, and every module it loaded."""
    found = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARANCE_")}
    env |= {"PYTHONPATH": str(ROOT), "CLI_START_MODULES_FILE": str(found)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert found.is_file(), done.stderr
    result = json.loads(found.read_text())
    return int(result["code"] or 0), set(result["modules"])


def _top(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_validate_imports_only_what_validating_a_policy_needs(tmp_path: Path) -> None:
    code, modules = modules_of(tmp_path, "validate", POLICY)
    assert code == 0
    assert not _top(modules) & {*HEAVY, "clearance_client", "casbin", "rich", "dotenv"}
    others = {m for m, _ in COMMANDS.values() if m != "cli.commands.validate"}
    assert not modules & others  # no other command's module
    assert "registry.policy.loader" in modules
    unneeded = ("registry.engine", "registry.gate", "registry.routers", "registry.api")
    assert not {m for m in modules if m.startswith(unneeded)}
    assert "registry.attestations.models" not in modules  # only for attestations files
    # the policy names no provider: no catalog file is read, no catalog model built
    assert "registry.catalog.models" not in modules


def test_validate_reads_the_catalog_for_a_policy_that_names_providers(tmp_path: Path) -> None:
    named = tmp_path / "named.yaml"
    text = (ROOT / POLICY).read_text()
    assert "  deny: []" in text
    named.write_text(text.replace("  deny: []", "  deny: [deepseek]"))
    code, modules = modules_of(tmp_path, "validate", str(named))
    assert code == 0
    assert "registry.catalog.models" in modules
    assert not _top(modules) & {*HEAVY, "clearance_client", "casbin", "rich"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("allowed", "--policy", POLICY, "--format", "json"), 0),
        (("explain", "ovhcloud/default", "--policy", POLICY), 0),
        (("gate", "tests/manifests/litellm_multi_cloud.yaml", "--policy", POLICY), 1),
        (("test", "policies/eu-confidential.test.yaml"), 0),
    ],
)
def test_local_commands_never_import_the_server_or_httpx(
    tmp_path: Path, args: tuple[str, ...], expected: int
) -> None:
    code, modules = modules_of(tmp_path, *args)
    assert code == expected
    assert not _top(modules) & {*HEAVY, "clearance_client"}


def test_server_mode_imports_the_client(tmp_path: Path) -> None:
    """The check above can fail: with --server the same command loads httpx and the client
    (here against a closed port: exit 3)."""
    url = f"http://127.0.0.1:{free_port()}"
    args = ("allowed", "--policy", POLICY, "--server", url, "--api-key", "clr_x")
    code, modules = modules_of(tmp_path, *args)
    assert code == 3
    assert {"httpx", "clearance_client"} <= _top(modules)
    assert not _top(modules) & {"fastapi", "sqlalchemy", "uvicorn"}


def test_one_command_app_is_still_the_clearance_group() -> None:
    """`clearance NAME …` registers only NAME; anything else registers every command."""
    assert requested(["clearance", "validate", POLICY]) == "validate"
    assert requested(["clearance"]) is None
    every = {c.name for c in build_app().registered_commands}
    assert every == set(COMMANDS)
    assert {g.name for g in build_app().registered_groups} == set(GROUPS)
    one = build_app("validate")
    assert [c.name for c in one.registered_commands] == ["validate"]
    assert not one.registered_groups
    keys = build_app("keys")
    assert not keys.registered_commands and [g.name for g in keys.registered_groups] == ["keys"]
    unknown = build_app("--help")
    assert {c.name for c in unknown.registered_commands} == set(COMMANDS)
