"""The HTTP API's runs: the runs in progress in this process (one per thread, each an asyncio task that runs one
turn through ``agent.turns.run_turn``), the translation of the graph's stream into LangGraph's server-sent events,
and the words for what went wrong in a run."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import psycopg_pool
from fastapi import HTTPException
from langchain_core.messages import BaseMessage, BaseMessageChunk, message_chunk_to_message
from langgraph.errors import GraphRecursionError
from langgraph.types import Command
from sse_starlette import ServerSentEvent

from agent import auth
from agent.api.schemas import ASSISTANT_ID, GRAPH_ID, MAX_RECURSION_LIMIT, RunCreate, dumps
from agent.models import llm_fault
from agent.settings import get_settings
from agent.turns import Stream, run_config, run_turn
from graphs.conversation import DURABILITY, persistent_graph, read_decisions
from memory.db import Database
from tools.base import CortexContext

log = logging.getLogger("cortex.api")

STOPPED = "the client disconnected"
"""Why a run's turn ended early when its client went away, as the note that closes the thread says it."""


@dataclass
class Run:
    """A run in progress: its events for the client (None ends them) and the task that runs the graph.
    ``listening`` turns False when the client went away (events are then dropped)."""

    run_id: str
    thread_id: str
    events: asyncio.Queue = field(default_factory=asyncio.Queue)
    task: asyncio.Task | None = None
    listening: bool = True

    def put(self, event: str, data: Any) -> None:
        """Queue one event for the client, unless it went away."""
        if self.listening:
            self.events.put_nowait((event, data))


