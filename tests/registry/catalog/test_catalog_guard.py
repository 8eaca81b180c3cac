"""Guards against incomplete catalog input: an import that drops providers or deployments is
refused unless asked (the store, the CLI and `POST /v1/catalog`), and sealed bundles — a
manifest of every file's SHA-256, optionally signed with Ed25519 — are refused when a byte
differs (`clearance catalog seal|import`, `serve --catalog-verify-key`)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_catalog
from registry.catalog.seal import MANIFEST, SIGNATURE, verify
from registry.errors import CatalogError, CatalogRemovalError
from registry.store.repository import Store
from tests.conftest import ROOT, seeded_client
from tests.serveproc import CLEARANCE, ServeProcess, child_env, run_cli

CATALOG = ROOT / "provider_catalog"
# cut at 60 % of its bytes, inside a folded scalar, cohere.yaml is still valid YAML and a
# valid provider: two of its five deployments are gone (the case issue 16 found)
CUT_FILE = "cohere.yaml"


def truncated_copy(tmp_path: Path, *, sealed: bool = False) -> Path:
    """The shipped catalog with CUT_FILE cut; unsealed unless `sealed` (the removals guard
    alone), else with the shipped seal, which no longer matches."""
    copy = tmp_path / "truncated"
    shutil.copytree(CATALOG, copy)
    if not sealed:
        (copy / MANIFEST).unlink()
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


# -- sealed bundles ----------------------------------------------------------------------


def test_the_shipped_catalog_is_sealed_and_the_seal_is_current() -> None:
    assert (CATALOG / MANIFEST).is_file(), "the shipped catalog has no seal"
    try:
        sealed = verify(CATALOG, load_catalog(CATALOG))
    except CatalogError as err:
        pytest.fail(
            "the shipped catalog changed since it was sealed; after reviewing the change run"
            f" `clearance catalog seal provider_catalog` and commit {MANIFEST}:\n{err.render()}"
        )
    assert sealed is not None and not sealed.signed
    assert sealed.counts["files"] == len(list(CATALOG.glob("*/*.yaml")))


def sealed_copy(tmp_path: Path, name: str = "sealed") -> Path:
    copy = tmp_path / name
    shutil.copytree(CATALOG, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def flip_one_byte(path: Path) -> None:
    """One byte of a provider's name: still valid YAML and a valid provider."""
    data = bytearray(path.read_bytes())
    at = data.index(b"\nname: ") + len(b"\nname: ")
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))


