"""Admission control (`serve --max-inflight`) and the catalog upload's UTF-8 check, on a real
`clearance serve` over loopback (issue 16 items 5 and 6).

Requests are held in flight deterministically: a `PUT` whose body is sent in part stays
inside the app (the access middleware is reading its body) until the rest arrives.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from clearance_client import AsyncClearanceClient, ClearanceClient
from clearance_client.errors import ServiceUnavailable
from registry.api.admission import Admission
from tests.serveproc import HOST, ROOT, ServeProcess, run_cli

LIMIT = 2
PERMITTED = "/v1/orgs/example/policies/eu-confidential/permitted?data_class=confidential"
HELD_BODY = b"policy: held\norg: example\nnot valid: [\n"  # refused (4xx) once it arrives


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    logs = tmp_path_factory.mktemp("admission")
    url = f"sqlite:///{logs / 'registry.db'}"
    with ServeProcess(url, logs, extra=("--max-inflight", str(LIMIT))) as process:
        yield process


def inflight(server: ServeProcess) -> float:
    text = httpx.get(f"{server.base_url}/metrics", timeout=5.0).text
    found = re.search(r"^clearance_requests_inflight (\S+)$", text, re.MULTILINE)
    assert found, text
    return float(found.group(1))


class Held:
    """`count` PUTs with half-sent bodies: each holds one in-flight slot until released."""

    def __init__(self, server: ServeProcess, count: int) -> None:
        self.server = server
        self.sockets: list[socket.socket] = []
        head = (
            f"PUT /v1/orgs/example/policies/held HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Authorization: Bearer {server.api_key}\r\nContent-Type: application/yaml\r\n"
            f"Content-Length: {len(HELD_BODY)}\r\n\r\n"
        ).encode()
        for _ in range(count):
            sock = socket.create_connection((HOST, server.port), timeout=10.0)
            sock.sendall(head + HELD_BODY[:10])
            self.sockets.append(sock)
        deadline = time.monotonic() + 10.0
        while inflight(server) < count:
            assert time.monotonic() < deadline, "the held requests never got in flight"
            time.sleep(0.02)

    def release(self) -> list[int]:
        """Send the rest of each body; the status each request was answered."""
        statuses = []
        for sock in self.sockets:
            sock.sendall(HELD_BODY[10:])
            first = sock.recv(4096).split(b"\r\n", 1)[0]
            statuses.append(int(first.split()[1]))
            sock.close()
        self.sockets.clear()
        return statuses


def assert_shed(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "CLR-A509"
    assert "--max-inflight" in body["detail"]
    assert body["remedy"]


def test_over_the_bound_is_shed_with_retry_after_and_health_is_not(server: ServeProcess) -> None:
    before = server.client.get(PERMITTED)
    assert before.status_code == 200
    held = Held(server, LIMIT)
    try:
        for _ in range(5):
            assert_shed(server.client.get(PERMITTED))
        assert_shed(server.client.get("/v1/providers"))
        for health in ("/healthz", "/readyz", "/metrics"):
            assert server.client.get(health).status_code == 200, health
        metrics = server.client.get("/metrics").text
        assert re.search(r"^clearance_requests_shed [1-9]", metrics, re.MULTILINE), metrics
    finally:
        statuses = held.release()
    assert all(400 <= s < 500 for s in statuses), statuses  # held requests were answered
    after = server.client.get(PERMITTED)
    assert after.status_code == 200
    assert after.json()["permitted"] == before.json()["permitted"]
    assert inflight(server) == 0


def test_concurrent_requests_get_the_answer_or_a_shed_never_a_wrong_one(
    server: ServeProcess,
) -> None:
    expected = server.client.get(PERMITTED).json()["permitted"]
    held = Held(server, LIMIT - 1)  # one slot left for 32 callers at once
    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            answers = list(pool.map(lambda _: server.client.get(PERMITTED), range(64)))
    finally:
        held.release()
    for answer in answers:
        if answer.status_code == 200:
            assert answer.json()["permitted"] == expected
        else:
            assert_shed(answer)
    assert server.client.get(PERMITTED).json()["permitted"] == expected


def test_the_client_serves_its_last_known_good_answer_when_shed(server: ServeProcess) -> None:
    key = server.api_key
    assert key is not None
    with ClearanceClient(server.base_url, key, retries=2, max_backoff=2.0) as client:
        fresh = client.permitted("example", "eu-confidential", "confidential")
        assert not fresh.from_cache
        held = Held(server, LIMIT)
        try:
            started = time.monotonic()
            cached = client.permitted("example", "eu-confidential", "confidential")
            waited = time.monotonic() - started
        finally:
            held.release()
    assert cached.from_cache
    assert cached.raw == fresh.raw
    assert waited < 1.0  # served at once, not after the 1 s Retry-After


def test_the_async_client_serves_its_last_known_good_answer_when_shed(
    server: ServeProcess,
) -> None:
    key = server.api_key
    assert key is not None

    async def scenario() -> tuple[bool, bool, float]:
        async with AsyncClearanceClient(server.base_url, key, retries=2) as client:
            fresh = await client.permitted("example", "eu-confidential", "confidential")
            held = await asyncio.to_thread(Held, server, LIMIT)
            try:
                started = time.monotonic()
                cached = await client.permitted("example", "eu-confidential", "confidential")
                waited = time.monotonic() - started
            finally:
                await asyncio.to_thread(held.release)
        return fresh.from_cache, cached.from_cache and cached.raw == fresh.raw, waited

    fresh_from_cache, cached_ok, waited = asyncio.run(scenario())
    assert not fresh_from_cache
    assert cached_ok
    assert waited < 1.0


def test_the_client_without_a_cached_answer_fails_closed_when_shed(server: ServeProcess) -> None:
    key = server.api_key
    assert key is not None
    with ClearanceClient(server.base_url, key, retries=0) as client:
        held = Held(server, LIMIT)
        try:
            with pytest.raises(ServiceUnavailable) as raised:
                client.permitted("example", "eu-confidential", "confidential")
        finally:
            held.release()
    assert raised.value.code == "CLR-A509"
    assert raised.value.status == 503


def test_a_negative_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="max_inflight"):
        Admission(-1)
    assert Admission(0).limit == 0


def test_invalid_utf8_in_an_upload_is_the_clis_error(server: ServeProcess, tmp_path: Path) -> None:
    """The upload answers CLR-Y010 at file:line, as `clearance catalog import` does."""
    made = run_cli("keys", "create", "--catalog-admin", "--database", server.database_url)
    assert made.returncode == 0, made.stderr
    headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
    shipped = (ROOT / "provider_catalog" / "providers" / "alibaba.yaml").read_bytes()
    lines = shipped.split(b"\n")
    lines.insert(2, b"# caf\xe9")  # line 3 is not UTF-8
    raw = b"\n".join(lines)

    catalog = tmp_path / "catalog"
    (catalog / "providers").mkdir(parents=True)
    (catalog / "providers" / "alibaba.yaml").write_bytes(raw)
    cli = run_cli("catalog", "import", str(catalog), "--database", f"sqlite:///{tmp_path}/x.db")
    assert cli.returncode == 2
    assert "alibaba.yaml:3: CLR-Y010" in cli.stderr + cli.stdout

    text = raw.decode("utf-8", "surrogateescape")  # how a client carries the bad byte
    body = json.dumps({"providers": [{"name": "alibaba.yaml", "content": text}]})
    deadline = time.monotonic() + 10.0
    while True:  # the new key is picked up by the next poll
        answer = httpx.post(
            f"{server.base_url}/v1/catalog",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
            timeout=10.0,
        )
        if answer.status_code != 401 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["code"] == "CLR-Y010"
    assert problem["problems"][0]["file"] == "alibaba.yaml"
    assert problem["problems"][0]["line"] == 3
    assert problem["detail"].startswith("alibaba.yaml:3: CLR-Y010")
