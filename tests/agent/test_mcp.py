"""The MCP server with the official SDK's own client, over both transports: Streamable HTTP at /mcp on a real
`cortex serve` process and stdio with `cortex mcp`: the creator-facing tools listed with their argument schemas,
real answers on the real corpus, API keys (401 over HTTP without one; `cortex mcp` refuses an unknown key), the
service's body limit (413), and a tool that changes something doing nothing without ``confirm: true``."""

from __future__ import annotations

import os
import sys

import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

from agent import auth
from agent.mcp_server import MCP_TOOLS
from agent.server import spawned_service
from agent.settings import PROJECT_ROOT

TITLE = "I Built a Giant Lego Volcano"


async def _check_session(session: ClientSession) -> None:
    """What both transports must serve: the tools and their schemas, a scored title, a refused unconfirmed write."""
    await session.initialize()
    listed = {t.name: t for t in (await session.list_tools()).tools}
    assert set(listed) == set(MCP_TOOLS)
    assert listed["score_title"].inputSchema["properties"]["titles"]["type"] == "array"
    assert listed["record_feedback"].inputSchema["required"][-1] == "confirm"
    assert listed["record_feedback"].annotations.readOnlyHint is False and listed["score_title"].annotations.readOnlyHint

    scored = await session.call_tool("score_title", {"titles": [TITLE]})
    assert not scored.isError and TITLE in scored.content[0].text and "/100" in scored.content[0].text
    assert scored.structuredContent["scores"][0]["title"] == TITLE

    refused = await session.call_tool("record_feedback", {"signal": "thumbs_up", "confirm": False})
    assert refused.isError and "confirm: true" in refused.content[0].text
    invalid = await session.call_tool("score_title", {"titles": "not a list"})
    assert invalid.isError


async def test_mcp_over_streamable_http(db):
    _, key = await auth.create_key(db.pool, "mcp-http", label="tests")
    env = {"CORTEX_AUTO_INGEST": "false", "CORTEX_ENGINE": "offline", "CORTEX_API_MAX_BODY_MB": "0.5"}
    with spawned_service(env, timeout_s=400) as service:
        denied = httpx.post(f"{service.url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        assert denied.status_code == 401 and "x-api-key" in denied.json()["detail"]
        # the service's one body limit (twice CORTEX_API_MAX_BODY_MB for MCP calls), in JSON saying what to fix
        call = {"name": "analyze_script", "arguments": {"transcript": "and then the volcano erupted " * 40_000}}
        too_big = httpx.post(f"{service.url}/mcp", headers={"x-api-key": key},
                             json={"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": call})
        assert too_big.status_code == 413 and "CORTEX_API_MAX_BODY_MB" in too_big.json()["detail"]
        async with streamablehttp_client(f"{service.url}/mcp", headers={"x-api-key": key}) as (read, write, _):
            async with ClientSession(read, write) as session:
                await _check_session(session)
                shown = await session.call_tool("show_memory", {"block": "all"})
                assert not shown.isError and shown.structuredContent["creator_id"] == "mcp-http"


async def test_mcp_over_stdio(db):
    _, key = await auth.create_key(db.pool, "mcp-stdio", label="tests")
    env = {**os.environ, "CORTEX_API_KEY": key, "CORTEX_ENGINE": "offline", "PYTHONPATH": str(PROJECT_ROOT)}
    server = StdioServerParameters(command=sys.executable, args=["-m", "agent.cli", "mcp"], env=env, cwd=PROJECT_ROOT)
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await _check_session(session)
            found = await session.call_tool("retrieve_outliers", {"query": "lego builds", "limit": 3})
            hits = found.structuredContent["result"]
            assert not found.isError and 1 <= len(hits) <= 3 and all(h["multiplier"] >= 2.0 for h in hits)
            shown = await session.call_tool("show_memory", {})
            assert shown.structuredContent["creator_id"] == "mcp-stdio"


def test_every_tool_argument_is_typed_described_and_bounded():
    from agent.mcp_server import _tools, tool_schema

    tools = _tools()
    assert set(tools) == set(MCP_TOOLS)
    for name, tool in tools.items():
        properties = tool_schema(tool)["properties"]
        undescribed = [arg for arg, spec in properties.items() if not spec.get("description")]
        assert not undescribed, (name, undescribed)
        if "limit" in properties:
            assert (properties["limit"]["minimum"], properties["limit"]["maximum"]) == (1, 50), name
    assert tool_schema(tools["score_title"])["properties"]["titles"]["maxItems"] == 20
