"""The HTTP API's runs: recorded in Postgres (``memory.runs``: one active run per thread across every process, the
events of each run, LISTEN/NOTIFY), executed as asyncio tasks that run one turn through ``agent.turns.run_turn``
(in the API process that accepted a streamed or waited run; in a worker for a background run, ``agent.worker``),
the translation of the graph's stream into LangGraph's server-sent events, and the words for what went wrong in a
run."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
import psycopg_pool
from fastapi import HTTPException
from langchain_core.messages import BaseMessage, BaseMessageChunk, message_chunk_to_message
from langgraph.errors import GraphRecursionError
from langgraph.types import Command
from pydantic import ValidationError
from sse_starlette import ServerSentEvent

from agent import auth
from agent.api.schemas import ASSISTANT_ID, GRAPH_ID, MAX_RECURSION_LIMIT, STREAM_MODES, RunCreate, dumps
from agent.models import llm_fault
from agent.settings import get_settings
from agent.turns import EVENTS, Stream, run_config, run_turn
from graphs.conversation import DURABILITY, persistent_graph, read_decisions
from memory import runs as runs_db
from memory.db import Database
from tools.base import CortexContext

log = logging.getLogger("cortex.api")

STOPPED = "the client disconnected"
"""Why a run's turn ended early when its client went away or it was cancelled, as the note that closes the thread
says it."""


RUN_STATUSES = ("pending", "running", "success", "error", "interrupted")
"""LangGraph's run statuses: interrupted is a run that stopped for an approval, or that was cancelled."""

FOLLOW_POLL_S = 1.0
"""Longest a follower of another process's run waits for a notification before it reads the run again."""


def _iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat()


def run_json(record: runs_db.RunRecord) -> dict:
    """A stored run in LangGraph's Run shape (a queued run is LangGraph's 'pending')."""
    return {"run_id": record.run_id, "thread_id": record.thread_id, "assistant_id": ASSISTANT_ID,
            "created_at": _iso(record.created_at), "updated_at": _iso(record.updated_at),
            "status": "pending" if record.status == "queued" else record.status, "metadata": record.metadata,
            "kwargs": {"stream_mode": record.kwargs.get("modes", [])}, "multitask_strategy": record.multitask_strategy}


