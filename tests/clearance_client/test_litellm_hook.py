"""The LiteLLM hook end to end: a real `litellm.Router` with two OpenAI-compatible fake
upstreams on loopback (standing in for OVHcloud AI Endpoints in the EU and OpenAI's US
endpoint, which we cannot call here), a real `clearance serve` process, and the real async
client.

The upstreams listen on 127.0.0.1 and 127.0.0.2; the registry serves a copy of the shipped
catalog in which those are hosts of `ovhcloud/default` and `openai/us` (an `api_base` host
the catalog does not know is never permitted). `eu-confidential` permits only
`ovhcloud/default` for confidential data (the one deployment the shipped catalog permits for
it; `openai/eu` was, until its countries and prompt retention became unknown) and both for
public data.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.serveproc import ServeProcess, run_cli

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network at import

POLICY = "eu-confidential"
HOSTS = {"eu": "127.0.0.1", "us": "127.0.0.2"}
# the catalog entry each fake upstream's address is added to: a provider and its deployment
# (None: the provider's own hosts, for a provider without deployments)
STANDS_FOR = {"eu": ("ovhcloud", None), "us": ("openai", "us")}


def serve_with_loopback_hosts(tmp_path: Path) -> ServeProcess:
    """A registry whose catalog names the fake upstreams' addresses as OVHcloud's and
    OpenAI's US hosts (imported with the real CLI before the process starts)."""
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "provider_catalog", catalog)
    (catalog / "catalog.manifest.json").unlink()  # an edited copy: unsealed
    for region, (provider, deployment_id) in STANDS_FOR.items():
        path = catalog / "providers" / f"{provider}.yaml"
        data = yaml.safe_load(path.read_text())
        if deployment_id is None:
            data["aliases"]["hosts"].append(HOSTS[region])
        else:
            (deployment,) = [d for d in data["deployments"] if d["id"] == deployment_id]
            deployment["hosts"].append(HOSTS[region])
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    database = f"sqlite:///{tmp_path / 'h.db'}"
    done = run_cli("catalog", "import", str(catalog), "--database", database)
    assert done.returncode == 0, done.stderr
    return ServeProcess(database, tmp_path / "logs")