class RunManager:
    """The runs in progress in this process, at most one per thread (LangGraph's multitask strategy "reject")."""

    def __init__(self) -> None:
        self._runs: dict[str, Run] = {}

    def busy(self, thread_id: str) -> bool:
        """Whether a run is in progress on the thread."""
        return thread_id in self._runs

    def start(self, thread_id: str, run_id: str, work: Callable[[Run], Any]) -> Run:
        """Start ``work(run)`` as a task; 409 while the thread has a run in progress."""
        if thread_id in self._runs:
            raise HTTPException(409, f"Thread {thread_id} is already running a task: wait for it to finish "
                                     "(only multitask_strategy 'reject' is served).")
        run = Run(run_id, thread_id)
        self._runs[thread_id] = run
        run.task = asyncio.create_task(work(run), name=f"run {run.run_id}")
        run.task.add_done_callback(lambda _: self._runs.pop(thread_id, None))
        return run

    async def shutdown(self) -> None:
        """Cancel the runs in progress (each closes its thread) and wait for them."""
        tasks = [r.task for r in self._runs.values() if r.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


RUNS = RunManager()


def explain(exc: BaseException, run_id: str) -> str:
    """What went wrong in a run, in words a person can act on."""
    if isinstance(exc, GraphRecursionError):
        return ("The run went past its step limit without an answer: ask something narrower, or raise "
                f"config.recursion_limit (at most {MAX_RECURSION_LIMIT}).")
    if fault := llm_fault(exc):
        return f"{fault[0].upper()}{fault[1:]}: retry, or use context.engine 'offline'."
    if isinstance(exc, (psycopg.OperationalError, psycopg_pool.PoolTimeout)):
        return ("The database did not answer: retry in a moment; if it goes on, check the service's Postgres "
                "(DATABASE_URL or the embedded server).")
    if isinstance(exc, ValueError):
        return str(exc)
    return f"The run failed ({type(exc).__name__}: {exc}). Retry; if it fails again, report run {run_id}."


class Translator:
    """Graph stream items -> LangGraph API events for the client's stream modes (the Python langgraph-api's
    mapping: lib "messages" feeds both messages-tuple and the messages/partial|complete events)."""

    def __init__(self, modes: set[str]) -> None:
        self.modes = modes
        self.partial: dict[str, BaseMessage] = {}

    @staticmethod
    def graph_modes(modes: set[str]) -> list[str]:
        """The graph's stream modes that serve the client's ``modes``."""
        lib = {"messages" if m in ("messages", "messages-tuple") else m for m in modes}
        return sorted(lib)

    def __call__(self, mode: str, chunk: Any) -> Iterator[tuple[str, Any]]:
        """The client's events for one graph stream item ``(mode, chunk)``."""
        if mode != "messages":
            yield mode, chunk
            return
        message, metadata = chunk
        if "messages-tuple" in self.modes:
            yield "messages", [message, metadata]
        if "messages" in self.modes:
            if message.id in self.partial:
                self.partial[message.id] += message
            else:
                self.partial[message.id] = message
                yield "messages/metadata", {message.id: {"metadata": metadata}}
            done = not isinstance(message, BaseMessageChunk)
            yield ("messages/complete" if done else "messages/partial"), [message_chunk_to_message(self.partial[message.id])]


# --- starting a run ----------------------------------------------------------------------------------------------


async def run_config_of(body: RunCreate, thread_id: str, creator: str, run_id: str, graph: Any) -> dict:
    """The run's RunnableConfig: ``run_config`` plus the client's configurable (reserved keys dropped), tags,
    recursion limit (at most MAX_RECURSION_LIMIT), metadata, and the checkpoint to fork from (404 if unknown;
    ignored when it is the thread's head)."""
    config = run_config(thread_id, creator)
    client = body.config or {}
    configurable = {k: v for k, v in (client.get("configurable") or {}).items()
                    if not k.startswith("__") and k not in ("thread_id", "checkpoint_id", "checkpoint_ns", "checkpoint_map")}
    config["configurable"] = {**configurable, **config["configurable"]}
    if isinstance(client.get("tags"), list):
        config["tags"] = [str(t) for t in client["tags"]]
    if isinstance(client.get("recursion_limit"), int):
        config["recursion_limit"] = max(1, min(client["recursion_limit"], MAX_RECURSION_LIMIT))
    config["metadata"] = {**(body.metadata or {}), **config["metadata"], "run_id": run_id, "thread_id": thread_id,
                          "assistant_id": ASSISTANT_ID, "graph_id": GRAPH_ID}
    config["run_id"] = uuid.UUID(run_id)
    checkpoint_id = body.checkpoint_id or (body.checkpoint or {}).get("checkpoint_id")
    if checkpoint_id:
        head = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        if checkpoint_id != (head.config or {}).get("configurable", {}).get("checkpoint_id"):
            forked = {"configurable": {"thread_id": thread_id, "checkpoint_id": checkpoint_id}}
            if await graph.checkpointer.aget_tuple(forked) is None:
                raise HTTPException(404, f"Checkpoint {checkpoint_id} not found in thread {thread_id}.")
            config["configurable"]["checkpoint_id"] = checkpoint_id
    return config


async def graph_input(body: RunCreate, graph: Any, config: dict) -> Any:
    """The graph's input: the client's input, or its command (a resume is checked against the thread's pending
    approval request: 409 when nothing waits, 422 when it is not an answer to it; ``goto`` and ``update`` are
    refused with 422, as they could route a run around the approval of actions with side effects)."""
    if body.command is None:
        return body.input
    command = body.command
    if command.goto or command.update:
        raise HTTPException(422, "Only command.resume is served (the answer to an approval request): command.goto and "
                                 "command.update would let a run skip the approval of actions with side effects.")
    state = await graph.aget_state(config)
    if not state.interrupts:
        raise HTTPException(409, "Nothing to resume: this thread is not waiting for an answer.")
    request = state.interrupts[0].value
    try:
        read_decisions(command.resume, len(request.get("action_requests", [])))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return Command(resume=command.resume)


async def start(thread_id: str, body: RunCreate, creator: str, modes: set[str], db: Database) -> Run:
    """Start the run on an owned thread as a task (409 while the thread runs one; 404 for an unknown checkpoint to
    fork from, 409/422 for a resume that answers nothing or not the request): one turn through
    ``agent.turns.run_turn``, its stream translated into the client's ``modes``, then ``end`` ({run_id, status}) or
    ``error`` ({error, message}: ``explain``). No approval is asked here: a run that stops for one ends, and the
    client resumes it in a later run. Cancelled (the client went away), the thread is closed with STOPPED."""
    graph = persistent_graph(db)
    run_id = str(uuid.uuid4())
    config = await run_config_of(body, thread_id, creator, run_id, graph)
    payload = await graph_input(body, graph, config)
    context = CortexContext(creator_id=creator, engine=(body.context or {}).get("engine"), db=db,
                            settings=get_settings())
    translate = Translator(modes)

    # closing a turn writes a checkpoint; one carrying this run's id in its metadata would make LangGraph take the
    # run for a re-entry (a resume) and drop its input
    plain = run_config(thread_id, creator)
    # a run forked from an earlier checkpoint leaves the thread's head as it is
    close_first = body.input is not None and "checkpoint_id" not in config["configurable"]

    async def work(run: Run) -> None:
        announced = False

        def announce() -> None:
            """``metadata`` goes first, once the graph's first stream item arrived: with durability "sync" the
            input's checkpoint is saved by then, so a client that saw it never loses the message it sent."""
            nonlocal announced
            if not announced:
                run.put("metadata", {"run_id": run.run_id, "attempt": 1})
                announced = True

        held: list[tuple[str, Any]] = []

        def release() -> None:
            while held:
                run.put(*held.pop(0))

        async def forward(stream: Stream) -> None:
            async for mode, chunk in stream:
                announce()
                if mode == "tasks":  # a task starting: with durability "sync" the step before it is saved
                    if "result" not in chunk:
                        release()
                    continue
                for event, data in translate(mode, chunk):
                    if event in ("updates", "values"):  # they wait until their step is saved (tokens do not)
                        held.append((event, data))
                    else:
                        run.put(event, data)
            release()  # the run's last checkpoint is saved when its stream ends

        await auth.update_thread(db.pool, thread_id, {"graph_id": GRAPH_ID, "assistant_id": ASSISTANT_ID})
        try:
            await run_turn(graph, payload, config, context, on_stream=forward,
                           stream_modes=[*Translator.graph_modes(modes), "tasks"],
                           stopped=STOPPED, close_first=close_first, thread_config=plain,
                           durability=body.durability or DURABILITY,
                           interrupt_before=body.interrupt_before, interrupt_after=body.interrupt_after)
            announce()
            run.put("end", {"run_id": run.run_id, "status": "success"})
        except asyncio.CancelledError:
            log.warning("run %s on thread %s cancelled: %s", run.run_id, thread_id, STOPPED)
            raise
        except Exception as exc:
            log.exception("run %s on thread %s failed", run.run_id, thread_id)
            announce()
            run.put("error", {"error": type(exc).__name__, "message": explain(exc, run.run_id)})
        finally:
            await auth.update_thread(db.pool, thread_id)
            run.events.put_nowait(None)

    return RUNS.start(thread_id, run_id, work)


async def sse_events(run: Run, on_disconnect: str) -> AsyncIterator[ServerSentEvent]:
    """The run's events as SSE; when the client goes away first, the run is cancelled (``on_disconnect``
    "cancel") or left to finish ("continue")."""
    finished = False
    try:
        while (item := await run.events.get()) is not None:
            event, data = item
            yield ServerSentEvent(dumps(data).decode(), event=event)
        finished = True
    finally:
        if not finished:
            run.listening = False
            if on_disconnect == "cancel" and run.task:
                run.task.cancel()


def run_headers(run: Run) -> dict[str, str]:
    """The response headers that name the run (LangGraph's Content-Location)."""
    return {"Content-Location": f"/threads/{run.thread_id}/runs/{run.run_id}"}
