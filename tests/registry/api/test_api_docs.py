"""`/docs` is served whole by the registry (issue 15): on a real `clearance serve` process over
loopback, the page references no other origin, each asset it names answers 200 with the
right type and the bytes of the pinned package, and its Content-Security-Policy allows only
this origin (the one inline script by its hash, no 'unsafe-inline')."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.serveproc import ServeProcess

TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
REFERENCE = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
INLINE = re.compile(r"<script>(.*?)</script>", re.S)
ALLOWED_SOURCES = {"'self'", "'none'"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    base = tmp_path_factory.mktemp("docs")
    with ServeProcess(f"sqlite:///{base / 'docs.db'}", base / "logs") as process:
        yield process


@pytest.fixture(scope="module")
def anonymous(server: ServeProcess) -> Iterator[httpx.Client]:
    """No key: the docs are public."""
    with httpx.Client(base_url=server.base_url, timeout=10.0) as client:
        yield client


def packaged(name: str) -> bytes:
    vendor = resources.files("swagger_ui_bundle").joinpath("vendor")
    (dist,) = [d for d in vendor.iterdir() if d.name.startswith("swagger-ui-")]
    return dist.joinpath(name).read_bytes()


def csp(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives = [part.split() for part in policy.split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


def test_the_page_names_no_other_origin_and_every_asset_is_ours(
    server: ServeProcess, anonymous: httpx.Client
) -> None:
    page = anonymous.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert not re.search(r"(?i)\b(?:https?:)?//", page.text), "an absolute URL in /docs"
    references = REFERENCE.findall(page.text)
    assert {Path(urlsplit(r).path).suffix for r in references} == set(TYPES)
    origin = urlsplit(server.base_url)
    for reference in references:
        url = urljoin(server.base_url + "/docs", reference)
        assert urlsplit(url)[:2] == origin[:2], url
        asset = anonymous.get(url)
        assert asset.status_code == 200, url
        suffix = Path(urlsplit(url).path).suffix
        assert asset.headers["content-type"].split(";")[0] == TYPES[suffix], url
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert "immutable" in asset.headers["cache-control"]
        assert asset.content == packaged(Path(urlsplit(url).path).name), url
    assert b"SwaggerUIBundle" in anonymous.get(references[-1]).content


def test_the_policy_allows_only_this_origin_and_the_inline_script_by_hash(
    anonymous: httpx.Client,
) -> None:
    page = anonymous.get("/docs")
    directives = csp(page)
    assert directives["default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    scripts = INLINE.findall(page.text)
    assert len(scripts) == 1 and "SwaggerUIBundle(" in scripts[0]
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert directives["script-src"] == ["'self'", f"'sha256-{digest}'"]
    for name, sources in directives.items():
        extra = {"data:"} if name == "img-src" else set()  # the stylesheet's embedded icons
        hashes = {s for s in sources if s.startswith("'sha256-")} if name == "script-src" else set()
        assert set(sources) - hashes <= ALLOWED_SOURCES | extra, (name, sources)
    assert not re.search(r"(?i)\sstyle\s*=|\son[a-z]+\s*=", page.text)  # nothing inline else
    assert page.headers["x-content-type-options"] == "nosniff"


def test_only_the_docs_files_are_served_and_redoc_is_off(anonymous: httpx.Client) -> None:
    page = anonymous.get("/docs").text
    base = REFERENCE.findall(page)[0].rsplit("/", 1)[0]
    for path in (
        f"{base}/index.html",
        f"{base}/swagger-initializer.js",
        f"{base}/..%2f..%2fpyproject.toml",
        "/redoc",
        "/docs/oauth2-redirect",
    ):
        response = anonymous.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json"), path
    spec = anonymous.get("/openapi.json").json()
    assert not any(p.startswith(("/docs", "/redoc")) for p in spec["paths"])
