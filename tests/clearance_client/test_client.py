"""The Python client (`clearance_client`) against real `clearance serve` processes.

Every scenario talks to a real server (tests/serveproc.py) over loopback, and every outage is
real: the process stopped, its PostgreSQL stopped (the service's own 503), a port nobody
listens on, a socket that accepts and never answers. Status codes are observed with a
recording subclass of httpx's real transport, and 304s also on the server's /metrics.

A few tests need no server. `test_retry_after_and_backoff_rules` and
`test_configuration_errors_are_raised_at_construction` check pure functions and argument
checks. `test_refusals_evict_as_documented` calls the shared decision code
(`ClientCore.on_response`) with constructed responses, for what the service cannot be made
to send to this client: a 403 (every org role may read decisions; a catalog-admin key gets
404 first) and a 404 for a query answered before (policies cannot be deleted).
`test_a_malformed_200_is_a_failure_not_an_answer` uses httpx.MockTransport: a real
Clearance service never sends a non-JSON 200 (a misconfigured proxy in front of it does).
"""

from __future__ import annotations

import asyncio
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from clearance_client import (
    AsyncClearanceClient,
    ClearanceClient,
    ClearanceClientError,
    Forbidden,
    InvalidRequest,
    NotFound,
    Permitted,
    ServiceUnavailable,
    Unauthorized,
)
from clearance_client.answer import Entry, Query
from clearance_client.core import ClientCore, Options
from clearance_client.retry import backoff_delay, next_delay, parse_retry_after
from tests.conftest import ROOT
from tests.pgserver import PostgresServer, free_port
from tests.serveproc import ServeProcess, run_cli

ORG, POLICY, CLASS = "example", "eu-confidential", "confidential"
EU = f"/v1/orgs/{ORG}/policies/{POLICY}"
EU_TEXT = (ROOT / "policies" / f"{POLICY}.yaml").read_text()
DENY_OPENAI = EU_TEXT.replace("  deny: []", "  deny: [openai]")
NOT_MODIFIED = 'clearance_decision_requests_total{endpoint="permitted",outcome="not-modified"}'
FAST = {"retries": 1, "backoff": 0.01}


class Recorder(httpx.HTTPTransport):
    """httpx's real transport, noting each status code (or transport error) it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[int | str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = super().handle_request(request)
        except httpx.TransportError as err:
            self.seen.append(type(err).__name__)
            raise
        self.seen.append(response.status_code)
        return response


class AsyncRecorder(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[int | str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except httpx.TransportError as err:
            self.seen.append(type(err).__name__)
            raise
        self.seen.append(response.status_code)
        return response


class FakeClock:
    """What the client reads for `fetched_at`/`age`; moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start `clearance serve` processes (SQLite unless a URL is given); stopped at teardown."""
    started: list[ServeProcess] = []

    def start(database_url: str | None = None, **options: Any) -> ServeProcess:
        url = database_url or f"sqlite:///{tmp_path / f'db{len(started)}.sqlite'}"
        server = ServeProcess(url, tmp_path / "logs", name=f"serve{len(started)}", **options)
        started.append(server)
        server.start()
        return server

    yield start
    for server in reversed(started):
        server.stop()


def not_modified_total(server: ServeProcess) -> float:
    metrics = httpx.get(f"{server.base_url}/metrics").text
    line = next((x for x in metrics.splitlines() if x.startswith(NOT_MODIFIED)), "")
    return float(line.split()[-1]) if line else 0.0


def replace_policy(server: ServeProcess, text: str) -> None:
    admin = server.client
    etag = admin.get(EU).headers["etag"]
    headers = {"content-type": "application/yaml", "if-match": etag}
    assert admin.put(EU, content=text.encode(), headers=headers).status_code == 200


def revoke(server: ServeProcess, key: str) -> None:
    done = run_cli("keys", "revoke", key.split("_")[1], "--database", server.database_url)
    assert done.returncode == 0, done.stderr


def wait_for_status(server: ServeProcess, status: int, timeout: float = 10.0) -> None:
    """Until the service itself answers `status` to the permitted query."""
    deadline = time.monotonic() + timeout
    while server.client.get(EU + "/permitted", params={"data_class": CLASS}).status_code != status:
        assert time.monotonic() < deadline, f"the service did not answer {status}"
        time.sleep(0.1)


def until_raised(call: Callable[[], object], timeout: float = 5.0) -> ClearanceClientError:
    """Call until it raises (a revocation reaches the server within its poll interval)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            call()
        except ClearanceClientError as err:
            return err
        time.sleep(0.05)
    pytest.fail(f"no error within {timeout:g} s")


