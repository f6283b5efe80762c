"""The HTTP API's runs: the runs in progress in this process (one per thread, each an asyncio task that runs one
turn through ``agent.turns.run_turn``), the translation of the graph's stream into LangGraph's server-sent events,
and the words for what went wrong in a run."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
import psycopg_pool
from fastapi import HTTPException
from langchain_core.messages import BaseMessage, BaseMessageChunk, message_chunk_to_message
from langgraph.errors import GraphRecursionError
from langgraph.types import Command
from sse_starlette import ServerSentEvent

from agent import auth
from agent.api.schemas import ASSISTANT_ID, GRAPH_ID, MAX_RECURSION_LIMIT, STREAM_MODES, RunCreate, dumps
from agent.models import llm_fault
from agent.settings import get_settings
from agent.turns import EVENTS, Stream, run_config, run_turn
from graphs.conversation import DURABILITY, persistent_graph, read_decisions
from memory.db import Database
from tools.base import CortexContext

log = logging.getLogger("cortex.api")

STOPPED = "the client disconnected"
"""Why a run's turn ended early when its client went away, as the note that closes the thread says it."""


RUN_STATUSES = ("pending", "running", "success", "error", "interrupted")
"""LangGraph's run statuses: interrupted is a run that stopped for an approval, or that was cancelled."""


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Run:
    """A run: its record (LangGraph's Run shape, ``as_json``), the events it produced in order (``log``; each event's
    index is its SSE id, so a client that reconnects with Last-Event-ID resumes after it) and the task that runs the
    graph. ``done`` once the task finished (the log then ends)."""

    run_id: str
    thread_id: str
    creator: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    modes: list[str] = field(default_factory=list)
    status: str = "pending"
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    log: list[tuple[str, Any]] = field(default_factory=list)
    done: bool = False
    task: asyncio.Task | None = None
    _wake: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    def put(self, event: str, data: Any) -> None:
        """Append one event to the run's log."""
        self.log.append((event, data))
        self._notify()

    def finish(self, status: str) -> None:
        """End the log with the run's final ``status`` (one of ``RUN_STATUSES``)."""
        self.status, self.updated_at, self.done = status, _now(), True
        self._notify()

    async def follow(self, after: int = -1) -> AsyncIterator[tuple[int, str, Any]]:
        """The log's events ``(index, event, data)`` after index ``after``, then each new one as it comes, until the
        run is done."""
        index = after + 1
        while True:
            wake = self._wake
            if index < len(self.log):
                event, data = self.log[index]
                yield index, event, data
                index += 1
            elif self.done:
                return
            else:
                await wake.wait()

    def as_json(self) -> dict:
        """The run in LangGraph's Run shape."""
        return {"run_id": self.run_id, "thread_id": self.thread_id, "assistant_id": ASSISTANT_ID,
                "created_at": self.created_at, "updated_at": self.updated_at, "status": self.status,
                "metadata": self.metadata, "kwargs": {"stream_mode": self.modes}, "multitask_strategy": "reject"}


RUNS_KEPT = 1000
"""Finished runs kept in memory (for runs.list, runs.get and a late reconnect), oldest dropped first."""