@dataclass
class Run:
    """A run this process executes: its record (LangGraph's Run shape, ``as_json``), the events it produced in order
    (``log``, JSON text; event ``i`` has the SSE id ``base + i``, so a client that reconnects with Last-Event-ID
    resumes after it; ``base`` > 0 on a retry that continues an earlier attempt's log) and the task that runs the
    graph. Events go to Postgres as they come (``memory.runs.append_events``, batched while a write is under way),
    so any process serves them. ``done`` once the task finished (the log then ends)."""

    run_id: str
    thread_id: str
    creator: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    modes: list[str] = field(default_factory=list)
    status: str = "pending"
    strategy: str = "reject"
    created_at: str = field(default_factory=_iso)
    updated_at: str = field(default_factory=_iso)
    log: list[tuple[str, str]] = field(default_factory=list)
    base: int = 0
    attempt: int = 1
    done: bool = False
    task: asyncio.Task | None = None
    cancel_action: str | None = None
    pool: Any = None
    _flushed: int = 0
    _flusher: asyncio.Task | None = field(default=None, repr=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    def put(self, event: str, data: Any) -> None:
        """Append one event (``data`` as the API's JSON, ``schemas.dumps``) to the run's log."""
        self.log.append((event, dumps(data).decode()))
        self._notify()
        if self.pool is not None and (self._flusher is None or self._flusher.done()):
            self._flusher = asyncio.create_task(self._flush(), name=f"run {self.run_id} events")

    async def _flush(self) -> None:
        """Write the events not written yet, in batches (those that arrive while a batch is written go next)."""
        while self._flushed < len(self.log):
            batch = self.log[self._flushed:]
            await runs_db.append_events(self.pool, self.run_id, self.base + self._flushed, batch)
            self._flushed += len(batch)

    async def finish(self, status: str, error: dict | None = None) -> None:
        """Write the rest of the log, then end the run with ``status`` (one of ``RUN_STATUSES``) in Postgres and
        here; ``error`` ({error, message}) when it failed."""
        try:
            if self.pool is not None:
                if self._flusher is not None:
                    await asyncio.gather(self._flusher, return_exceptions=True)
                await self._flush()
                await runs_db.finish(self.pool, self.run_id, status, error)
        finally:
            self.status, self.updated_at, self.done = status, _iso(), True
            self._notify()

    async def follow(self, after: int = -1) -> AsyncIterator[tuple[int, str, str]]:
        """The log's events ``(id, event, JSON text)`` after id ``after``, then each new one as it comes, until the
        run is done."""
        index = max(after + 1 - self.base, 0)
        while True:
            wake = self._wake
            if index < len(self.log):
                event, data = self.log[index]
                yield self.base + index, event, data
                index += 1
            elif self.done:
                return
            else:
                await wake.wait()

    def as_json(self) -> dict:
        """The run in LangGraph's Run shape."""
        return {"run_id": self.run_id, "thread_id": self.thread_id, "assistant_id": ASSISTANT_ID,
                "created_at": self.created_at, "updated_at": self.updated_at, "status": self.status,
                "metadata": self.metadata, "kwargs": {"stream_mode": self.modes}, "multitask_strategy": self.strategy}


@dataclass
class StoredRun:
    """A run as Postgres has it (``record``), executed by this process or another: what the routes read, join,
    stream and cancel."""

    record: runs_db.RunRecord

    @property
    def run_id(self) -> str:
        """The run's id."""
        return self.record.run_id

    @property
    def thread_id(self) -> str:
        """The run's thread."""
        return self.record.thread_id

    def as_json(self) -> dict:
        """The run in LangGraph's Run shape."""
        return run_json(self.record)


AnyRun = Run | StoredRun


class RunManager:
    """The runs of every process on the database (``memory.runs``): at most one active per thread, enforced by
    Postgres; this process executes some of them (the streamed and waited runs it accepted; a worker, the background
    runs) and follows the others' events through LISTEN/NOTIFY (``memory.runs.Listener``). The API reaches runs
    only through these methods (``start``, ``busy``, ``get``, ``of_thread``, ``follow``, ``cancel``,
    ``forget_thread``, ``shutdown``)."""

    def __init__(self) -> None:
        self._active: dict[str, Run] = {}
        self._listener: runs_db.Listener | None = None
        self._leases: asyncio.Task | None = None

    def _attach(self, db: Database) -> runs_db.Listener:
        """This process's listener and lease renewal on ``db`` (started on first use)."""
        if self._listener is None or self._listener.url != db.url:
            self._listener = runs_db.Listener(db.url, self._on_cancel)
        self._listener.start()
        if self._leases is None or self._leases.done():
            self._leases = asyncio.create_task(self._renew(db), name="run leases")
        return self._listener

    async def _renew(self, db: Database) -> None:
        while True:
            await asyncio.sleep(runs_db.LEASE_S / 3)
            try:
                await runs_db.renew(db.pool, list(self._active))
            except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
                log.warning("Renewing the leases of this process's runs failed: %s", exc)

    def _on_cancel(self, run_id: str) -> None:
        """A cancel was asked of ``run_id``: when this process executes it, read the action and cancel its task."""
        run = self._active.get(run_id)
        if run is None or run.task is None:
            return

        async def carry_out() -> None:
            record = await runs_db.get(run.pool, run_id)
            if record is not None and record.cancel and run.task is not None and not run.task.done():
                run.cancel_action = record.cancel
                run.task.cancel()

        asyncio.create_task(carry_out(), name=f"cancel run {run_id}")

    async def busy(self, db: Database, thread_id: str) -> bool:
        """Whether the thread has an active run (in any process)."""
        return await runs_db.busy(db.pool, thread_id)

    async def admit(self, db: Database, run: Run, background: bool, kwargs: dict[str, Any]) -> runs_db.RunRecord:
        """Record the run in Postgres (``memory.runs.create``); 409 when its thread is busy and its strategy is
        reject."""
        self._attach(db)
        try:
            return await runs_db.create(db.pool, run_id=run.run_id, thread_id=run.thread_id, creator_id=run.creator,
                                        strategy=run.strategy, kwargs=kwargs, metadata=run.metadata,
                                        background=background)
        except runs_db.ThreadBusy:
            raise HTTPException(409, f"Thread {run.thread_id} is already running a task: wait for it to finish, or "
                                     "start the run with multitask_strategy 'enqueue', 'interrupt' or 'rollback'.") from None

    async def claim(self, db: Database, run_id: str, thread_id: str) -> runs_db.RunRecord:
        """Wait until the run may start (a queued run waits for its thread) and mark it running; the record (a run
        cancelled while it waited comes back finished)."""
        listener = self._attach(db)
        async with listener.watching(thread_id) as changed:  # the thread's other runs free it
            while True:
                record = await runs_db.claim(db.pool, run_id)
                if record is not None:
                    return record
                await changed(FOLLOW_POLL_S)

    def execute(self, db: Database, run: Run, work: Callable[[Run], Any]) -> Run:
        """Run ``work(run)`` as a task of this process, its events written to ``db``."""
        self._attach(db)
        run.pool = db.pool
        run.status = "running"
        self._active[run.run_id] = run
        run.task = asyncio.create_task(work(run), name=f"run {run.run_id}")
        run.task.add_done_callback(lambda _: self._active.pop(run.run_id, None))
        return run

    async def get(self, db: Database, thread_id: str, run_id: str) -> AnyRun | None:
        """The thread's run ``run_id`` (this process's own, else as stored), or None (unknown, or another
        thread's)."""
        if (run := self._active.get(run_id)) is not None:
            return run if run.thread_id == thread_id else None
        try:
            record = await runs_db.get(db.pool, str(uuid.UUID(run_id)))
        except ValueError:
            return None
        return StoredRun(record) if record is not None and record.thread_id == thread_id else None

    async def of_thread(self, db: Database, thread_id: str, status: str | None, limit: int, offset: int) -> list[dict]:
        """The thread's runs in LangGraph's Run shape, newest first, only those with ``status`` when given."""
        statuses = None if status is None else (["queued", "pending"] if status == "pending" else [status])
        return [run_json(r) for r in await runs_db.of_thread(db.pool, thread_id, statuses, limit, offset)]

    async def follow(self, db: Database, run: AnyRun, after: int = -1) -> AsyncIterator[tuple[int, str, str]]:
        """The run's events ``(id, event, JSON text)`` after id ``after``, then each new one as it comes, until the
        run is finished: from this process's memory when it executes the run, else from Postgres, woken by its
        notifications."""
        if isinstance(run, Run) and after + 1 >= run.base:
            async for item in run.follow(after):
                yield item
            return
        listener = self._attach(db)
        async with listener.watching(run.run_id) as changed:
            while True:
                record = await runs_db.get(db.pool, run.run_id)
                for seq, event, data in await runs_db.events_after(db.pool, run.run_id, after):
                    after = seq
                    yield seq, event, data
                if record is None or record.status in runs_db.FINAL:
                    return
                await changed(FOLLOW_POLL_S)

    async def cancel(self, db: Database, run: AnyRun, action: str = "interrupt") -> dict | None:
        """Stop the run, wherever it runs (``memory.runs.request_cancel``): ``action`` 'interrupt' keeps what it
        did (its thread closed as a stopped turn), 'rollback' also drops the run and the checkpoints it wrote.
        Returns the run's record as JSON after the request (None once rolled back)."""
        local = self._active.get(run.run_id)
        record = await runs_db.request_cancel(db.pool, run.run_id, action)
        if local is not None and local.task is not None and not local.task.done():
            local.cancel_action = action
            local.task.cancel()
        elif record is not None and record.status == "interrupted" and action == "rollback":
            await runs_db.delete(db.pool, run.run_id)
            return None
        return run_json(record) if record is not None else None

    async def forget_thread(self, db: Database, thread_id: str) -> None:
        """Drop the records of a deleted thread's runs."""
        await runs_db.forget_thread(db.pool, thread_id)

    async def shutdown(self) -> None:
        """Cancel the runs this process executes (each closes its thread and is recorded interrupted), wait for
        them, and stop listening."""
        tasks = [r.task for r in self._active.values() if r.task]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._leases is not None:
            self._leases.cancel()
            await asyncio.gather(self._leases, return_exceptions=True)
            self._leases = None
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None


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


async def start(thread_id: str, body: RunCreate, creator: str, modes: set[str], db: Database,
                background: bool = False) -> AnyRun:
    """Check the run (404 for an unknown checkpoint to fork from, 409/422 for a resume that answers nothing or not
    the request), record it (409 while the thread has an active run and its multitask_strategy is reject; with
    enqueue, interrupt or rollback it waits for the thread, ``memory.runs.create``), then either hand it to the
    job queue (``background``: a worker executes it, ``agent.worker``) or execute it here once it holds its thread
    (``execute``). Returns the run this process executes, or the stored run."""
    graph = persistent_graph(db)
    run_id = str(uuid.uuid4())
    config = await run_config_of(body, thread_id, creator, run_id, graph)
    await graph_input(body, graph, config)
    run = Run(run_id, thread_id, creator, body.metadata or {}, sorted(modes),
              strategy=body.multitask_strategy or "reject")
    kwargs = {"body": body.model_dump(mode="json", exclude_none=True), "modes": sorted(modes)}
    record = await RUNS.admit(db, run, background, kwargs)
    if background:
        from agent.worker import defer_run

        try:
            await defer_run(db, run_id)
        except Exception as exc:
            await runs_db.finish(db.pool, run_id, "error", {"error": type(exc).__name__, "message": explain(exc, run_id)})
            raise
        return StoredRun(record)
    record = await RUNS.claim(db, run_id, thread_id)
    if record.status in runs_db.FINAL:  # cancelled while it waited for its thread
        return StoredRun(record)
    return await execute(db, record)


async def execute(db: Database, record: runs_db.RunRecord) -> Run:
    """Execute a claimed run (``RunManager.claim``) as a task of this process: one turn through
    ``agent.turns.run_turn``, its stream translated into the run's stream modes, then ``end`` ({run_id, status}) or
    ``error`` ({error, message}: ``explain``). No approval is asked here: a run that stops for one ends, and the
    client resumes it in a later run. A retry (``record.attempt`` > 1: the worker that ran it died) continues from
    the run's last checkpoint when it had saved one. Cancelled, the thread is closed with STOPPED; cancelled with
    action rollback, the checkpoints the run wrote and the run itself are deleted."""
    graph = persistent_graph(db)
    run_id, thread_id, creator = record.run_id, record.thread_id, record.creator_id
    modes = set(record.kwargs["modes"])
    run = Run(run_id, thread_id, creator, record.metadata, sorted(modes), strategy=record.multitask_strategy,
              created_at=_iso(record.created_at), attempt=record.attempt)
    try:  # checked when the run was accepted; a worker's settings may differ (an LLM key it lacks)
        body = RunCreate.model_validate(record.kwargs["body"])
    except ValidationError as exc:
        run.pool = db.pool
        error = {"error": "ValidationError", "message": "; ".join(e["msg"] for e in exc.errors())}
        run.put("error", error)
        await run.finish("error", error)
        return run
    failure: Exception | None = None
    resume = False
    config: dict = {}
    payload: Any = None
    try:
        config = await run_config_of(body, thread_id, creator, run_id, graph)
        if record.attempt > 1:
            run.base = await runs_db.last_seq(db.pool, run_id) + 1
            head = await graph.aget_state({"configurable": {"thread_id": thread_id}})
            resume = (head.metadata or {}).get("run_id") == run_id  # its input was saved: go on from there
            if resume:
                config["configurable"].pop("checkpoint_id", None)
            if resume and not head.next:  # its last step was saved, its end was not recorded
                run.pool = db.pool
                await run.finish("interrupted" if head.interrupts else "success")
                return run
        payload = None if resume else await graph_input(body, graph, config)
    except (HTTPException, ValueError) as exc:
        failure = exc
    context = CortexContext(creator_id=creator, engine=(body.context or {}).get("engine"), db=db,
                            settings=get_settings())
    translate = Translator(modes)

    # closing a turn writes a checkpoint; one carrying this run's id in its metadata would make LangGraph take the
    # run for a re-entry (a resume) and drop its input
    plain = run_config(thread_id, creator)
    # a run forked from an earlier checkpoint leaves the thread's head as it is; a retry goes on where it stopped
    close_first = body.input is not None and "checkpoint_id" not in config.get("configurable", {}) and not resume

    async def work(run: Run) -> None:
        announced = False

        def announce() -> None:
            """``metadata`` goes first, once the graph's first stream item arrived: with durability "sync" the
            input's checkpoint is saved by then, so a client that saw it never loses the message it sent."""
            nonlocal announced
            if not announced:
                run.put("metadata", {"run_id": run.run_id, "attempt": run.attempt})
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

        status, error = "interrupted", None
        try:
            if failure is not None:
                raise failure
            await auth.update_thread(db.pool, thread_id, {"graph_id": GRAPH_ID, "assistant_id": ASSISTANT_ID})
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
            log.warning("run %s on thread %s cancelled (%s)", run.run_id, thread_id, run.cancel_action or STOPPED)
            raise
        except Exception as exc:
            if not isinstance(exc, HTTPException):
                log.exception("run %s on thread %s failed", run.run_id, thread_id)
            announce()
            status = "error"
            message = exc.detail if isinstance(exc, HTTPException) else explain(exc, run.run_id)
            error = {"error": type(exc).__name__, "message": message}
            run.put("error", error)
        finally:
            await asyncio.shield(_close(db, run, status, error, record.head_before))

    return RUNS.execute(db, run, work)


async def _close(db: Database, run: Run, status: str, error: dict | None, head_before: str | None) -> None:
    """Record how the run ended; a run cancelled with action rollback leaves no trace (its checkpoints after
    ``head_before`` and its record are deleted)."""
    await auth.update_thread(db.pool, run.thread_id)
    if run.cancel_action == "rollback":
        await runs_db.drop_checkpoints_after(db.pool, run.thread_id, head_before)
        await run.finish(status)
        await runs_db.delete(db.pool, run.run_id)
    else:
        await run.finish(status, error)


async def sse_events(db: Database, run: AnyRun, on_disconnect: str, after: int = -1) -> AsyncIterator[ServerSentEvent]:
    """The run's events after id ``after`` as SSE, each with its id (what Last-Event-ID sends back); when the client
    goes away first, the run is cancelled (``on_disconnect`` "cancel") or left to finish ("continue")."""
    finished = False
    try:
        async for index, event, data in RUNS.follow(db, run, after):
            yield ServerSentEvent(data, event=event, id=str(index))
        finished = True
    finally:
        if not finished and on_disconnect == "cancel":
            if isinstance(run, Run) and run.task:
                run.task.cancel()
            else:
                asyncio.get_running_loop().create_task(RUNS.cancel(db, run))


async def final_event(db: Database, run: AnyRun) -> tuple[Any, dict | None]:
    """Wait for the run to finish: (its last ``values`` event or None, its ``error`` event's data or None)."""
    values: Any = None
    error: dict | None = None
    last_values: str | None = None
    async for _, event, data in RUNS.follow(db, run):
        if event == "values":
            last_values = data
        elif event == "error":
            error = orjson.loads(data)
    if last_values is not None:
        values = orjson.loads(last_values)
    return values, error


def run_headers(run: AnyRun, resumable: bool = False) -> dict[str, str]:
    """The response headers that name the run (LangGraph's Content-Location) and, for a resumable stream, where to
    reconnect (Location: the SDKs reconnect there with Last-Event-ID when the stream breaks)."""
    path = f"/threads/{run.thread_id}/runs/{run.run_id}"
    return {"Content-Location": path} | ({"Location": f"{path}/stream"} if resumable else {})