# -- sync client, real server ----------------------------------------------------------------


def test_fresh_answer_then_304_then_cache_only_within_max_staleness(
    serve: Callable[..., ServeProcess],
) -> None:
    server = serve()
    clock, recorder = FakeClock(), Recorder()
    key = server.new_key(ORG, "router")
    client = ClearanceClient(
        server.base_url, key, max_staleness=60, transport=recorder, clock=clock, **FAST
    )
    first = client.permitted(ORG, POLICY, CLASS)
    assert (first.from_cache, first.age, first.fetched_at) == (False, 0.0, clock.now)
    assert first.etag and first.etag.startswith('W/"')
    assert first.body["policy"] == POLICY and first.body["data_class"] == CLASS
    # ovhcloud/default is the one deployment the shipped catalog permits for confidential
    assert first.is_permitted("ovhcloud/default") and not first.is_permitted("openai/eu")
    assert first.deployments == tuple(first.body["permitted"])
    assert isinstance(first.store_revision, int)

    clock.advance(10)
    second = client.permitted(ORG, POLICY, CLASS)
    assert recorder.seen == [200, 304]
    assert not_modified_total(server) == 1
    assert (second.from_cache, second.age, second.fetched_at) == (False, 0.0, clock.now)
    assert second.body == first.body and second.etag == first.etag
    second.body["permitted"].clear()  # each result owns its body: the cache is untouched

    clock.advance(20)
    server.stop()
    cached = client.permitted(ORG, POLICY, CLASS)
    assert cached.from_cache and cached.age == 20.0 and cached.fetched_at == second.fetched_at
    assert cached.deployments == first.deployments and cached.body == first.body
    assert recorder.seen[2:] == ["ConnectError", "ConnectError"]  # tried, retried, fell back

    clock.advance(40.5)  # confirmed 60.5 s ago: over max_staleness
    with pytest.raises(ServiceUnavailable) as stale:
        client.permitted(ORG, POLICY, CLASS)
    assert stale.value.code == "CLR-K001" and stale.value.remedy
    assert stale.value.cache_age == 60.5 and stale.value.attempts == 2
    assert isinstance(stale.value.cause, httpx.ConnectError)
    with pytest.raises(ServiceUnavailable) as never:
        client.permitted(ORG, POLICY, "restricted")
    assert never.value.cache_age is None
    client.close()


def test_a_policy_change_gives_a_new_etag_and_body(serve: Callable[..., ServeProcess]) -> None:
    server = serve()
    recorder = Recorder()
    with ClearanceClient(server.base_url, server.api_key or "", transport=recorder) as client:
        # internal: OpenAI's deployments are permitted there, so denying openai changes the set
        before = client.permitted(ORG, POLICY, "internal")
        replace_policy(server, DENY_OPENAI)
        after = client.permitted(ORG, POLICY, "internal")
        assert recorder.seen == [200, 200]  # the old ETag no longer matches
        assert after.etag != before.etag
        assert "openai/eu" in before.deployments
        assert not any(d.startswith("openai/") for d in after.deployments)
        assert after.deployments
        assert set(after.deployments) == {
            d for d in before.deployments if not d.startswith("openai/")
        }
        assert after.store_revision is not None and before.store_revision is not None
        assert after.store_revision > before.store_revision
        assert client.permitted(ORG, POLICY, "internal").deployments == after.deployments
        assert recorder.seen == [200, 200, 304]


def test_revoked_key_is_unauthorized_and_its_answers_are_forgotten(
    serve: Callable[..., ServeProcess],
) -> None:
    server = serve()
    key = server.new_key(ORG, "router")
    client = ClearanceClient(server.base_url, key, **FAST)
    assert client.permitted(ORG, POLICY, CLASS).is_permitted("ovhcloud/default")
    client.permitted(ORG, POLICY, "internal")
    assert client.cached == 2
    revoke(server, key)
    err = until_raised(lambda: client.permitted(ORG, POLICY, CLASS))
    assert isinstance(err, Unauthorized)
    assert (err.status, err.code) == (401, "CLR-A401") and "keys create" in err.remedy
    assert client.cached == 0
    server.stop()  # a later outage must not bring the revoked key's answers back
    for data_class in (CLASS, "internal"):
        with pytest.raises(ServiceUnavailable) as down:
            client.permitted(ORG, POLICY, data_class)
        assert down.value.cache_age is None
    client.close()


