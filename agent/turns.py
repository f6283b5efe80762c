"""One turn of the conversation, run the same way by every driver: the chat UI (``ui.render.render_turn``), the
HTTP API (``agent.api.runs``) and the CLI (``agent.cli``), and the trajectories eval (``evals.trajectories``), so
the eval grades the turns creators get. A driver says how to show a run and how to ask for an
approval; ``run_turn`` does the rest:

1. when the thread waits for an approval and the new message answers it in words ("yes", "go ahead", "no,
   cancel": ``graphs.conversation.typed_decision``), resume it with that answer; otherwise close a turn the thread
   left unfinished (a run cancelled mid-way, an approval never answered) with
   ``graphs.conversation.close_unfinished_turn(..., NEW_MESSAGE)``, so the new message starts on a whole thread;
2. stream the graph (checkpointed with ``DURABILITY``, every completed step kept) and hand the stream to the
   driver's ``on_stream``, which consumes it (renders steps, prints traces, forwards server-sent events);
3. when the graph stops for an approval (an interrupt whose value is LangChain's ``HITLRequest``) and the driver
   can ask (``on_approval``), resume with its answer (``Command(resume=HITLResponse)``) and stream again, until the
   graph finishes; without ``on_approval`` the turn returns waiting (the HTTP client answers in a later run);
4. cancelled (the creator pressed Stop, the HTTP client went away, Ctrl-C), close the thread the same way with the
   driver's ``stopped`` reason, shielded so the close is written, then let the cancellation go on.

Errors of the graph propagate to the driver, which words them for its user.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain.agents.middleware.human_in_the_loop import HITLRequest, HITLResponse
from langchain_core.messages import BaseMessage
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Durability

from agent.embeddings import foreground
from agent.tracing import with_tracing
from graphs.conversation import DURABILITY, NEW_MESSAGE, close_unfinished_turn, typed_decision
from tools.base import CortexContext

Stream = AsyncIterator[tuple[str, Any]]
"""One graph run's stream: ``(mode, chunk)`` pairs, as ``graph.astream`` yields them for several stream modes (with
``events``, also ``(EVENTS, event)`` pairs: ``graph_events``)."""

EVENTS = "events"
"""The stream item that carries one of LangChain's run events (``astream_events`` v2), when a driver asks for them."""

OnStream = Callable[[Stream], Awaitable[Any]]
"""Consumes one graph run's stream to its end (a turn has one run, plus one per answered approval)."""

OnApproval = Callable[[HITLRequest], Awaitable[HITLResponse]]
"""Asks the creator about an approval request; returns the answer to resume with (one decision per action)."""


async def graph_events(graph: CompiledStateGraph, payload: Any, config: dict, **kwargs: Any) -> Stream:
    """One graph run streamed with LangChain's run events, as langgraph-api serves stream mode "events"
    (``langgraph_api.stream.astream_state``): ``graph.astream_events(..., version="v2", **kwargs)`` with the graph's
    stream modes in ``kwargs["stream_mode"]`` (a list); the root run's ``on_chain_stream`` events come out as the
    graph's own ``(mode, chunk)`` items, every other event (``on_chain_start``, ``on_chat_model_stream``,
    ``on_tool_end``, ``on_custom_event`` ...; none tagged ``langsmith:hidden``) as ``(EVENTS, event)``, where
    ``event`` is the event dict (``event``, ``name``, ``run_id``, ``parent_ids``, ``tags``, ``metadata``, ``data``)."""
    root = None
    async for event in graph.astream_events(payload, config, version="v2", **kwargs):
        root = root or event["run_id"]  # the first event is the root run's on_chain_start
        if event["event"] == "on_chain_stream" and event["run_id"] == root:
            yield event["data"]["chunk"]
        elif "langsmith:hidden" not in (event.get("tags") or ()):
            yield EVENTS, event


def run_config(thread_id: str, creator_id: str) -> dict:
    """The RunnableConfig of one run: the thread to checkpoint under, the creator in metadata, and Langfuse
    tracing when it is configured (``agent.tracing``)."""
    config = {"configurable": {"thread_id": thread_id}, "metadata": {"creator_id": creator_id}, "recursion_limit": 25}
    return with_tracing(config, thread_id, creator_id)


