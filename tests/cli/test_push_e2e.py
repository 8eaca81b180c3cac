"""`clearance push` / `clearance pull` as real processes against `clearance serve` over
loopback, on a SQLite file and a PostgreSQL server: exit 0 pushed, 2 refused, 3 unreachable."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import ROOT
from tests.registry.api.test_attestations_api import (
    IONOS_90,
    REVIEWS,
    STACKIT_DPA,
    attestations,
    entry,
)
from tests.serveproc import ServeProcess, run_cli


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_push_and_pull_over_loopback(database_url: str, tmp_path: Path) -> None:
    with ServeProcess(database_url, tmp_path / "logs") as server:
        _push_and_pull(server, tmp_path)


def _push_and_pull(server: ServeProcess, tmp_path: Path) -> None:
    key = server.api_key
    assert key is not None
    remote = ("--server", server.base_url, "--api-key", key)
    reviews = tmp_path / "reviews.yaml"
    reviews.write_text(REVIEWS)
    created = run_cli("push", str(reviews), *remote)
    assert created.returncode == 0, created.stderr
    assert "created attestations example/vendor-reviews: revision 1" in created.stdout
    reviews.write_text(attestations("vendor-reviews", STACKIT_DPA, IONOS_90.replace("90", "60")))
    policy = tmp_path / "eu.yaml"
    policy.write_text(
        (ROOT / "policies/eu-confidential.yaml").read_text().replace("by data class", "per class")
    )
    pushed = run_cli("push", str(reviews), str(policy), *remote)
    assert pushed.returncode == 0, pushed.stderr
    assert "pushed attestations example/vendor-reviews: revision 2" in pushed.stdout
    assert "pushed policy example/eu-confidential: revision 2" in pushed.stdout
    answer = server.client.get(
        "/v1/orgs/example/policies/eu-confidential/permitted",
        params={"data_class": "confidential"},
    ).json()
    assert answer["attestations_revision"] is not None
    assert "stackit/default" in answer["permitted"]
    pulled = run_cli("pull", "attestations", "vendor-reviews", "--org", "example", *remote)
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout == reviews.read_text()
    out = tmp_path / "pulled.yaml"
    assert (
        run_cli(
            "pull", "policy", "eu-confidential", "--org", "example", *remote, "-o", str(out)
        ).returncode
        == 0
    )
    assert out.read_text() == policy.read_text()

    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(attestations("second", entry("stackitt", "{contracts: [dpa]}", "DPA")))
    refused = run_cli("push", str(unknown), *remote)
    assert refused.returncode == 2
    assert "CLR-O002" in refused.stderr and "did you mean stackit?" in refused.stderr
    missing = run_cli("pull", "attestations", "second", "--org", "example", *remote)
    assert missing.returncode == 2
    neither = tmp_path / "neither.yaml"
    neither.write_text("hello: world\n")
    assert run_cli("push", str(neither), *remote).returncode == 2

    down = ("--server", f"http://127.0.0.1:{_closed_port()}", "--api-key", key)
    assert run_cli("push", str(reviews), *down).returncode == 3
    assert (
        run_cli("pull", "attestations", "vendor-reviews", "--org", "example", *down).returncode == 3
    )