def test_refusals_are_raised_at_once_and_never_retried(
    serve: Callable[..., ServeProcess],
) -> None:
    server = serve()
    recorder = Recorder()
    client = ClearanceClient(server.base_url, server.api_key or "", transport=recorder)
    with pytest.raises(NotFound) as other_org:
        client.permitted("acme", POLICY, CLASS)
    assert (other_org.value.status, other_org.value.code) == (404, "CLR-A404")
    with pytest.raises(NotFound):
        client.permitted(ORG, "no-such-policy", CLASS)
    with pytest.raises(InvalidRequest) as bad:
        client.permitted(ORG, POLICY, CLASS, format="no-such-format")
    assert (bad.value.status, bad.value.code) == (422, "CLR-R422")
    assert recorder.seen == [404, 404, 422]
    assert client.cached == 0
    with pytest.raises(Unauthorized):
        ClearanceClient(server.base_url, "clr_000000000000_nope").permitted(ORG, POLICY, CLASS)
    client.close()


def test_the_cache_is_a_bounded_lru_and_thread_safe(serve: Callable[..., ServeProcess]) -> None:
    server = serve()
    client = ClearanceClient(server.base_url, server.api_key or "", max_entries=2, **FAST)
    classes = ["public", "internal", CLASS, "restricted"]
    expected = {c: client.permitted(ORG, POLICY, c).deployments for c in classes}

    def ask(n: int) -> bool:
        data_class = classes[n % len(classes)]
        return client.permitted(ORG, POLICY, data_class).deployments == expected[data_class]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(ask, range(80)))
    assert client.cached == 2
    for data_class in ("public", "internal", CLASS):
        client.permitted(ORG, POLICY, data_class)
    server.stop()
    with pytest.raises(ServiceUnavailable):
        client.permitted(ORG, POLICY, "public")  # least recently used: evicted
    assert client.permitted(ORG, POLICY, "internal").from_cache
    assert client.permitted(ORG, POLICY, CLASS).from_cache
    client.close()


def test_service_503_falls_back_to_cache_only_within_max_staleness(
    serve: Callable[..., ServeProcess],
) -> None:
    """The service's own fail-closed answer: its store is down longer than its
    --max-staleness (as in test_e2e.py::test_store_down_fails_closed_after_max_staleness_...)."""
    with PostgresServer() as pg:
        server = serve(pg.new_database("client_down"), max_staleness=1.0)
        clock, recorder = FakeClock(), Recorder()
        client = ClearanceClient(
            server.base_url,
            server.api_key or "",
            max_staleness=30,
            transport=recorder,
            clock=clock,
            **FAST,
        )
        fresh = client.permitted(ORG, POLICY, CLASS)
        pg.stop()
        wait_for_status(server, 503)

        clock.advance(5)
        cached = client.permitted(ORG, POLICY, CLASS)
        assert recorder.seen[-2:] == [503, 503]
        assert cached.from_cache and cached.age == 5.0 and cached.body == fresh.body
        with pytest.raises(ServiceUnavailable) as uncached:
            client.permitted(ORG, POLICY, "internal")
        assert uncached.value.status == 503 and uncached.value.cache_age is None
        assert uncached.value.problem and "store" in uncached.value.problem["detail"]
        assert uncached.value.code != "CLR-K002"  # the service's own problem code

        clock.advance(26)
        with pytest.raises(ServiceUnavailable) as stale:
            client.permitted(ORG, POLICY, CLASS)
        assert stale.value.status == 503 and stale.value.cache_age == 31.0

        pg.start()
        wait_for_status(server, 200)
        recovered = client.permitted(ORG, POLICY, CLASS)
        assert not recovered.from_cache and recovered.age == 0.0
        assert recorder.seen[-1] == 304  # the cached answer was still right: confirmed again
        client.close()


