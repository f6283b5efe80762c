"""The offline engine: a LangChain chat model that needs no API key.

- Routing by meaning: the request is embedded with the local model and compared (cosine) with each bound
  tool's example requests; the best tool is called when its similarity reaches ``threshold``
  (``CORTEX_ROUTER_THRESHOLD``), else the engine asks a clarifying question naming the closest tools.
  Greetings and "what can you do" match a small-talk class and get the list of capabilities.
- Pasted material (a transcript) is claimed by the tools that handle it (``OfflineSpec.claim``): only they
  compete, on the request's own words (the paste itself says nothing about the request), and the first
  claiming tool in routing order takes a message whose words reach no tool's threshold (a bare paste).
- Tools that cannot apply to the conversation yet (``OfflineSpec.applies``: feedback on titles before any were
  generated) do not compete.
- Arguments come from the tool's own extractor (``OfflineSpec.extract``, given the run's context so it can look
  up channel names without a global database): quoted or pasted titles, channel names matched against the corpus,
  numbers. A missing required argument gets the tool's question.
- Answers are written from the tool results (their markdown content), never invented.
- It streams its answer token by token, like an LLM, so the UI behaves the same.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import agenerate_from_stream
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.tools import BaseTool
from langgraph.runtime import get_runtime
from pydantic import Field, ValidationError

from agent.embeddings import get_embedder

Extractor = Callable[[str, Any], Awaitable[dict[str, Any]]]
"""``async (text, context) -> args``: a tool's arguments from a request; ``context`` is the run's context
(``tools.base.CortexContext``: channel names, the database), passed through untouched by the engine."""
Claim = Callable[[str], str | None]
Applies = Callable[[list[BaseMessage]], bool]


@dataclass(frozen=True)
class OfflineSpec:
    """How the offline engine reaches a tool (``tools.base.cortex_tool`` attaches it as ``metadata["offline"]``):

    - ``examples``: requests this tool answers (routing compares a request with them);
    - ``extract``: the ``Extractor`` that pulls the tool's arguments out of a request;
    - ``ask``: the clarifying question when a required argument is missing;
    - ``claim`` (optional): ``(text) -> str | None`` for pasted material the tool handles (a transcript): the
      request's own words when the message carries such material, else None;
    - ``applies`` (optional): ``(messages) -> bool``, whether the tool can apply to the conversation so far
      (feedback on generated titles needs generated titles); the engine leaves it out of routing when it cannot.
    """

    examples: tuple[str, ...]
    extract: Extractor
    ask: str
    claim: Claim | None = None
    applies: Applies | None = None


def offline_spec(tool: BaseTool) -> OfflineSpec | None:
    """The offline spec of a tool built with ``tools.base.cortex_tool`` (None for other tools)."""
    return (tool.metadata or {}).get("offline")


def run_context() -> Any:
    """The context of the graph run this call is part of (None outside a run, e.g. a unit test)."""
    try:
        return get_runtime().context
    except RuntimeError:
        return None

SMALL_TALK = (
    "hi",
    "hello there",
    "thanks!",
    "what can you do?",
    "help",
    "who are you?",
    "how does this work?",
    "good morning",
)
ROUTING_CHARS = 600
"""Only the start of a long message (a pasted transcript) is compared with the examples."""


@lru_cache(maxsize=64)
def _example_vectors(examples: tuple[str, ...]) -> np.ndarray:
    return get_embedder().embed(list(examples))


def message_text(message: BaseMessage) -> str:
    """The plain text of a message whose content is a string or a list of content parts."""
    if isinstance(message.content, str):
        return message.content
    return "\n".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in message.content)


class OfflineEngine(BaseChatModel):
    """Chat model that routes to tools by embedding similarity and answers from their results."""

    threshold: float = 0.42
    tools: list[BaseTool] = Field(default_factory=list)
    context: Any = None
    """The run context given to extractors; None: the context of the graph run the engine is called in."""

    @property
    def _llm_type(self) -> str:
        return "cortex-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """What callbacks and tracing (Langfuse, LangSmith) record as the model: the engine's name."""
        return {"model_name": "cortex-offline"}

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> OfflineEngine:  # type: ignore[override]
        """A copy of the engine that routes to ``tools`` (LangChain BaseTool objects built by cortex_tool)."""
        return self.model_copy(update={"tools": [t for t in tools if isinstance(t, BaseTool)]})

    # --- routing ---------------------------------------------------------------------------------------
    def applicable(self, messages: Sequence[BaseMessage]) -> list[BaseTool]:
        """The tools that apply to this conversation: a tool whose offline spec has ``applies`` (e.g. feedback on
        generated titles needs generated titles in the thread) is left out when it does not hold."""
        return [t for t in self.tools if not (spec := offline_spec(t)) or spec.applies is None or spec.applies(messages)]

    def rank_tools(self, text: str, tools: Sequence[BaseTool] | None = None) -> list[tuple[str, float]]:
        """(tool name or 'small_talk', best cosine similarity to its examples), best first, over ``tools`` (default:
        every bound tool)."""
        query = get_embedder().embed_one(text[:ROUTING_CHARS])
        ranked = [("small_talk", float((_example_vectors(SMALL_TALK) @ query).max()))]
        for tool in self.tools if tools is None else tools:
            spec = offline_spec(tool)
            if spec:
                ranked.append((tool.name, float((_example_vectors(spec.examples) @ query).max())))
        return sorted(ranked, key=lambda x: -x[1])

    async def respond(self, messages: list[BaseMessage]) -> AIMessage:
        """The engine's next message: a tool call, a clarifying question, or an answer from tool results."""
        last = messages[-1] if messages else HumanMessage("")
        if isinstance(last, ToolMessage):
            return AIMessage(self._answer_from_tools(messages), response_metadata={"engine": "offline"})
        text = message_text(last).strip()
        if not text:
            return AIMessage("Send me a message: a title to score, or a topic to find outliers about.")
        tools = self.applicable(messages)
        claims = self._claims(text, tools)
        request = next(iter(claims.values())) if claims else text
        ranked = await asyncio.to_thread(self.rank_tools, request or text, tools)
        if claims:
            ranked = [r for r in ranked if r[0] in claims]
            if ranked[0][1] < self.threshold:
                ranked = sorted(ranked, key=lambda r: list(claims).index(r[0]))
        meta = {"engine": "offline", "routing": [{"tool": n, "similarity": round(s, 3)} for n, s in ranked[:3]]}
        best, score = ranked[0]
        if claims:
            meta["claimed_by"] = list(claims)
        elif best == "small_talk" and score >= self.threshold:
            return AIMessage(self._capabilities(), response_metadata=meta)
        elif score < self.threshold:
            return AIMessage(self._clarify(ranked), response_metadata=meta)
        tool = next(t for t in self.tools if t.name == best)
        spec = offline_spec(tool)
        args = await spec.extract(text, self.context if self.context is not None else run_context())
        try:
            tool.tool_call_schema.model_validate(args)
        except ValidationError:
            return AIMessage(spec.ask, response_metadata=meta)
        call = {"name": tool.name, "args": args, "id": f"call_{uuid.uuid4().hex[:24]}", "type": "tool_call"}
        return AIMessage("", tool_calls=[call], response_metadata=meta)

    def _claims(self, text: str, tools: Sequence[BaseTool]) -> dict[str, str]:
        """{tool name: the request's own words} of the ``tools`` that claim the message, in routing order."""
        claims = {}
        for tool in tools:
            spec = offline_spec(tool)
            if spec and spec.claim and (request := spec.claim(text)) is not None:
                claims[tool.name] = request
        return claims

    def _capabilities(self) -> str:
        lines = ["I'm Creator Cortex. Here is what I can do right now:"]
        for tool in self.tools:
            lines.append(f"- **{tool.name}**: {tool.description.splitlines()[0]}")
        lines.append("\nTry: Score this title: “I Built a Giant Lego Volcano”.")
        return "\n".join(lines)

    def _clarify(self, ranked: list[tuple[str, float]]) -> str:
        by_name = {t.name: t for t in self.tools}
        options = [by_name[n] for n, _ in ranked if n in by_name][:2]
        lines = ["I'm not sure what you'd like me to do. Did you mean one of these?"]
        lines += [f"- **{t.name}**: {t.description.splitlines()[0]}" for t in options]
        lines.append("Tell me a bit more, e.g. quote the title to score or name the topic to search.")
        return "\n".join(lines)

    @staticmethod
    def _answer_from_tools(messages: list[BaseMessage]) -> str:
        results: list[ToolMessage] = []
        for m in reversed(messages):
            if isinstance(m, ToolMessage):
                results.append(m)
            else:
                break
        return "\n\n".join(message_text(m) for m in reversed(results))

    # --- LangChain plumbing ----------------------------------------------------------------------------
    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        message = await self.respond(messages)
        if message.tool_calls:
            chunks = [
                {"name": c["name"], "args": json.dumps(c["args"], default=str), "id": c["id"], "index": i}
                for i, c in enumerate(message.tool_calls)
            ]
            yield ChatGenerationChunk(
                message=AIMessageChunk(content="", tool_call_chunks=chunks, response_metadata=message.response_metadata)
            )
            return
        tokens = re.findall(r"\s*\S+", message.content) or [""]
        for i, token in enumerate(tokens):
            meta = message.response_metadata if i == len(tokens) - 1 else {}
            yield ChatGenerationChunk(message=AIMessageChunk(content=token, response_metadata=meta))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Synchronous use (outside an event loop): runs the async path to completion."""
        return asyncio.run(self._agenerate(messages, stop, None, **kwargs))
