"""`/docs`: Swagger UI served by the registry itself, for offline networks and strict CSP.

Its JavaScript, CSS and icon come from the pinned `swagger-ui-bundle-v2` package (files
byte-identical to the `swagger-ui-dist` release of the same version), read on first use and
answered from memory at `/docs/swagger-ui-<version>/<file>`: the version is in the path, so
they are cached as immutable and an upgrade changes every URL. The page is FastAPI's, its
one inline `<script>` (the `SwaggerUIBundle({...})` call) allowed by its SHA-256 in the
Content-Security-Policy, so the policy needs no `'unsafe-inline'` and names no other origin:

    default-src 'none'; script-src 'self' 'sha256-…'; style-src 'self';
    img-src 'self' data:; connect-src 'self'; …; frame-ancestors 'none'

(`data:` images are the icons Swagger UI's stylesheet embeds.) ReDoc is not served: it
would need a second bundle. `/openapi.json` stays FastAPI's.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from importlib import resources
from importlib.resources.abc import Traversable

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from registry.api.access import requires
from registry.security.roles import Action

PACKAGE = "swagger_ui_bundle"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
NO_SNIFF = {"X-Content-Type-Options": "nosniff"}


def _dist() -> Traversable:
    """The package's one `vendor/swagger-ui-<version>` directory."""
    found = [
        d
        for d in resources.files(PACKAGE).joinpath("vendor").iterdir()
        if d.is_dir() and d.name.startswith("swagger-ui-")
    ]
    if len(found) != 1:
        raise RuntimeError(f"{PACKAGE} should hold one swagger-ui-<version> directory: {found}")
    return found[0]


@functools.cache
def _asset(name: str) -> bytes:
    return _dist().joinpath(name).read_bytes()


def content_security_policy(html: str) -> str:
    """The page's policy: only this origin, and its inline scripts by their hashes."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in INLINE_SCRIPT.findall(html)
    ]
    return "; ".join(
        (
            "default-src 'none'",
            " ".join(("script-src 'self'", *hashes)),
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


def docs_router(title: str, openapi_url: str) -> APIRouter:
    """`GET /docs` and its assets; public, outside the OpenAPI document."""
    base = f"/docs/{_dist().name}"
    page = bytes(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{base}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}/swagger-ui.css",
            swagger_favicon_url=f"{base}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # never send the spec elsewhere
        ).body
    ).decode()
    headers = {"Content-Security-Policy": content_security_policy(page), **NO_SNIFF}
    router = APIRouter(include_in_schema=False)

    @router.get("/docs", openapi_extra=requires(Action.public))
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page, headers={**headers, "Cache-Control": "no-cache"})

    @router.get(base + "/{name}", openapi_extra=requires(Action.public))
    async def swagger_asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404, f"no Swagger UI file {name!r}")
        cache = {"Cache-Control": "public, max-age=31536000, immutable"}
        return Response(_asset(name), media_type=ASSETS[name], headers={**cache, **NO_SNIFF})

    return router
