"""Which catalog a command reads: --catalog > CLEARANCE_CATALOG > ./provider_catalog > the
packaged one (registry/catalog/shipped.py), with real directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.catalog.shipped import packaged_catalog, resolve_catalog
from registry.errors import CatalogError
from tests.conftest import ROOT


def _catalog(root: Path) -> Path:
    (root / "providers").mkdir(parents=True)
    return root


def test_the_order_of_choices(tmp_path: Path) -> None:
    local = _catalog(tmp_path / "cwd" / "provider_catalog").parent
    given, env_dir = _catalog(tmp_path / "given"), _catalog(tmp_path / "env")
    env = {"CLEARANCE_CATALOG": str(env_dir)}
    assert resolve_catalog(given, env, local).chosen_by == "--catalog"
    assert resolve_catalog(None, env, local).path == env_dir
    chosen = resolve_catalog(None, {}, local)
    assert (chosen.path, chosen.chosen_by) == (local / "provider_catalog", "./provider_catalog")
    empty = tmp_path / "empty"
    empty.mkdir()
    packaged = resolve_catalog(None, {"CLEARANCE_CATALOG": ""}, empty)
    assert packaged.chosen_by == "packaged" and packaged.path == packaged_catalog()


def test_the_packaged_catalog_is_the_repository_one_in_a_checkout() -> None:
    found = packaged_catalog()
    assert found is not None and found.resolve() == (ROOT / "provider_catalog").resolve()


def test_an_explicit_choice_is_never_replaced_by_a_default(tmp_path: Path) -> None:
    """A mistyped --catalog or variable must fail where it is loaded, not fall through."""
    missing = tmp_path / "missing"
    assert resolve_catalog(missing, {}, tmp_path).path == missing
    assert resolve_catalog(None, {"CLEARANCE_CATALOG": str(missing)}, tmp_path).path == missing


def test_no_catalog_anywhere_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("registry.catalog.shipped.PACKAGE", "no_such_package_here")
    with pytest.raises(CatalogError) as caught:
        resolve_catalog(None, {}, tmp_path)
    assert caught.value.code == "CLR-C003" and "--catalog" in caught.value.remedy
