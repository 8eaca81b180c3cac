"""The package as a user installs it: build the wheel, install it into a fresh virtualenv in
a temporary directory, and run `clearance` from outside the repository (issue 15).

The fresh venv gets only the wheel (`pip install --no-deps`); its third-party dependencies
come from the project's own venv through a path entry (no download in the test). A path
entry is not a site directory, so the project's editable install (a `.pth` hook there) is
not active in the fresh venv: every `registry`/`cli` module must come from the wheel, which
the test checks, and `pip check` proves the wheel's declared requirements are met.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

SOURCES = ("registry", "cli", "clearance_client", "provider_catalog")
FILES = ("pyproject.toml", "README.md", "LICENSE")
POLICY = ROOT / "policies" / "eu-confidential.yaml"
MANIFEST = """\
model_list:
  - model_name: chat
    litellm_params: {model: openai/gpt-4o, api_base: https://api.openai.com/v1}
  - model_name: chat-eu
    litellm_params: {model: mistral/mistral-large-latest}
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the sources (the build writes nothing into the repo)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    for name in FILES:
        shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
        cwd=src,
        env=dict(os.environ),
    )
    assert built.returncode == 0, built.stderr
    (found,) = dist.glob("clearance_llm-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(root), "platbase": str(root)}))
    deps = sysconfig.get_path("purelib")  # the project's venv: third-party packages only
    (site / "_clearance_test_deps.pth").write_text(deps + "\n")
    installed = _run(
        [
            sys.executable, "-m", "pip", "--python", str(root / "bin" / "python"),
            "install", "--no-deps", "--no-index", "-q", str(wheel),
        ],
        cwd=root,
        env=dict(os.environ),
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return root


@pytest.fixture
def outside(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working directory with no catalog in it, and an environment naming none."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CLEARANCE_") and k not in {"PYTHONPATH", "VIRTUAL_ENV"}
    }
    shutil.copy2(POLICY, tmp_path / "policy.yaml")
    (tmp_path / "litellm.yaml").write_text(MANIFEST)
    return tmp_path, env


def test_wheel_ships_the_catalog_and_no_tests(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n for n in names if n.startswith("provider_catalog/providers/")}
    assert len(shipped) == len(list((ROOT / "provider_catalog" / "providers").glob("*.yaml")))
    assert any(n.startswith("provider_catalog/reviews/") for n in names)
    assert "provider_catalog/catalog.manifest.json" in names  # the seal ships with the catalog
    assert not any(n.startswith(("tests/", "bench/", "scripts/")) for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    head = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Name: clearance-llm" in head


def test_installed_cli_runs_outside_the_repository(
    venv: Path, outside: tuple[Path, dict[str, str]]
) -> None:
    cwd, env = outside
    python, clearance = str(venv / "bin" / "python"), str(venv / "bin" / "clearance")
    where = _run([python, "-c", "import registry, cli; print(registry.__file__)"], cwd, env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr
    check = _run([sys.executable, "-m", "pip", "--python", python, "check"], cwd, env)
    assert check.returncode == 0, check.stdout + check.stderr

    version = _run([clearance, "--version"], cwd, env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("clearance-llm ")
    assert f"packaged) at {venv}" in version.stdout

    seal = (
        "from registry.catalog.loader import load_catalog;"
        "from registry.catalog.seal import verify;"
        "from registry.catalog.shipped import packaged_catalog;"
        "p = packaged_catalog(); s = verify(p, load_catalog(p)); print(s and s.counts['files'])"
    )
    sealed = _run([python, "-c", seal], cwd, env)
    assert sealed.returncode == 0, sealed.stderr
    assert sealed.stdout.strip() == str(len(list((ROOT / "provider_catalog").glob("*/*.yaml"))))

    valid = _run([clearance, "validate", "policy.yaml"], cwd, env)
    assert valid.returncode == 0, valid.stderr
    assert "ok   " in valid.stdout

    allowed = _run([clearance, "allowed", "--policy", "policy.yaml", "--format", "json"], cwd, env)
    assert allowed.returncode == 0, allowed.stderr
    permitted = json.loads(allowed.stdout)["permitted"]
    assert permitted, "the packaged catalog permits something for the example policy"

    gate = _run([clearance, "gate", "litellm.yaml", "--policy", "policy.yaml"], cwd, env)
    assert gate.returncode == 1, gate.stdout + gate.stderr  # a US host for confidential data
    assert "openai" in gate.stdout


def test_an_explicit_catalog_that_is_missing_is_an_error_not_the_packaged_one(
    venv: Path, outside: tuple[Path, dict[str, str]]
) -> None:
    cwd, env = outside
    env = {**env, "CLEARANCE_CATALOG": str(cwd / "nowhere")}
    result = _run([str(venv / "bin" / "clearance"), "allowed", "--policy", "policy.yaml"], cwd, env)
    assert result.returncode == 2
    assert "CLR-C003" in result.stderr and "nowhere" in result.stderr


def test_docs_never_name_the_squatted_distribution() -> None:
    """`pip install clearance` installs an unrelated 2012 project: a supply-chain trap."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for number, line in enumerate(page.read_text().splitlines(), 1):
            words = line.split()
            for i, word in enumerate(words[:-2]):
                if (word, words[i + 1]) == ("pip", "install") and words[i + 2] == "clearance":
                    pytest.fail(f"{page.name}:{number} tells users to install `clearance`")