def test_a_one_byte_change_to_the_shipped_catalog_is_refused(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    copy = sealed_copy(tmp_path)
    flip_one_byte(copy / "providers" / "groq.yaml")
    load_catalog(copy)  # the changed catalog is valid: only the seal can refuse it
    url = f"sqlite:///{tmp_path / 'seal.db'}"
    result = runner.invoke(app, ["catalog", "import", str(copy), "--database", url])
    assert result.exit_code == ExitCode.INVALID, result.output
    assert "CLR-C011" in result.stderr
    assert "providers/groq.yaml differs from the sealed file" in result.stderr
    assert f"clearance catalog seal {copy}" in result.stderr
    store = Store(url)
    try:
        store.migrate()
        assert store.active_catalog_revision() is None  # nothing stored
    finally:
        store.close()
    sealed = runner.invoke(app, ["catalog", "seal", str(copy)])
    assert sealed.exit_code == ExitCode.OK, sealed.output
    result = runner.invoke(app, ["catalog", "import", str(copy), "--database", url])
    assert result.exit_code == ExitCode.OK, result.output


def test_a_cut_missing_or_added_file_breaks_the_seal(tmp_path: Path) -> None:
    cut = truncated_copy(tmp_path, sealed=True)  # no active revision: only the seal can see it
    with pytest.raises(CatalogError) as caught:
        verify(cut, load_catalog(cut))
    assert [p.code for p in caught.value.problems] == ["CLR-C011"]
    assert f"providers/{CUT_FILE} differs" in caught.value.problems[0].message
    gone = sealed_copy(tmp_path, "gone")
    (gone / "reviews" / "groq.yaml").unlink()
    (gone / "providers" / "extra.yaml").write_bytes((gone / "providers" / "groq.yaml").read_bytes())
    with pytest.raises(CatalogError) as caught:
        verify(gone, load_catalog(CATALOG))  # the files are checked before the catalog
    messages = {p.message for p in caught.value.problems}
    assert messages == {
        "providers/extra.yaml is not in the seal",
        "reviews/groq.yaml is sealed but missing",
    }


def test_a_manifest_that_is_not_one_is_refused(tmp_path: Path) -> None:
    copy = sealed_copy(tmp_path)
    (copy / MANIFEST).write_text('["not", "a", "manifest"]')
    with pytest.raises(CatalogError) as caught:
        verify(copy, load_catalog(copy))
    assert caught.value.code == "CLR-C011"


def write_keys(directory: Path) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    directory.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    key, pub = directory / "seal.pem", directory / "seal.pub.pem"
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key, pub


def test_a_signed_seal_is_checked_with_the_verify_key(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    key, pub = write_keys(tmp_path / "keys")
    _other, other_pub = write_keys(tmp_path / "other")
    copy = sealed_copy(tmp_path)
    url = f"sqlite:///{tmp_path / 'signed.db'}"

    def import_with(verify_key: Path) -> typer.testing.Result:
        args = ["catalog", "import", str(copy), "--database", url, "--verify-key", str(verify_key)]
        return runner.invoke(app, args)

    unsigned = import_with(pub)  # the repository's seal is unsigned
    assert unsigned.exit_code == ExitCode.INVALID and "CLR-C012" in unsigned.stderr
    sealed = runner.invoke(app, ["catalog", "seal", str(copy), "--key", str(key)])
    assert sealed.exit_code == ExitCode.OK, sealed.output
    assert "signed in" in sealed.stdout and (copy / SIGNATURE).is_file()
    wrong = import_with(other_pub)
    assert wrong.exit_code == ExitCode.INVALID
    assert "CLR-C012" in wrong.stderr and "does not match" in wrong.stderr
    not_a_key = import_with(copy / MANIFEST)
    assert not_a_key.exit_code == ExitCode.INVALID and "CLR-C012" in not_a_key.stderr
    assert "Traceback" not in wrong.output + not_a_key.output
    good = import_with(pub)
    assert good.exit_code == ExitCode.OK, good.output
    assert "seal verified: signature and manifest" in good.stdout
    # a changed manifest (re-hashed by hand, not re-signed) fails the signature
    manifest = copy / MANIFEST
    manifest.write_text(manifest.read_text().replace('"format"', '"format" ', 1))
    assert import_with(pub).exit_code == ExitCode.INVALID


def serve_once(tmp_path: Path, catalog: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`clearance serve` seeding a fresh store from `catalog`: it must exit (not serve)."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    args = ["serve", "--port", "0", "--database", url, "--admin-key-file", str(tmp_path / "k")]
    return subprocess.run(
        [str(CLEARANCE), *args, *extra],
        cwd=ROOT,
        env={**child_env(), "CLEARANCE_CATALOG": str(catalog)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_refuses_a_seed_catalog_that_does_not_match_its_seal(tmp_path: Path) -> None:
    _key, pub = write_keys(tmp_path / "keys")
    unsigned = serve_once(tmp_path, CATALOG, "--catalog-verify-key", str(pub))
    assert unsigned.returncode == ExitCode.INVALID, unsigned.stdout + unsigned.stderr
    assert "CLR-C012" in unsigned.stderr and "is sealed but not signed" in unsigned.stderr
    not_a_key = serve_once(tmp_path, CATALOG, "--catalog-verify-key", str(CATALOG / MANIFEST))
    assert not_a_key.returncode == ExitCode.INVALID and "CLR-C012" in not_a_key.stderr
    changed = sealed_copy(tmp_path)
    flip_one_byte(changed / "providers" / "groq.yaml")
    tampered = serve_once(tmp_path, changed)  # no key: the seal still guards the seed
    assert tampered.returncode == ExitCode.INVALID, tampered.stdout + tampered.stderr
    assert "CLR-C011" in tampered.stderr and "providers/groq.yaml" in tampered.stderr
    for run in (unsigned, not_a_key, tampered):
        assert "Traceback" not in run.stderr


def test_serve_with_a_verify_key_takes_only_signed_uploads(tmp_path: Path) -> None:
    key, pub = write_keys(tmp_path / "keys")
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert run_cli("catalog", "import", str(CATALOG), "--database", url).returncode == 0
    admin = run_cli("keys", "create", "--catalog-admin", "--database", url)
    assert admin.returncode == 0, admin.stderr
    extra = ("--no-seed", "--catalog-verify-key", str(pub))
    with ServeProcess(url, tmp_path / "logs", extra=extra, api_key=admin.stdout.strip()) as server:
        copy = sealed_copy(tmp_path)
        flip_one_byte(copy / "providers" / "groq.yaml")
        body = upload(copy)
        unsigned = server.client.post("/v1/catalog", json=body)
        assert unsigned.status_code == 422, unsigned.text
        assert unsigned.json()["code"] == "CLR-C012"
        assert run_cli("catalog", "seal", str(copy), "--key", str(key)).returncode == 0
        signed = {
            **body,
            "manifest": (copy / MANIFEST).read_text(),
            "signature": (copy / SIGNATURE).read_text(),
        }
        stale = {**signed, "providers": upload(CATALOG)["providers"]}
        refused = server.client.post("/v1/catalog", json=stale)
        assert refused.status_code == 422 and refused.json()["code"] == "CLR-C011", refused.text
        accepted = server.client.post("/v1/catalog", json=signed)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["created"] is True