class Upstream:
    """An OpenAI-compatible chat endpoint that counts the requests it answers."""

    def __init__(self, name: str, host: str) -> None:
        self.name, self.hits = name, Counter[str]()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                json.loads(self.rfile.read(length) or b"{}")
                upstream.hits[self.path] += 1
                body = json.dumps(
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "gpt-4o-mini",
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": upstream.name},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def total(self) -> int:
        return sum(self.hits.values())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstreams() -> Iterator[dict[str, Upstream]]:
    made = {region: Upstream(region, host) for region, host in HOSTS.items()}
    made["unlisted"] = Upstream("unlisted", "127.0.0.3")  # a host the catalog does not know
    yield made
    for upstream in made.values():
        upstream.close()


def model_list(upstreams: dict[str, Upstream]) -> list[dict[str, Any]]:
    return [
        {
            "model_name": "gpt",
            "litellm_params": {
                "model": "openai/gpt-4o-mini",
                "api_base": upstream.url,
                "api_key": "sk-test",
            },
        }
        for upstream in upstreams.values()
    ]


async def _ask(
    router: Any, data_class: str | None, times: int, extra: dict[str, Any] | None = None
) -> list[str]:
    answers = []
    for _ in range(times):
        metadata = {"clearance_data_class": data_class} if data_class else {}
        metadata.update(extra or {})
        reply = await router.acompletion(
            model="gpt", messages=[{"role": "user", "content": "hi"}], metadata=metadata
        )
        answers.append(reply.choices[0].message.content)
    return answers


def test_the_router_reaches_only_permitted_deployments(
    tmp_path: Path, upstreams: dict[str, Upstream]
) -> None:
    import litellm

    from clearance_client import AsyncClearanceClient
    from clearance_client.litellm_hook import ClearanceFilter

    with serve_with_loopback_hosts(tmp_path) as server:
        key = server.new_key("example", "router")

        async def scenario() -> dict[str, Any]:
            client = AsyncClearanceClient(server.base_url, key, max_staleness=300)
            hook = ClearanceFilter(client, org="example", policy=POLICY)
            previous = list(litellm.callbacks)
            litellm.callbacks = [hook]
            try:
                router = litellm.Router(model_list=model_list(upstreams), num_retries=0)
                confidential = await _ask(router, "confidential", 8)
                eu_only = upstreams["us"].total
                public = await _ask(router, "public", 24)
                # the request says public, the proxy key it came with says confidential
                key_tags = {"user_api_key_metadata": {"tags": ["clearance:confidential"]}}
                downgraded = await _ask(router, "public", 12, key_tags)
                server.stop()  # the registry goes away: the fresh cache still decides
                cached = await _ask(router, "confidential", 4)
                return {
                    "confidential": confidential,
                    "us_hits_while_confidential": eu_only,
                    "public": public,
                    "downgraded": downgraded,
                    "cached": cached,
                }
            finally:
                litellm.callbacks = previous
                await client.aclose()

        seen = asyncio.run(scenario())
    assert seen["confidential"] == ["eu"] * 8
    assert seen["us_hits_while_confidential"] == 0
    assert set(seen["public"]) == {"eu", "us"}  # both permitted: the router spreads load
    assert seen["downgraded"] == ["eu"] * 12  # the strictest class wins (was: public, both)
    assert seen["cached"] == ["eu"] * 4
    assert upstreams["unlisted"].total == 0  # never permitted, whatever the data class


def test_without_the_registry_and_without_a_cache_nothing_is_sent(
    tmp_path: Path, upstreams: dict[str, Upstream]
) -> None:
    import litellm

    from clearance_client import AsyncClearanceClient
    from clearance_client.litellm_hook import ClearanceFilter

    with serve_with_loopback_hosts(tmp_path) as server:
        key = server.new_key("example", "router")
        base = server.base_url
    # the server is stopped; the client never had an answer

    async def scenario() -> list[str]:
        client = AsyncClearanceClient(base, key, retries=0, total_timeout=2)
        previous = list(litellm.callbacks)
        litellm.callbacks = [ClearanceFilter(client, org="example", policy=POLICY)]
        failures = []
        try:
            router = litellm.Router(model_list=model_list(upstreams), num_retries=0)
            for data_class in ("confidential", "public", None):
                try:
                    await _ask(router, data_class, 1)
                except Exception as err:  # litellm raises its own "no deployments" error
                    failures.append(type(err).__name__)
        finally:
            litellm.callbacks = previous
            await client.aclose()
        return failures

    failures = asyncio.run(scenario())
    assert len(failures) == 3
    assert sum(u.total for u in upstreams.values()) == 0


def test_every_named_data_class_applies_so_a_client_cannot_downgrade_its_key() -> None:
    from clearance_client.litellm_hook import data_classes_of

    assert data_classes_of(None) == [None]
    assert data_classes_of({"metadata": {"clearance_data_class": "phi"}}) == ["phi"]
    assert data_classes_of({"tags": ["team-a", "clearance:internal"]}) == ["internal"]
    assert data_classes_of({"metadata": {"tags": ["clearance:public"]}}) == ["public"]
    key_tags = {"metadata": {"user_api_key_metadata": {"tags": ["clearance:confidential"]}}}
    assert data_classes_of(key_tags) == ["confidential"]
    # the request says public, its key says confidential: both apply (was: public only)
    downgrade = {
        "metadata": {
            "clearance_data_class": "public",
            "user_api_key_metadata": {"tags": ["clearance:confidential"]},
        }
    }
    assert data_classes_of(downgrade) == ["confidential", "public"]
    team = {"metadata": {"user_api_key_team_metadata": {"tags": ["clearance:restricted"]}}}
    assert data_classes_of(team) == ["restricted"]
    assert data_classes_of({"tags": ["clearance:"], "metadata": "x"}) == [None]