@dataclass(frozen=True)
class TurnResult:
    """Where a turn left the thread: its state values (``messages``, ``engine``) when the turn stopped, and the
    approval request it waits for (None when it waits for none: the turn finished, or stopped at an
    ``interrupt_before``/``interrupt_after`` node)."""

    values: dict[str, Any]
    approval: HITLRequest | None = None

    @property
    def messages(self) -> list[BaseMessage]:
        """The thread's messages, this turn's last."""
        return self.values.get("messages", [])


async def typed_answer(graph: CompiledStateGraph, config: dict, payload: Any) -> str | None:
    """"approve" or "reject" when ``payload`` is one creator message that answers the approval the thread waits for
    in words (``graphs.conversation.typed_decision``); None otherwise (no approval waits, or the message is another
    request)."""
    messages = payload.get("messages") if isinstance(payload, dict) else None
    if not isinstance(messages, list) or len(messages) != 1:
        return None
    message = messages[0]
    if isinstance(message, tuple):
        role, text = message
    elif isinstance(message, dict):
        role, text = message.get("role", message.get("type")), message.get("content")
    else:
        role, text = getattr(message, "type", None), getattr(message, "content", None)
    if role not in ("user", "human") or not isinstance(text, str) or (decision := typed_decision(text)) is None:
        return None
    return decision if await waiting_approval(graph, config) is not None else None


async def waiting_approval(graph: CompiledStateGraph, config: dict) -> HITLRequest | None:
    """The approval request (LangChain's ``HITLRequest``) the thread of ``config`` waits for, or None."""
    state = await graph.aget_state(config)
    return next((i.value for i in state.interrupts if isinstance(i.value, dict) and "action_requests" in i.value), None)


async def run_turn(
    graph: CompiledStateGraph,
    payload: Any,
    config: dict,
    context: CortexContext,
    *,
    on_stream: OnStream,
    stream_modes: Sequence[str],
    stopped: str,
    on_approval: OnApproval | None = None,
    close_first: bool = True,
    thread_config: dict | None = None,
    durability: Durability = DURABILITY,
    interrupt_before: Literal["*"] | Sequence[str] | None = None,
    interrupt_after: Literal["*"] | Sequence[str] | None = None,
    events: bool = False,
) -> TurnResult:
    """Run one turn (see the module docstring) and return where it left the thread.

    - ``payload``: the graph's input (``{"messages": [...]}``) or a ``Command`` (an HTTP client's resume);
    - ``config``: the run's RunnableConfig (``graphs.conversation.run_config`` plus what the driver adds);
      ``context``: the run context, with the open database and settings (``tools.base.CortexContext``);
    - ``stream_modes``: the graph's stream modes ``on_stream`` reads;
    - ``stopped``: why the turn stopped when it is cancelled, as the closing note says it ("you stopped it");
    - ``close_first``: close an unfinished turn before running (False for a resume, or a run forked from an
      earlier checkpoint, which must not touch the thread's head);
    - ``thread_config``: the config that reads and closes the thread (default ``config``): the HTTP API passes one
      without its run id (a checkpoint carrying the run id in its metadata makes LangGraph take the run for a
      re-entry and drop its input) and without the checkpoint it forks from (the state to read is the head);
    - ``durability``, ``interrupt_before``, ``interrupt_after``: passed to ``graph.astream``;
    - ``events``: the stream carries LangChain's run events too (``graph_events``).

    Raises what the graph raises; asyncio.CancelledError after the thread is closed.
    """
    thread = thread_config or config
    try:
        if close_first:
            decision = await typed_answer(graph, thread, payload)
            if decision is not None:
                payload = Command(resume=decision)
            else:
                await close_unfinished_turn(graph, thread, NEW_MESSAGE)
        while True:
            with foreground():  # background embedding holds back while the graph runs (not while approvals wait)
                options = {"context": context, "stream_mode": list(stream_modes), "durability": durability,
                           "interrupt_before": interrupt_before, "interrupt_after": interrupt_after}
                await on_stream(graph_events(graph, payload, config, **options) if events
                                else graph.astream(payload, config, **options))
                state = await graph.aget_state(thread)
            approval = state.interrupts[0].value if state.interrupts else None
            if approval is None or on_approval is None:
                return TurnResult(state.values, approval)
            payload = Command(resume=await on_approval(approval))
    except asyncio.CancelledError:
        await asyncio.shield(close_unfinished_turn(graph, thread, stopped))
        raise
