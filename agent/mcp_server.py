"""Creator Cortex as an MCP server (the official ``mcp`` SDK's low-level server), so general assistants (Claude
Desktop, ChatGPT, IDEs) call the creator-facing tools directly: ``MCP_TOOLS``, each with the JSON Schema of its own
arguments (the same typed, described, bounded schema the conversation graph's model sees) and its markdown answer
(plus the typed result as structured content).

Transports: Streamable HTTP at ``/mcp`` on `cortex serve` (``mount``; every request needs an API key, as the HTTP API:
``x-api-key`` or ``Authorization: Bearer``; 401 without one) and stdio with `cortex mcp` (``serve_stdio``; the key
comes from ``--api-key`` or CORTEX_API_KEY). A tool acts for the key's creator.

A tool that writes something the creator would want to approve first (``CONFIRM``: record_feedback, which teaches
their title preferences) takes a ``confirm`` argument: without ``confirm: true`` it changes nothing and says what it
would do. Each MCP session is one conversation: record_feedback reads the titles generate_titles wrote earlier in
the same session ("the second one").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import uuid
import weakref
from collections.abc import AsyncIterator
from typing import Any

import mcp.types as types
from fastapi import FastAPI
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolRuntime
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import Receive, Scope, Send

from agent import auth
from agent.api.guards import BodyLimit
from agent.api.schemas import dumps
from agent.settings import get_settings
from memory.db import get_database

log = logging.getLogger("cortex.mcp")

MCP_PATH = "/mcp"
MCP_TOOLS = ("score_title", "retrieve_outliers", "analyze_script", "generate_titles", "search_creators",
             "pull_analytics", "show_memory", "record_feedback")
"""The tools served over MCP (the conversation's approval-gated use_title and edit_memory are not)."""
CONFIRM = {"record_feedback": "records your reaction to a generated title and updates the title preferences "
                              "Creator Cortex learned about you"}
"""The tools that need ``confirm: true``, each with what a call changes."""
UNAUTHORIZED = "Send an API key in the x-api-key header or as a bearer token (create one with `cortex keys create " \
               "--creator NAME`)."


def _tools() -> dict[str, BaseTool]:
    from tools import all_tools

    return {t.name: t for t in all_tools() if t.name in MCP_TOOLS}


def tool_schema(tool: BaseTool) -> dict[str, Any]:
    """The MCP input schema of ``tool``: its arguments' JSON Schema (from the tool's own signature), with a required
    ``confirm`` boolean for the tools in ``CONFIRM``."""
    schema = tool.tool_call_schema.model_json_schema()
    schema.pop("title", None)
    schema.pop("description", None)
    if tool.name in CONFIRM:
        schema["properties"]["confirm"] = {
            "type": "boolean", "default": False,
            "description": f"true to do it: this tool {CONFIRM[tool.name]}. Ask the creator first."}
        schema["required"] = [*schema.get("required", []), "confirm"]
    return schema


class Conversations:
    """One conversation per MCP session: the tool results so far, as the tools read a conversation's messages."""

    def __init__(self) -> None:
        self._by_session: weakref.WeakKeyDictionary[Any, tuple[str, list[BaseMessage]]] = weakref.WeakKeyDictionary()

    def of(self, session: Any) -> tuple[str, list[BaseMessage]]:
        """(thread id, messages) of the session's conversation."""
        if session not in self._by_session:
            self._by_session[session] = (f"mcp-{uuid.uuid4()}", [])
        return self._by_session[session]


def build_server(creator_of_request: Any) -> Server:
    """The MCP server: list_tools gives ``MCP_TOOLS`` with ``tool_schema``; call_tool runs one for the creator
    ``await creator_of_request(request)`` names (the HTTP request, None on stdio) and answers its markdown, with the
    typed result as structured content; a tool in ``CONFIRM`` called without ``confirm: true`` changes nothing and
    says so (an error result)."""
    server: Server = Server("creator-cortex", instructions="YouTube strategy tools over real channel data: score "
                            "titles, find outlier videos, analyse scripts, write titles, find creators, read your "
                            "channel's analytics, and show what Creator Cortex learned about you.")
    tools = _tools()
    conversations = Conversations()

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return [types.Tool(name=t.name, description=t.description, inputSchema=tool_schema(t),
                           annotations=types.ToolAnnotations(readOnlyHint=t.name not in CONFIRM,
                                                             destructiveHint=False, openWorldHint=False))
                for t in tools.values()]

    @server.call_tool()
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        from tools.base import CortexContext

        tool = tools.get(name)
        if tool is None:
            return _error(f"Unknown tool {name!r}: use one of {', '.join(MCP_TOOLS)}.")
        args = dict(arguments)
        if name in CONFIRM and args.pop("confirm", False) is not True:
            return _error(f"Nothing was recorded: this tool {CONFIRM[name]}. Ask the creator, then call it again "
                          "with confirm: true.")
        context = server.request_context
        creator = await creator_of_request(context.request)
        thread, messages = conversations.of(context.session)
        db = await get_database()
        runtime = ToolRuntime(state={"messages": list(messages)}, context=CortexContext(
            creator_id=creator, db=db, settings=get_settings()), config={"configurable": {"thread_id": thread}},
            stream_writer=lambda _: None, tool_call_id=None, store=db.store)
        try:
            validated = tool.tool_call_schema.model_validate(args).model_dump(exclude_unset=True)
            content, artifact = await tool.coroutine(runtime, **validated)
        except ValueError as exc:
            return _error(f"Check the arguments: {exc}")
        call_id = f"call_{uuid.uuid4().hex[:12]}"
        messages += [AIMessage("", tool_calls=[{"name": name, "args": validated, "id": call_id}]),
                     ToolMessage(content, artifact=artifact, name=name, tool_call_id=call_id)]
        structured = json.loads(dumps(artifact)) if isinstance(artifact, dict) else {"result": json.loads(dumps(artifact))}
        return types.CallToolResult(content=[types.TextContent(type="text", text=content)],
                                    structuredContent=structured, isError=False)

    return server


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=True)


