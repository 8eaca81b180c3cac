"""Server side of `bench/api.py`: the registry app plus a bare constant route, on uvicorn.

Run by `bench.api` in a subprocess (so the load generator does not share its GIL):
`python -m bench.api_server --port N --database-url URL --root REPO`. The app is built as
`clearance serve` builds it (SQLite store seeded with provider_catalog/ and policies/). At
startup, after the app's own lifespan, one `permitted` response is fetched in-process
through the whole app; `/bench/constant` then returns a precomputed `Response` with the same
body bytes and the same headers, so both endpoints put the same bytes on the wire.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI, Response

from registry.api.admission import MAX_INFLIGHT
from registry.api.app import create_app
from registry.api.settings import Settings

PERMITTED = "/v1/orgs/example/policies/eu-confidential/permitted?data_class=confidential"
CONSTANT = "/bench/constant"
COPIED_HEADERS = ("content-type", "etag", "cache-control", "x-clearance-revision")


@dataclass
class Constant:
    """The one precomputed `Response` that `/bench/constant` returns (built at startup)."""

    response: Response = field(default_factory=Response)

    async def endpoint(self) -> Response:
        # async: a plain `def` endpoint would run in the thread pool, which is not "bare"
        return self.response


async def fetch_permitted(app: FastAPI, key: str) -> httpx.Response:
    """One `permitted` answer through the full app (access control, routing, rendering)."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers
    ) as client:
        answer = await client.get(PERMITTED)
    answer.raise_for_status()
    return answer


def with_constant(app: FastAPI, constant: Constant, key: str) -> None:
    """Wrap the app's lifespan: after its startup, capture the bytes of one permitted answer."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[None]:
        async with inner(running):
            answer = await fetch_permitted(running, key)
            headers = {h: answer.headers[h] for h in COPIED_HEADERS}
            constant.response = Response(answer.content, headers=headers)
            yield

    app.router.lifespan_context = lifespan


def build_app(database_url: str, root: Path, key: str, max_inflight: int = MAX_INFLIGHT) -> FastAPI:
    """As `clearance serve` builds it; the rate limiter runs but never refuses (1e9/s)."""
    settings = Settings(
        database_url=database_url,
        seed_catalog=root / "provider_catalog",
        seed_policies=root / "policies",
        rate_limit=1e9,
        rate_burst=1e9,
        max_inflight=max_inflight,
    )
    app = create_app(settings)
    constant = Constant()
    with_constant(app, constant, key)
    app.add_api_route(CONSTANT, constant.endpoint, methods=["GET"], include_in_schema=False)
    return app


def exit_with_parent(parent: int) -> None:
    """Stop (gracefully, via SIGTERM) if the benchmark process that started us goes away."""

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="bench-parent-watch", daemon=True).start()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api_server", description=__doc__)
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--database-url", required=True, help="store URL (a fresh SQLite file)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--parent", type=int, default=None, help="exit when this pid is gone")
    parser.add_argument(
        "--max-inflight", type=int, default=MAX_INFLIGHT, help="as `serve --max-inflight`"
    )
    parser.add_argument("--key-env", default="CLEARANCE_BENCH_KEY", help="env var with the key")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.parent is not None:
        exit_with_parent(args.parent)
    app = build_app(args.database_url, args.root, os.environ[args.key_env], args.max_inflight)
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, workers=1
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
