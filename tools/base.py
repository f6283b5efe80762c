"""What every tool shares: the offline-engine spec a tool carries, trace events, result formatting.

A tool is one module in ``tools/`` that builds a LangChain tool with ``cortex_tool`` and one line in
``tools/__init__.py``. ``cortex_tool`` attaches, in the tool's ``metadata``:

- ``examples``: requests this tool answers (the offline engine routes by embedding similarity to them);
- ``extract``: ``async (text) -> dict`` that pulls the tool's arguments out of a request (offline engine);
- ``ask``: the clarifying question when a required argument is missing;
- ``claim`` (optional): ``(text) -> str | None`` for pasted material the tool handles (a transcript): it
  returns the request's own words when the message carries such material, else None;
- ``applies`` (optional): ``(messages) -> bool``, whether the tool can apply to the conversation so far (feedback
  on generated titles needs generated titles); the offline engine leaves it out of routing when it cannot.

A tool that changes something outside the conversation (records a creator's choice, writes to YouTube) passes
``side_effect``: ``(args, messages) -> str | None``, the change one call would make in words the creator
approves, or None when that call would change nothing. Such a tool carries ``metadata["side_effect"] = True``
(and the describer as ``metadata["describe_effect"]``); the conversation graph asks the creator before it runs.

Tools return ``(content, artifact)``: ``content`` is markdown a creator can read (the offline engine shows
it; an LLM reads it), ``artifact`` the typed result as JSON-ready data for the UI, the API and evals.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.config import get_stream_writer

Extractor = Callable[[str], Awaitable[dict[str, Any]]]
Claim = Callable[[str], str | None]
Applies = Callable[[list[BaseMessage]], bool]
DescribeEffect = Callable[[dict[str, Any], list[BaseMessage]], str | None]


@dataclass(frozen=True)
class OfflineSpec:
    """How the offline engine reaches a tool: example requests, argument extraction, clarifying question."""

    examples: tuple[str, ...]
    extract: Extractor
    ask: str
    claim: Claim | None = None
    applies: Applies | None = None


def cortex_tool(
    func: Callable[..., Awaitable[tuple[str, Any]]],
    *,
    examples: list[str],
    extract: Extractor,
    ask: str,
    claim: Claim | None = None,
    side_effect: DescribeEffect | None = None,
    applies: Applies | None = None,
) -> BaseTool:
    """Wrap an async tool function (docstring = description) as a LangChain tool with its offline spec, and for a
    tool with side effects the function that describes a call's change (see the module docstring)."""
    metadata: dict[str, Any] = {"offline": OfflineSpec(tuple(examples), extract, ask, claim, applies),
                                "side_effect": side_effect is not None}
    if side_effect is not None:
        metadata["describe_effect"] = side_effect
    return StructuredTool.from_function(
        coroutine=func,
        name=func.__name__,
        description=(func.__doc__ or "").strip(),
        response_format="content_and_artifact",
        metadata=metadata,
    )


def offline_spec(tool: BaseTool) -> OfflineSpec | None:
    """The offline spec of a tool built with ``cortex_tool`` (None for other tools)."""
    return (tool.metadata or {}).get("offline")


def trace(name: str, **data: Any) -> None:
    """Emit a trace event (``{"type": "trace", "name": ..., "data": ...}``) on the graph's custom stream.

    Outside a graph run (a plain function call) it does nothing.
    """
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return
    writer({"type": "trace", "name": name, "data": data})
