"""What the HTTP API refuses before a route runs, in JSON that says what to fix:

- bodies over ``CORTEX_API_MAX_BODY_MB`` (twice that for runs and MCP calls, which carry pasted transcripts): 413,
  by the Content-Length header or, for a chunked body, as soon as the bytes read pass the limit (``BodyLimit``, the
  one limit of the service's API and MCP paths: the MCP SDK's own is switched off, ``agent.mcp_server.mount``);
- requests while the database does not answer: 503 with the reason, at once when the service already knows
  (``memory.db.Database.outage``), else when the query fails (``database_down``);
- requests that do not validate: 422 with each error's location and message, never the input echoed back (it may
  be megabytes, or text that is not valid Unicode) (``validation_error``).

Paths under the LangGraph API prefixes that no route serves answer JSON 404 from ``agent.api.routes``.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIXES = ("/threads", "/assistants", "/runs", "/store", "/crons")
"""The LangGraph Platform API's path prefixes (the chat UI owns every other path)."""

_MB = 1_000_000


def is_api_path(path: str) -> bool:
    """Whether ``path`` is under one of ``API_PREFIXES``."""
    return any(path == p or path.startswith(p + "/") for p in API_PREFIXES)


TRANSCRIPT_PATHS = ("/runs", "/mcp")
"""Requests whose path holds one of these carry pasted transcripts (runs, MCP tool calls): twice the body limit."""


def body_limit_bytes(path: str, max_body_mb: float) -> int:
    """The largest body a request to ``path`` may send, bytes: ``max_body_mb`` MB, twice that for runs and MCP calls
    (``TRANSCRIPT_PATHS``)."""
    return int(max_body_mb * _MB * (2 if any(p in path for p in TRANSCRIPT_PATHS) else 1))


class BodyLimit:
    """ASGI middleware: 413 (JSON, saying what to fix) for a request whose path ``applies`` (default: the API's,
    ``is_api_path``) and whose body passes ``body_limit_bytes`` (``max_body_mb`` is read per request from
    ``limit_mb()``, so settings changes apply without a restart). Pure ASGI: the body is counted as it is read."""

    def __init__(self, app: ASGIApp, limit_mb: Callable[[], float], applies: Callable[[str], bool] = is_api_path) -> None:
        self.app = app
        self.limit_mb = limit_mb
        self.applies = applies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, reading its body through the limit."""
        if scope["type"] != "http" or not self.applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        limit = body_limit_bytes(scope["path"], self.limit_mb())
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        read = 0

        async def limited() -> Message:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > limit:
                raise HTTPException(413, _too_large_text(limit))
            return message

        await self.app(scope, limited, send)


def _too_large_text(limit: int) -> str:
    return (f"The request body is over {limit / _MB:g} MB: send less (a shorter transcript, smaller metadata), or "
            "raise CORTEX_API_MAX_BODY_MB on the server.")


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": _too_large_text(limit)}, status_code=413)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with ``{"detail": [{"loc", "msg", "type"}]}``: FastAPI's shape without the ``input`` and ``ctx`` it echoes."""
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
    return JSONResponse(jsonable_encoder({"detail": errors}), status_code=422)


DATABASE_DOWN = "The database is not answering ({reason}); the service is recovering by itself: retry in a few seconds."


def outage_error(reason: str) -> HTTPException:
    """The 503 of a request made while the database does not answer."""
    return HTTPException(503, DATABASE_DOWN.format(reason=reason), headers={"Retry-After": "5"})


async def database_down(request: Request, exc: Exception) -> JSONResponse:
    """503 for a request whose query failed because the database went away (psycopg OperationalError, the pool's
    timeout)."""
    error = outage_error(" ".join(str(exc).split())[:200] or type(exc).__name__)
    return JSONResponse({"detail": error.detail}, status_code=503, headers=error.headers)
