"""Guards against incomplete catalog input: an import that drops providers or deployments is
refused unless asked (the store, the CLI and `POST /v1/catalog`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_catalog
from registry.errors import CatalogRemovalError
from registry.store.repository import Store
from tests.conftest import ROOT, seeded_client

CATALOG = ROOT / "provider_catalog"
# cut at 60 % of its bytes, inside a folded scalar, cohere.yaml is still valid YAML and a
# valid provider: two of its five deployments are gone (the case issue 16 found)
CUT_FILE = "cohere.yaml"


def truncated_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "truncated"
    shutil.copytree(CATALOG, copy)
    path = copy / "providers" / CUT_FILE
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    return copy


def removed_deployments(tmp_path: Path) -> list[str]:
    """The deployments the truncated copy lacks, computed from the files themselves."""
    from registry.catalog.facts import targets

    full = {t.id for t in targets(load_catalog(CATALOG))}
    cut = {t.id for t in targets(load_catalog(truncated_copy(tmp_path / "probe")))}
    return sorted(full - cut)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'clearance.db'}")
    store.migrate()
    yield store
    store.close()


def test_the_truncated_file_still_loads_and_drops_two_deployments(tmp_path: Path) -> None:
    gone = removed_deployments(tmp_path)
    assert len(gone) == 2 and all(t.startswith("cohere/") for t in gone)


def test_the_store_refuses_removals_unless_asked(store: Store, tmp_path: Path) -> None:
    first = store.import_catalog(CATALOG, actor="test")
    cut = truncated_copy(tmp_path)
    with pytest.raises(CatalogRemovalError) as caught:
        store.import_catalog(cut, actor="test")
    assert list(caught.value.deployments) == removed_deployments(tmp_path)
    assert caught.value.providers == ()
    assert caught.value.code == "CLR-C010"
    assert [r.revision for r in store.catalog_revisions()] == [first.revision]
    assert store.generation() == 1  # the refused write changed nothing
    second = store.import_catalog(cut, actor="test", allow_removals=True)
    assert second.created and second.revision != first.revision


def test_a_missing_provider_file_is_a_refused_removal(store: Store, tmp_path: Path) -> None:
    store.import_catalog(CATALOG, actor="test")
    fewer = tmp_path / "fewer"
    shutil.copytree(CATALOG, fewer)
    (fewer / "providers" / "groq.yaml").unlink()
    with pytest.raises(CatalogRemovalError) as caught:
        store.import_catalog(fewer, actor="test")
    assert caught.value.providers == ("groq",)
    assert caught.value.deployments == ()  # a removed provider's deployments go with it
    assert "groq" in caught.value.message


def test_additions_need_no_permission(store: Store, tmp_path: Path) -> None:
    fewer = tmp_path / "fewer"
    shutil.copytree(CATALOG, fewer)
    (fewer / "providers" / "groq.yaml").unlink()
    store.import_catalog(fewer, actor="test")
    assert store.import_catalog(CATALOG, actor="test").created


def test_cli_shows_the_removals_and_exits_2(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["catalog", "import", str(CATALOG), "--database", url])
    assert result.exit_code == ExitCode.OK, result.output
    cut = truncated_copy(tmp_path)
    result = runner.invoke(app, ["catalog", "import", str(cut), "--database", url])
    assert result.exit_code == ExitCode.INVALID, result.output
    assert "CLR-C010" in result.stderr and "--allow-removals" in result.stderr
    for target in removed_deployments(tmp_path):
        assert target in result.stderr
    args = ["catalog", "import", str(cut), "--database", url, "--allow-removals"]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.OK, result.output
    assert "imported" in result.stdout


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    with seeded_client(url, tmp_path) as client:
        store = client.app.state.clearance.store  # type: ignore[attr-defined]
        _info, raw = store.create_key("*", "catalog-admin", "catalog", actor="test")
        client.app.state.clearance.holder.refresh()  # type: ignore[attr-defined]
        yield client, {"Authorization": f"Bearer {raw}"}


def upload(directory: Path) -> dict[str, list[dict[str, str]]]:
    files = sorted((directory / "providers").glob("*.yaml"))
    return {"providers": [{"name": p.name, "content": p.read_text()} for p in files]}


def test_api_answers_409_with_the_removals(
    api: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    client, auth = api
    before = client.get("/v1/providers").json()
    cut = truncated_copy(tmp_path)
    refused = client.post("/v1/catalog", headers=auth, json=upload(cut))
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["code"] == "CLR-C010"
    assert body["removals"] == {"providers": [], "deployments": removed_deployments(tmp_path)}
    assert client.get("/v1/providers").json() == before
    allowed = client.post(
        "/v1/catalog", headers=auth, params={"allow_removals": "true"}, json=upload(cut)
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["created"] is True