def test_429_retry_after_is_honoured_up_to_the_cap(serve: Callable[..., ServeProcess]) -> None:
    server = serve(extra=("--rate-limit", "1", "--rate-burst", "1"))
    key = server.api_key or ""
    patient, hasty, empty = Recorder(), Recorder(), Recorder()
    waits = ClearanceClient(server.base_url, key, max_backoff=2.0, transport=patient)
    caps = ClearanceClient(server.base_url, key, max_backoff=0.5, transport=hasty)
    caps_uncached = ClearanceClient(server.base_url, key, max_backoff=0.5, transport=empty)

    assert not caps.permitted(ORG, POLICY, CLASS).from_cache  # takes the only token
    started = time.monotonic()
    cached = caps.permitted(ORG, POLICY, CLASS)  # Retry-After: 1 > cap: no retry, cache
    assert cached.from_cache and hasty.seen == [200, 429]
    assert time.monotonic() - started < 0.9  # it did not wait the 1 s asked

    answer = waits.permitted(ORG, POLICY, CLASS)  # waits the second asked, then answered
    assert not answer.from_cache and patient.seen == [429, 200]
    assert time.monotonic() - started >= 0.9

    with pytest.raises(ServiceUnavailable) as limited:
        caps_uncached.permitted(ORG, POLICY, CLASS)
    assert (limited.value.status, limited.value.code) == (429, "CLR-A429")
    assert limited.value.attempts == 1 and empty.seen == [429]
    for client in (waits, caps, caps_uncached):
        client.close()


# -- sync client, no server ------------------------------------------------------------------