def _key_of(headers: dict[str, str]) -> str | None:
    bearer = headers.get("authorization", "")
    return headers.get("x-api-key") or (bearer[7:].strip() if bearer.lower().startswith("bearer ") else None)


async def creator_for(key: str | None) -> str | None:
    """The creator of an API key (None for a missing, unknown or revoked key)."""
    if not key:
        return None
    db = await get_database()
    return await auth.creator_for_key(db.pool, key)


class _McpApp:
    """The ASGI app at ``/mcp``: 401 (JSON, saying what to send) without a valid API key, else the session manager."""

    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if await creator_for(_key_of(headers)) is None:
            body = json.dumps({"detail": UNAUTHORIZED}).encode()
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"application/json"), (b"www-authenticate", b"Bearer"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.manager.handle_request(scope, receive, send)


def mount(app: FastAPI) -> contextlib.AbstractAsyncContextManager[None]:
    """Serve MCP over Streamable HTTP at ``MCP_PATH`` on ``app``; returns the context that runs its session manager
    (enter it for the service's lifetime: `cortex serve` does in ``agent.server.start_up``)."""

    async def creator_of_request(request: Any) -> str:
        return await creator_for(_key_of({k.lower(): v for k, v in request.headers.items()})) or "anonymous"

    # one body limit for the service: BodyLimit's (CORTEX_API_MAX_BODY_MB, a JSON 413 saying what to fix); the SDK's
    # own (Starlette's RequestBodyLimitMiddleware, a plain-text 413) is switched off
    manager = StreamableHTTPSessionManager(build_server(creator_of_request), max_request_body_size=sys.maxsize)
    limited = BodyLimit(_McpApp(manager), limit_mb=lambda: get_settings().api_max_body_mb, applies=lambda _path: True)
    # a route, not a mount: a mount answers /mcp/ only, and /mcp would fall through to the chat UI mounted at /
    app.router.add_route(MCP_PATH, limited, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    return _running(manager)


@contextlib.asynccontextmanager
async def _running(manager: StreamableHTTPSessionManager) -> AsyncIterator[None]:
    """Run the session manager in a task of its own (its task group must start and stop in one task) while the
    context is open."""
    stop = asyncio.Event()
    started = asyncio.Event()

    async def run() -> None:
        async with manager.run():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run(), name="mcp sessions")
    await started.wait()
    try:
        yield
    finally:
        stop.set()
        await task


async def serve_stdio(api_key: str) -> None:
    """Serve MCP on stdin/stdout for the creator of ``api_key`` (`cortex mcp`), on the process database (opened
    here); raises ValueError for a missing, unknown or revoked key."""
    from mcp.server.stdio import stdio_server

    from memory.db import Database, use_database

    async with Database.open(get_settings()) as db:
        use_database(db)
        creator = await auth.creator_for_key(db.pool, api_key) if api_key else None
        if creator is None:
            raise ValueError("Unknown or revoked API key (or none): pass --api-key or set CORTEX_API_KEY to a key "
                             "from `cortex keys create --creator NAME`.")

        async def creator_of_request(_request: Any) -> str:
            return creator

        server = build_server(creator_of_request)
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
