"""RFC 9457 problem+json responses; every error a client sees has a code and a remedy."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry.codes import Code
from registry.errors import (
    CatalogRemovalError,
    ClearanceError,
    InputError,
    PreconditionFailedError,
    PreconditionRequiredError,
)

PROBLEM = "application/problem+json"


class ProblemError(Exception):
    """Raised by routes: becomes a problem+json response with this status."""

    def __init__(
        self, status: int, code: str, title: str, detail: str, remedy: str, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.body = {
            "type": f"https://clearance.dev/problems/{code}",
            "title": title,
            "status": status,
            "code": code,
            "detail": detail,
            "remedy": remedy,
            **extra,
        }


def problem(
    status: int, code: str, title: str, detail: str, remedy: str, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        ProblemError(status, code, title, detail, remedy, **extra).body,
        status_code=status,
        media_type=PROBLEM,
    )


async def on_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return JSONResponse(exc.body, status_code=exc.status, media_type=PROBLEM)


async def on_clearance_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ClearanceError)
    if isinstance(exc, InputError):
        problems = [
            {
                "file": p.file,
                "line": p.line,
                "key": p.key,
                "code": p.code,
                "message": p.message,
                "remedy": p.remedy,
            }
            for p in exc.problems
        ]
        return problem(
            422, exc.code, "Invalid input", exc.problems[0].render(), exc.remedy, problems=problems
        )
    if isinstance(exc, PreconditionRequiredError):
        return problem(428, exc.code, "Precondition required", exc.message, exc.remedy)
    if isinstance(exc, CatalogRemovalError):
        removed = {"providers": list(exc.providers), "deployments": list(exc.deployments)}
        return problem(409, exc.code, "Removals refused", exc.message, exc.remedy, removals=removed)
    if isinstance(exc, PreconditionFailedError):
        return problem(412, exc.code, "Precondition failed", exc.message, exc.remedy)
    return problem(503, exc.code, "Unavailable", exc.message, exc.remedy)


async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(
        exc.status_code,
        f"CLR-H{exc.status_code}",
        str(exc.detail),
        str(exc.detail),
        "check the URL and method against /openapi.json",
    )


async def on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()]
    first = errors[0] if errors else {"loc": [], "message": "invalid request"}
    return problem(
        422,
        Code.R422,
        "Invalid request",
        f"{first['loc']}: {first['message']}",
        "fix the request parameters as /openapi.json describes",
        errors=errors,
    )


async def on_unexpected(_request: Request, _exc: Exception) -> JSONResponse:
    """Never a traceback to a client; the log has it."""
    return problem(
        500,
        Code.H500,
        "Internal error",
        "the request failed unexpectedly",
        "retry; if it persists, report it with the time of the request",
    )
