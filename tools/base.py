"""What every tool shares: the run context, the tool builder with its offline-engine spec, trace events.

A tool lives in its capability's package (``tools/<capability>/tool.py``) and is built with ``cortex_tool``, which
attaches, in the tool's ``metadata``, the offline engine's ``OfflineSpec`` (``agent.offline``: example requests,
an argument extractor, the clarifying question, the action in a creator's words, and optionally a claim on pasted
material, a test of whether the tool applies to the conversation so far and a resolver that completes arguments from
it); the package's ``offline.py`` holds those.

A tool that changes something outside the conversation (records a creator's choice, writes to YouTube) passes
``side_effect``: ``(args, messages) -> str | None``, the change one call would make in words the creator
approves, or None when that call would change nothing. Such a tool carries ``metadata["side_effect"] = True``
(and the describer as ``metadata["describe_effect"]``); the conversation graph asks the creator before it runs.

Tools return ``(content, artifact)``: ``content`` is markdown a creator can read (the offline engine shows
it; an LLM reads it), ``artifact`` the typed result as JSON-ready data for the UI, the API and evals.

Tools reach the database and settings through the run's context (``CortexContext``, LangGraph's ``Runtime``
context, which a tool receives in its ``runtime: ToolRuntime`` argument): never through process globals, so an
engine or routing test passes what it needs and opens no database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from langgraph.config import get_stream_writer

from agent.offline import Applies, Claim, Extractor, Items, OfflineSpec, Refine, Resolve
from agent.settings import Settings, get_settings
from memory.corpus.channels import channel_names
from memory.db import Database, get_database

DescribeEffect = Callable[[dict[str, Any], list[Any]], str | None]


@dataclass
class CortexContext:
    """Per-run context (the graph's ``context_schema``): who is talking, which engine answers, and the services
    tools use.

    - ``creator_id``: the creator the run acts for (the chat login, an API key's creator, ``--creator``);
    - ``engine``: "offline", "llm", or None for ``CORTEX_ENGINE``;
    - ``db`` / ``settings``: the open database and the settings, passed in by the driver that runs the graph
      (``agent.turns``); left out (``langgraph dev``, a context sent over HTTP), ``database()`` and ``config()``
      fall back to the process database and settings;
    - ``channels``: the corpus channel names, when the caller already has them (a routing test gives them and
      needs no database; None reads them from the database).
    """

    creator_id: str = "anonymous"
    engine: str | None = None
    # typed Any so the context keeps a JSON schema (LangGraph publishes it for Studio): db is a Database, settings
    # a Settings
    db: Any = field(default=None, repr=False, compare=False)
    settings: Any = field(default=None, repr=False, compare=False)
    channels: Sequence[str] | None = field(default=None, repr=False, compare=False)

    async def database(self) -> Database:
        """The run's database (the one passed in, else the process database, opened on first use)."""
        return self.db if self.db is not None else await get_database()

    def config(self) -> Settings:
        """The run's settings (the ones passed in, else the process settings)."""
        return self.settings if self.settings is not None else get_settings()

    async def channel_names(self) -> list[str]:
        """Names of the corpus channels (``channels`` when given, else read from the database)."""
        if self.channels is not None:
            return list(self.channels)
        return await channel_names((await self.database()).pool)


def context_of(value: Any) -> CortexContext:
    """A ``CortexContext`` from what a tool or extractor was given: the context itself, a dict of its fields (a
    context sent over HTTP), or None (a call outside a graph run), which gives the defaults."""
    if isinstance(value, CortexContext):
        return value
    if isinstance(value, dict):
        return CortexContext(**{k: v for k, v in value.items() if k in CortexContext.__dataclass_fields__})
    return CortexContext()


def cortex_tool(
    func: Callable[..., Awaitable[tuple[str, Any]]],
    *,
    examples: list[str],
    extract: Extractor,
    ask: str,
    action: str = "",
    claim: Claim | None = None,
    side_effect: DescribeEffect | None = None,
    applies: Applies | None = None,
    resolve: Resolve | None = None,
    topic_arg: str | None = None,
    channel_arg: str | None = None,
    items: Items | None = None,
    refine: Refine | None = None,
) -> BaseTool:
    """Wrap an async tool function (docstring = description) as a LangChain tool with its offline spec
    (``agent.offline.OfflineSpec``: example requests, extractor, question, the action in a creator's words, and the
    optional claim, applies, resolve, topic_arg, channel_arg, items and refine), and for a tool with side effects the function that describes a call's
    change (see the module docstring)."""
    spec = OfflineSpec(examples=tuple(examples), extract=extract, ask=ask, action=action, claim=claim, applies=applies,
                       resolve=resolve, topic_arg=topic_arg, channel_arg=channel_arg, items=items,
                       refine=refine)
    metadata: dict[str, Any] = {"offline": spec, "side_effect": side_effect is not None}
    if side_effect is not None:
        metadata["describe_effect"] = side_effect
    return StructuredTool.from_function(
        coroutine=func,
        name=func.__name__,
        description=(func.__doc__ or "").strip(),
        response_format="content_and_artifact",
        metadata=metadata,
    )


def trace(name: str, **data: Any) -> None:
    """Emit a trace event (``{"type": "trace", "name": ..., "data": ...}``) on the graph's custom stream.

    Outside a graph run (a plain function call) it does nothing.
    """
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return
    writer({"type": "trace", "name": name, "data": data})


def md_cell(text: str) -> str:
    """``text`` safe inside a markdown table cell: pipes escaped (a title such as "How much YouTube paid me | month 1"
    would otherwise split its row), line breaks as spaces."""
    return text.replace("|", "\\|").replace("\n", " ")
