"""The conversation graph: model -> tools -> model ... -> answer.

- ``model``: the chat model of the run's engine (an LLM through the gateway, or the offline engine) with
  every tool bound; it either calls tools or answers.
- ``tools``: LangGraph's ToolNode; tools emit trace events on the custom stream.
- ``answer``: stamps the final message with the engine that wrote it, so users always see it.

Per-run settings travel in the context (``CortexContext``: creator_id, engine); the thread id in
``config["configurable"]["thread_id"]`` names the conversation, checkpointed in Postgres.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.tools import BaseTool
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime
from langgraph.store.base import BaseStore

from agent.models import chat_model, engine_label
from graphs import title_generation
from tools import all_tools
from tools.base import trace
from tools.script_analysis import compact_message

MAX_TOOL_ROUNDS = 4
"""Tool rounds allowed in one turn before the model must answer with what it has."""

SYSTEM_PROMPT = """You are Creator Cortex, a strategist for YouTube creators.
Use the tools for anything about titles, outliers and channel data; never invent numbers, videos or scores.
Answer from the tool results: lead with the answer, keep the numbers (scores, grades, multipliers, views),
cite real videos by title and channel, and end with one concrete next step. Be concise; use markdown tables
where a creator compares several items. If a request is unclear, ask one short clarifying question.
For a pasted or attached transcript: generate_titles for titles (it includes the hooks), analyze_script for the
hooks only; leave their transcript argument empty, they read the transcript from the conversation."""


def conversation_tools() -> list[BaseTool]:
    """The tools bound to the conversation, in routing order: generate_titles (a subgraph, so it lives in
    graphs/) first, so that a bare pasted transcript gets the whole flow, then every tool of ``tools``."""
    return [title_generation.tool, *all_tools()]


def _for_llm(message: BaseMessage) -> BaseMessage:
    """A human message with a long pasted transcript shortened for the model (the tools read the full text)."""
    if isinstance(message, HumanMessage) and isinstance(message.content, str):
        compact = compact_message(message.content)
        if compact != message.content:
            return HumanMessage(compact, id=message.id)
    return message


@dataclass
class CortexContext:
    """Per-run settings: who is talking and which engine answers ("offline", "llm", or None for settings)."""

    creator_id: str = "anonymous"
    engine: str | None = None


class ConversationState(MessagesState):
    """Messages (with tool calls and results) plus the label of the engine that wrote the last answer."""

    engine: str


def _tool_error(exc: Exception) -> str:
    return f"That tool could not run: {exc}. Check the request (e.g. a channel name or date) and try again."


async def model_node(state: ConversationState, runtime: Runtime[CortexContext]) -> dict:
    """Call the model with every tool bound (none once MAX_TOOL_ROUNDS tool rounds ran in this turn)."""
    messages = state["messages"]
    rounds = 0
    for m in reversed(messages):
        if isinstance(m, HumanMessage):
            break
        rounds += isinstance(m, AIMessage) and bool(m.tool_calls)
    model = chat_model("premium", engine=runtime.context.engine)
    bound = model.bind_tools(conversation_tools()) if rounds < MAX_TOOL_ROUNDS else model
    offline = model._llm_type == "cortex-offline"
    prompt = messages if offline else [SystemMessage(SYSTEM_PROMPT), *map(_for_llm, messages)]
    response = await bound.ainvoke(prompt)
    if routing := response.response_metadata.get("routing"):
        trace("route", engine="offline", candidates=routing, chosen=[c["name"] for c in response.tool_calls])
    return {"messages": [response]}


def after_model(state: ConversationState) -> str:
    """'tools' when the model asked for tools, else 'answer'."""
    last = state["messages"][-1]
    return "tools" if isinstance(last, AIMessage) and last.tool_calls else "answer"


async def answer_node(state: ConversationState, runtime: Runtime[CortexContext]) -> dict:
    """Stamp the final answer with the engine that produced it."""
    last = state["messages"][-1]
    label = engine_label(engine=runtime.context.engine)
    content = last.content if isinstance(last.content, str) else str(last.content)
    stamped = AIMessage(
        id=last.id,
        content=f"{content}\n\n_— {label}_",
        response_metadata={**last.response_metadata, "engine_label": label},
    )
    return {"messages": [stamped], "engine": label}


def build_graph(checkpointer: BaseCheckpointSaver | None = None, store: BaseStore | None = None) -> CompiledStateGraph:
    """The compiled conversation graph; with a checkpointer each thread_id's messages persist."""
    builder = StateGraph(ConversationState, context_schema=CortexContext)
    builder.add_node("model", model_node)
    builder.add_node("tools", ToolNode(conversation_tools(), handle_tool_errors=_tool_error))
    builder.add_node("answer", answer_node)
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", after_model, ["tools", "answer"])
    builder.add_edge("tools", "model")
    builder.add_edge("answer", END)
    return builder.compile(checkpointer=checkpointer, store=store, name="creator_cortex")


graph = build_graph()
"""Compiled without a checkpointer, for ``langgraph dev`` (langgraph.json); the service adds Postgres."""


_persistent: dict[int, CompiledStateGraph] = {}


async def persistent_graph() -> CompiledStateGraph:
    """The graph compiled with the process database's checkpointer and store (built once per database)."""
    from memory.db import get_database

    db = await get_database()
    if id(db) not in _persistent:
        _persistent.clear()
        _persistent[id(db)] = build_graph(db.checkpointer, db.store)
    return _persistent[id(db)]


def run_config(thread_id: str, creator_id: str) -> dict:
    """The RunnableConfig of one run: the thread to checkpoint under, the creator in metadata."""
    return {"configurable": {"thread_id": thread_id}, "metadata": {"creator_id": creator_id}, "recursion_limit": 25}