def test_retries_and_backoff_are_bounded_on_a_closed_port() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    recorder = Recorder()
    client = ClearanceClient(url, "k", retries=2, backoff=0.05, transport=recorder)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as down:
        client.permitted(ORG, POLICY, CLASS)
    took = time.monotonic() - started
    # equal jitter: at least half of 0.05 + 0.1; the upper bound only says "bounded" (max
    # backoff 2 s each), generous for a loaded machine
    assert 0.025 + 0.05 <= took < 4.0
    assert recorder.seen == ["ConnectError"] * 3 and down.value.attempts == 3
    assert down.value.code == "CLR-K001" and isinstance(down.value.__cause__, httpx.ConnectError)

    budget = ClearanceClient(url, "k", retries=50, backoff=0.1, max_backoff=0.1, total_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as capped:
        budget.permitted(ORG, POLICY, CLASS)
    assert time.monotonic() - started < 1.0 and capped.value.attempts < 10  # not 51 tries
    for closing in (client, budget):
        closing.close()


def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    with socket.socket() as listener:  # accepts connections (backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        timeout = httpx.Timeout(0.2)
        with ClearanceClient(url, "k", timeout=timeout, retries=1, backoff=0.01) as client:
            started = time.monotonic()
            with pytest.raises(ServiceUnavailable) as hung:
                client.permitted(ORG, POLICY, CLASS)
            assert time.monotonic() - started < 1.5
    assert isinstance(hung.value.cause, httpx.ReadTimeout) and hung.value.attempts == 2


def test_a_malformed_200_is_a_failure_not_an_answer() -> None:
    """MockTransport: a real service never sends a non-JSON 200 (a captive proxy does)."""
    bodies = [b'{"permitted": ["a/b"]}', b'{"permitted": "all"}', b"<html>login</html>"]

    def proxy(request: httpx.Request) -> httpx.Response:
        body = bodies.pop(0) if len(bodies) > 1 else bodies[0]
        return httpx.Response(200, content=body, headers={"etag": 'W/"1"'})

    client = ClearanceClient("http://x", "k", retries=0, transport=httpx.MockTransport(proxy))
    assert client.permitted(ORG, POLICY, CLASS).deployments == ("a/b",)
    for _ in range(2):  # served from the fresh cache, marked as such
        assert client.permitted(ORG, POLICY, CLASS).from_cache
    with pytest.raises(ServiceUnavailable) as bad:
        client.permitted(ORG, POLICY, "other")
    assert bad.value.code == "CLR-K003"


@pytest.mark.parametrize(
    ("status", "raised", "left"),
    [(401, Unauthorized, 0), (403, Forbidden, 0), (404, NotFound, 1), (422, InvalidRequest, 2)],
)
def test_refusals_evict_as_documented(
    status: int, raised: type[ClearanceClientError], left: int
) -> None:
    """401/403 forget every answer (the key is no good), 404 the one asked about."""
    core = ClientCore(Options())
    asked, other = (Query(ORG, POLICY, c, None, "json") for c in (CLASS, "internal"))
    for query in (asked, other):
        core.cache.put(query, Entry(b"{}", 'W/"1"', 0.0, 1, ()))
    request = httpx.Request("GET", "http://x" + asked.path)
    response = httpx.Response(status, json={"code": f"X{status}", "remedy": "r"}, request=request)
    with pytest.raises(raised) as refused:
        core.on_response(asked, core.cache.get(asked), response)
    assert (refused.value.code, refused.value.remedy) == (f"X{status}", "r")
    assert len(core.cache) == left


# -- async client ------------------------------------------------------------------------------


def test_async_client_core_scenarios(serve: Callable[..., ServeProcess]) -> None:
    server = serve()
    key, doomed = server.new_key(ORG, "router"), server.new_key(ORG, "router")

    async def scenario() -> None:
        clock, recorder = FakeClock(), AsyncRecorder()
        client = AsyncClearanceClient(
            server.base_url, key, max_staleness=60, transport=recorder, clock=clock, **FAST
        )
        first = await client.permitted(ORG, POLICY, CLASS)
        assert not first.from_cache and first.is_permitted("ovhcloud/default")
        clock.advance(5)
        many = await asyncio.gather(*(client.permitted(ORG, POLICY, CLASS) for _ in range(10)))
        assert all(m.body == first.body and m.age == 0.0 for m in many)
        assert recorder.seen == [200] + [304] * 10
        with pytest.raises(NotFound):
            await client.permitted("acme", POLICY, CLASS)
        with pytest.raises(InvalidRequest):
            await client.permitted(ORG, POLICY, CLASS, format="no-such-format")

        revoked = AsyncClearanceClient(server.base_url, doomed, **FAST)
        await revoked.permitted(ORG, POLICY, CLASS)
        revoke(server, doomed)
        assert isinstance(await until_refused(revoked), Unauthorized)
        assert revoked.cached == 0

        server.stop()
        clock.advance(10)
        cached = await client.permitted(ORG, POLICY, CLASS)
        assert cached.from_cache and cached.age == 10.0 and cached.body == first.body
        with pytest.raises(ServiceUnavailable) as forgotten:
            await revoked.permitted(ORG, POLICY, CLASS)
        assert forgotten.value.cache_age is None
        clock.advance(51)
        with pytest.raises(ServiceUnavailable) as stale:
            await client.permitted(ORG, POLICY, CLASS)
        assert stale.value.cache_age == 61.0
        await client.aclose()
        await revoked.aclose()

    async def until_refused(client: AsyncClearanceClient) -> ClearanceClientError:
        deadline = time.monotonic() + 5  # the server reloads keys within its poll interval
        while time.monotonic() < deadline:
            try:
                await client.permitted(ORG, POLICY, CLASS)
            except ClearanceClientError as err:
                return err
            await asyncio.sleep(0.05)
        pytest.fail("no refusal within 5 s")

    asyncio.run(scenario())


# -- boundaries ------------------------------------------------------------------------------


def test_importing_the_client_imports_no_server_code() -> None:
    code = (
        "import sys\n"
        "import clearance_client\n"
        "from clearance_client import ClearanceClient, AsyncClearanceClient\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'sqlmodel', "
        "'sqlalchemy', 'starlette', 'uvicorn', 'casbin', 'registry', 'cli', 'pydantic', "
        "'yaml'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_permitted_deployments_is_for_format_json_only() -> None:
    other = Permitted(b'{"order": []}', None, 0.0, 0.0, False, None, format="openrouter")
    assert other.body == {"order": []}
    with pytest.raises(ValueError, match="format 'json'"):
        _ = other.deployments


def test_retry_after_and_backoff_rules() -> None:
    rng = random.Random(7)
    assert parse_retry_after("2") == 2.0 and parse_retry_after(None) is None
    assert parse_retry_after("soon") is None and parse_retry_after("-3") == 0.0
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:05 GMT", now) == 5.0
    assert next_delay(0, 2, 1.0, 0.1, 2.0, rng) == 1.0  # Retry-After within the cap
    assert next_delay(0, 2, 3.0, 0.1, 2.0, rng) is None  # beyond it: no retry
    assert next_delay(2, 2, None, 0.1, 2.0, rng) is None  # retries spent
    waits = [backoff_delay(n, 0.1, 0.5, rng) for n in range(6)]
    assert all(min(0.5, 0.1 * 2**n) / 2 <= w <= min(0.5, 0.1 * 2**n) for n, w in enumerate(waits))


def test_configuration_errors_are_raised_at_construction() -> None:
    with pytest.raises(ValueError, match="http"):
        ClearanceClient("localhost:8000", "k")
    with pytest.raises(ValueError, match="api_key"):
        ClearanceClient("http://localhost:8000", "")
    with pytest.raises(ValueError, match="retries"):
        ClearanceClient("http://localhost:8000", "k", retries=-1)
    with pytest.raises(ValueError, match="max_entries"):
        AsyncClearanceClient("http://localhost:8000", "k", max_entries=0)