class RunManager:
    """The runs of this process, in memory: at most one in progress per thread (LangGraph's multitask strategy
    "reject"), and the last ``RUNS_KEPT`` finished ones. The API reaches runs only through these methods (``start``,
    ``busy``, ``get``, ``of_thread``, ``shutdown``), so another registry can replace this one."""

    def __init__(self) -> None:
        self._active: dict[str, Run] = {}
        self._runs: OrderedDict[str, Run] = OrderedDict()

    def busy(self, thread_id: str) -> bool:
        """Whether a run is in progress on the thread."""
        return thread_id in self._active

    def start(self, run: Run, work: Callable[[Run], Any]) -> Run:
        """Start ``work(run)`` as a task; 409 while the run's thread has a run in progress."""
        if run.thread_id in self._active:
            raise HTTPException(409, f"Thread {run.thread_id} is already running a task: wait for it to finish "
                                     "(only multitask_strategy 'reject' is served).")
        self._active[run.thread_id] = run
        self._runs[run.run_id] = run
        while len(self._runs) > RUNS_KEPT:
            oldest = next(iter(self._runs.values()))
            if not oldest.done:
                break
            self._runs.popitem(last=False)
        run.status = "running"
        run.task = asyncio.create_task(work(run), name=f"run {run.run_id}")
        run.task.add_done_callback(lambda _: self._active.pop(run.thread_id, None))
        return run

    def get(self, thread_id: str, run_id: str) -> Run | None:
        """The thread's run ``run_id``, or None (unknown, dropped, or another thread's)."""
        run = self._runs.get(run_id)
        return run if run is not None and run.thread_id == thread_id else None

    def of_thread(self, thread_id: str, status: str | None = None) -> list[Run]:
        """The thread's runs, newest first, only those with ``status`` when given."""
        return [r for r in reversed(self._runs.values())
                if r.thread_id == thread_id and status in (None, r.status)]

    def forget_thread(self, thread_id: str) -> None:
        """Drop the records of a deleted thread's runs."""
        for run in self.of_thread(thread_id):
            self._runs.pop(run.run_id, None)

    async def shutdown(self) -> None:
        """Cancel the runs in progress (each closes its thread) and wait for them."""
        tasks = [r.task for r in self._active.values() if r.task]
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
        """The graph's stream modes that serve the client's ``modes`` (those not served, ``STREAM_MODES``, left out,
        and "events", which is not a graph mode: ``agent.turns.graph_events``; "tasks" always: the run reads it to
        know when a step is saved)."""
        lib = {"messages" if m in ("messages", "messages-tuple") else m for m in modes if m in STREAM_MODES}
        lib.discard(EVENTS)
        return sorted(lib | {"tasks"})

    @staticmethod
    def unserved(modes: set[str]) -> list[str]:
        """The client's modes this API does not serve (ignored, with a warning event)."""
        return sorted(modes - set(STREAM_MODES))

    def __call__(self, mode: str, chunk: Any) -> Iterator[tuple[str, Any]]:
        """The client's events for one graph stream item ``(mode, chunk)``."""
        if mode != "messages":
            if mode in self.modes:
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
    refused with 422, as they could route a run around the approval of actions with side effects). Neither input nor
    command continues the thread from its next step (after an update_state), 422 when it has none."""
    if body.command is None:
        if body.input is None and not (await graph.aget_state(config)).next:
            raise HTTPException(422, 'Send input ({"messages": [...]}) or command ({"resume": ...}): this run has '
                                     "neither, and the thread has no next step to continue from.")
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
                for mode in Translator.unserved(modes):
                    run.put("warning", {"message": f"Stream mode {mode!r} is not served and was ignored; served: "
                                                   f"{', '.join(STREAM_MODES)}."})
                announced = True

        held: list[tuple[str, Any]] = []

        def release() -> None:
            while held:
                run.put(*held.pop(0))

        async def forward(stream: Stream) -> None:
            async for mode, chunk in stream:
                announce()
                if mode == "tasks" and "result" not in chunk:
                    release()  # a task starting: with durability "sync" the step before it is saved
                for event, data in translate(mode, chunk):
                    if event in ("updates", "values"):  # they wait until their step is saved (tokens do not)
                        held.append((event, data))
                    else:
                        run.put(event, data)
            release()  # the run's last checkpoint is saved when its stream ends

        await auth.update_thread(db.pool, thread_id, {"graph_id": GRAPH_ID, "assistant_id": ASSISTANT_ID})
        status = "interrupted"
        try:
            result = await run_turn(graph, payload, config, context, on_stream=forward,
                                    stream_modes=Translator.graph_modes(modes),
                                    stopped=STOPPED, close_first=close_first, thread_config=plain,
                                    durability=body.durability or DURABILITY,
                                    interrupt_before=body.interrupt_before, interrupt_after=body.interrupt_after,
                                    events=EVENTS in modes)
            announce()
            status = "interrupted" if result.approval is not None else "success"
            run.put("end", {"run_id": run.run_id, "status": "success"})
        except asyncio.CancelledError:
            log.warning("run %s on thread %s cancelled: %s", run.run_id, thread_id, STOPPED)
            raise
        except Exception as exc:
            log.exception("run %s on thread %s failed", run.run_id, thread_id)
            announce()
            status = "error"
            run.put("error", {"error": type(exc).__name__, "message": explain(exc, run.run_id)})
        finally:
            await auth.update_thread(db.pool, thread_id)
            run.finish(status)

    return RUNS.start(Run(run_id, thread_id, creator, body.metadata or {}, sorted(modes)), work)


async def sse_events(run: Run, on_disconnect: str, after: int = -1) -> AsyncIterator[ServerSentEvent]:
    """The run's events after index ``after`` as SSE, each with its index as id (what Last-Event-ID sends back);
    when the client goes away first, the run is cancelled (``on_disconnect`` "cancel") or left to finish
    ("continue")."""
    finished = False
    try:
        async for index, event, data in run.follow(after):
            yield ServerSentEvent(dumps(data).decode(), event=event, id=str(index))
        finished = True
    finally:
        if not finished and on_disconnect == "cancel" and run.task:
            run.task.cancel()


async def final_event(run: Run) -> tuple[Any, dict | None]:
    """Wait for the run to finish: (its last ``values`` event or None, its ``error`` event's data or None)."""
    values: Any = None
    error: dict | None = None
    async for _, event, data in run.follow():
        if event == "values":
            values = data
        elif event == "error":
            error = data
    return values, error


def run_headers(run: Run, resumable: bool = False) -> dict[str, str]:
    """The response headers that name the run (LangGraph's Content-Location) and, for a resumable stream, where to
    reconnect (Location: the SDKs reconnect there with Last-Event-ID when the stream breaks)."""
    path = f"/threads/{run.thread_id}/runs/{run.run_id}"
    return {"Content-Location": path} | ({"Location": f"{path}/stream"} if resumable else {})
