"""Render one graph run in Chainlit: a step per node update and per trace event, the answer token by token,
and the charts tools return attached to the answer.

``render_run`` consumes ``graph.astream(..., stream_mode=["updates", "messages", "custom"])`` and needs a
Chainlit context (a real session, or a mocked one in tests).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import chainlit as cl
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage

NODE_TITLES = {"model": "Model", "tools": "Tools", "answer": "Answer"}


def _summarise_update(node: str, update: dict[str, Any]) -> tuple[str, str]:
    """(input, output) text of a node's update, for its step."""
    messages: list[BaseMessage] = (update or {}).get("messages", [])
    if node == "model":
        calls = [c for m in messages if isinstance(m, AIMessage) for c in m.tool_calls]
        if calls:
            return "", "\n".join(f"call `{c['name']}` with {json.dumps(c['args'], default=str)}" for c in calls)
        return "", "drafted the answer"
    if node == "tools":
        return (
            "\n".join(m.name or "" for m in messages if isinstance(m, ToolMessage)),
            "\n\n".join(str(m.content)[:4000] for m in messages if isinstance(m, ToolMessage)),
        )
    if node == "answer":
        return "", f"engine: {update.get('engine', '')}"
    return "", json.dumps(update, default=str)[:4000]


def _charts(update: dict[str, Any]) -> list[cl.Plotly]:
    """Plotly charts that tools put in their artifact (``{"chart": figure JSON}``), as inline elements."""
    import plotly.io

    charts = []
    for m in (update or {}).get("messages", []):
        artifact = getattr(m, "artifact", None)
        if isinstance(artifact, dict) and artifact.get("chart"):
            figure = plotly.io.from_json(artifact["chart"])
            charts.append(cl.Plotly(name=f"{m.name} chart", figure=figure, display="inline", size="large"))
    return charts


async def render_run(stream: AsyncIterator[tuple[str, Any]]) -> cl.Message:
    """Show a run as it happens; returns the answer message (sent, with its final content).

    Node and trace steps nest under one "Run" step sent first, so they read above the answer.
    """
    run = cl.Step(name="Run", type="run")
    run.input = ""
    await run.send()
    answer = cl.Message(content="", elements=[])
    final: str | None = None
    shown = 0
    async for mode, chunk in stream:
        if mode == "messages":
            token, meta = chunk
            if meta.get("langgraph_node") == "model" and isinstance(token, AIMessageChunk):
                if isinstance(token.content, str) and token.content:
                    await answer.stream_token(token.content)
        elif mode == "custom" and isinstance(chunk, dict) and chunk.get("type") == "trace":
            shown += 1
            async with cl.Step(name=chunk["name"], type="tool", parent_id=run.id) as step:
                step.input = ""
                step.output = json.dumps(chunk.get("data", {}), indent=2, default=str)
                step.language = "json"
        elif mode == "updates":
            for node, update in chunk.items():
                if node.startswith("__"):
                    continue  # __interrupt__ and other internal keys
                step_input, step_output = _summarise_update(node, update)
                shown += 1
                async with cl.Step(name=NODE_TITLES.get(node, node), type="run", parent_id=run.id) as step:
                    step.input = step_input
                    step.output = step_output
                if node == "tools":
                    answer.elements.extend(_charts(update))
                if node == "answer":
                    final = str(update["messages"][-1].content)
    run.output = f"{shown} steps"
    await run.update()
    if final is not None:
        answer.content = final
    await answer.send()  # ends the token stream and persists the message
    return answer
